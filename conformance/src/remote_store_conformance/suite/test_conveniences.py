"""Conveniences: ``child`` stores, ``read_text`` and ``write_text``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from remote_store import (
    AlreadyExists,
    Backend,
    Capability,
    InvalidContent,
    InvalidPath,
    NotFound,
    RemotePath,
    Store,
    StoreClosed,
)

from .._markers import requires
from .._support import RecordingBackend

__all__ = ["TestConveniencesChild", "TestConveniencesText"]


class TestConveniencesChild:
    @pytest.mark.spec("STORE-036")
    def test_child_is_the_folder_below(
        self, conformance_backend: Backend, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        parent = open_store(recorder, "top", owns_backend=False)
        child = parent.child("a/b")
        assert recorder.calls == [], "child() did I/O"
        assert child.root_path == RemotePath("top/a/b")
        assert child.backend is recorder
        assert parent.child("").root_path == RemotePath("top")
        assert parent.child(RemotePath("x")).child("y").root_path == RemotePath("top/x/y")

    @pytest.mark.spec("STORE-036")
    @requires(Capability.WRITE, Capability.READ)
    def test_child_reads_and_writes_below_the_parent(self, store: Store) -> None:
        child = store.child("a/b")
        child.write("c.txt", b"from child")
        assert store.read_bytes("a/b/c.txt") == b"from child"
        store.write("a/b/d.txt", b"from parent")
        assert child.read_bytes("d.txt") == b"from parent"
        with pytest.raises(NotFound) as caught:
            child.read_bytes("missing.txt")
        assert caught.value.path == "missing.txt"

    @pytest.mark.spec("STORE-036")
    def test_closing_a_child_leaves_the_backend_open(
        self, conformance_backend: Backend, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        parent = open_store(recorder)
        child = parent.child("sub")
        child.close()
        assert child.closed and not parent.closed
        assert "close" not in recorder.calls
        assert parent.exists("") is True
        parent.close()
        assert recorder.calls.count("close") == 1

    @pytest.mark.spec("STORE-036")
    def test_child_errors(self, store: Store, open_store: Callable[..., Store]) -> None:
        for bad in ("../up", "a//b", "/abs"):
            with pytest.raises(InvalidPath) as caught:
                store.child(bad)
            assert caught.value.operation == "child"
        closed = open_store(store.backend, owns_backend=False)
        closed.close()
        with pytest.raises(StoreClosed):
            closed.child("a")


@requires(Capability.WRITE, Capability.READ)
class TestConveniencesText:
    @pytest.mark.spec("STORE-037")
    def test_text_round_trips(self, store: Store) -> None:
        text = "naïve café ✓\nline two\n"
        store.write_text("text/utf8.txt", text)
        assert store.read_bytes("text/utf8.txt") == text.encode("utf-8")
        assert store.read_text("text/utf8.txt") == text
        store.write_text("text/latin.txt", "café", encoding="latin-1")
        assert store.read_bytes("text/latin.txt") == "café".encode("latin-1")
        assert store.read_text("text/latin.txt", encoding="latin-1") == "café"
        store.write_text("text/empty.txt", "")
        assert store.read_text("text/empty.txt") == ""

    @pytest.mark.spec("STORE-037")
    def test_write_text_keeps_write_guarantees(self, store: Store) -> None:
        store.write_text("text/once.txt", "first")
        with pytest.raises(AlreadyExists) as caught:
            store.write_text("text/once.txt", "second")
        assert caught.value.operation == "write_text"
        assert store.read_text("text/once.txt") == "first"
        store.write_text("text/once.txt", "second", overwrite=True)
        assert store.read_text("text/once.txt") == "second"

    @pytest.mark.spec("STORE-037")
    def test_decoding_errors(self, store: Store) -> None:
        store.write("text/bad.bin", b"ok \xff\xfe bad")
        with pytest.raises(UnicodeDecodeError) as caught:
            store.read_text("text/bad.bin")
        assert "text/bad.bin" in str(caught.value)
        assert store.read_text("text/bad.bin", errors="replace") == "ok \ufffd\ufffd bad"
        with pytest.raises(NotFound) as missing:
            store.read_text("text/absent.txt")
        assert missing.value.operation == "read_text"

    @pytest.mark.spec("STORE-037")
    def test_bad_text_and_encodings_are_refused_before_any_io(
        self, conformance_backend: Backend, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(InvalidContent) as caught:
            view.write_text("text/bytes.txt", b"bytes")  # type: ignore[arg-type]
        assert caught.value.path == "text/bytes.txt"
        assert caught.value.operation == "write_text"
        with pytest.raises(LookupError):
            view.write_text("text/x.txt", "x", encoding="no-such-codec")
        with pytest.raises(LookupError):
            view.read_text("text/x.txt", encoding="no-such-codec")
        with pytest.raises(UnicodeEncodeError) as encode:
            view.write_text("text/ascii.txt", "é", encoding="ascii")
        assert "text/ascii.txt" in str(encode.value)
        assert recorder.calls == []
