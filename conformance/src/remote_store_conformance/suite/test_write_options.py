"""Write options: content type and user metadata, their capabilities and their validation."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import (
    Backend,
    Capability,
    CapabilityNotSupported,
    InvalidArgument,
    Metadata,
    Store,
)

from .._markers import requires, requires_not
from .._support import RecordingBackend, snapshot

__all__ = [
    "TestWriteOptionsChecks",
    "TestWriteOptionsContentType",
    "TestWriteOptionsMetadata",
    "TestWriteOptionsUndeclared",
]

OPTIONS: dict[Capability, tuple[str, Any]] = {
    Capability.CONTENT_TYPE: ("content_type", "text/csv"),
    Capability.USER_METADATA: ("metadata", {}),
    Capability.CONDITIONAL_WRITE: ("if_match", "0123abcd"),
}
"""Each option capability, the keyword it gates and a valid value of it."""

OPTION_PARAMS = [pytest.param(capability, id=capability.value) for capability in OPTIONS]

# Values that survive no naive HTTP header: non-ASCII, spaces at either end, RFC 2047 look-alikes.
AWKWARD_VALUES = {
    "plain": "ana",
    "accented": "Café crème",
    "cjk": "数据集",
    "emoji": "🚀 launch",
    "padded": "  spaced  ",
    "encoded-looking": "=?UTF-8?B?Q2Fmw6k=?=",
    "empty": "",
    "control": "line1\nline2\ttab",
    "symbols": 'a=b; c,d "quoted" 100%',
}

WRITERS = [
    pytest.param("write", id="write"),
    pytest.param("write_atomic", marks=requires(Capability.ATOMIC_WRITE), id="write_atomic"),
]


def _write(store: Store, method: str, path: str, content: bytes, **options: Any) -> None:
    getattr(store, method)(path, content, **options)


@requires(Capability.WRITE)
class TestWriteOptionsUndeclared:
    @pytest.mark.spec("STORE-038", "BACKEND-022")
    @pytest.mark.parametrize("capability", OPTION_PARAMS)
    def test_store_refuses_an_undeclared_option_before_calling_the_backend(
        self, conformance_backend: Backend, capability: Capability, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend, without=[capability])
        view = open_store(recorder, owns_backend=False)
        name, value = OPTIONS[capability]
        methods = ["write"] + (["write_atomic"] if view.supports(Capability.ATOMIC_WRITE) else [])
        for method in methods:
            with pytest.raises(CapabilityNotSupported) as caught:
                getattr(view, method)("opts/file.txt", b"data", overwrite=True, **{name: value})
            assert caught.value.capability == capability.value
            assert caught.value.operation == method
            assert caught.value.path == "opts/file.txt"
            assert f"{name}=" in str(caught.value), str(caught.value)
        assert recorder.calls == [], f"the backend was called: {recorder.calls}"

    @pytest.mark.spec("STORE-038", "BACKEND-022")
    @pytest.mark.parametrize(
        "capability",
        [
            pytest.param(capability, marks=requires_not(capability), id=capability.value)
            for capability in OPTIONS
        ],
    )
    def test_a_backend_without_the_capability_refuses_the_option(
        self, store: Store, conformance_backend: Backend, capability: Capability
    ) -> None:
        name, value = OPTIONS[capability]
        store.write("opts/old.txt", b"old")
        before = snapshot(store, "opts/old.txt", "opts/new.txt")
        for target in (store, conformance_backend):
            for path in ("opts/old.txt", "opts/new.txt"):
                with pytest.raises(CapabilityNotSupported) as caught:
                    target.write(path, b"new", overwrite=True, **{name: value})
                assert caught.value.capability == capability.value
        assert snapshot(store, "opts/old.txt", "opts/new.txt") == before

    @pytest.mark.spec("STORE-038")
    def test_no_option_needs_no_capability(
        self, conformance_backend: Backend, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend, without=list(OPTIONS))
        view = open_store(recorder, owns_backend=False)
        view.write("opts/plain.txt", b"data", content_type=None, metadata=None, if_match=None)
        assert recorder.calls == ["write"]
        if view.supports(Capability.READ):
            assert view.read_bytes("opts/plain.txt") == b"data"


BAD_OPTIONS: list[Any] = [
    pytest.param("content_type", 42, "content_type", id="content_type-not-str"),
    pytest.param("content_type", "", "content_type", id="content_type-empty"),
    pytest.param("content_type", "csv", "'csv'", id="content_type-no-subtype"),
    pytest.param("content_type", "text/csv\r\nX-Evil: 1", "content_type", id="content_type-header-injection"),
    pytest.param("content_type", " text/csv", "content_type", id="content_type-padded"),
    pytest.param("content_type", "texte/café", "content_type", id="content_type-non-ascii"),
    pytest.param("metadata", [("a", "b")], "mapping", id="metadata-not-mapping"),
    pytest.param("metadata", {"": "x"}, "''", id="metadata-empty-key"),
    pytest.param("metadata", {"has space": "x"}, "'has space'", id="metadata-key-space"),
    pytest.param("metadata", {"colon:key": "x"}, "'colon:key'", id="metadata-key-colon"),
    pytest.param("metadata", {"clé": "x"}, "'clé'", id="metadata-key-non-ascii"),
    pytest.param("metadata", {"dotted.key": "x"}, "'dotted.key'", id="metadata-key-dot"),
    pytest.param("metadata", {1: "x"}, "1", id="metadata-key-not-str"),
    pytest.param("metadata", {"Owner": "a", "owner": "b"}, "'owner'", id="metadata-keys-collide"),
    pytest.param("metadata", {"count": 3}, "'count'", id="metadata-value-not-str"),
    pytest.param("metadata", {"broken": "\ud800"}, "'broken'", id="metadata-value-surrogate"),
]


@requires(Capability.WRITE)
class TestWriteOptionsChecks:
    @pytest.mark.spec("STORE-041", "BACKEND-022")
    @pytest.mark.parametrize(("name", "value", "named"), BAD_OPTIONS)
    def test_an_invalid_option_is_refused_before_any_io(
        self,
        conformance_backend: Backend,
        open_store: Callable[..., Store],
        name: str,
        value: Any,
        named: str,
    ) -> None:
        capability = next(cap for cap, (option, _) in OPTIONS.items() if option == name)
        if capability not in conformance_backend.capabilities:
            pytest.skip(f"the backend lacks capability {capability.value!r} (STORE-038 refuses it first)")
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(InvalidArgument) as caught:
            view.write("checks/file.txt", b"data", **{name: value})
        assert caught.value.argument == name
        assert named in str(caught.value), str(caught.value)
        assert caught.value.path == "checks/file.txt" and caught.value.operation == "write"
        assert isinstance(caught.value, ValueError)
        assert recorder.calls == [], f"the backend was called: {recorder.calls}"
        # Called directly, the backend refuses it the same way, creating nothing.
        with pytest.raises(InvalidArgument):
            conformance_backend.write("checks/file.txt", b"data", **{name: value})
        assert not conformance_backend.is_file("checks/file.txt")

    @requires(Capability.CONDITIONAL_WRITE)
    @pytest.mark.spec("STORE-041")
    @pytest.mark.parametrize(
        ("overwrite", "value", "named"),
        [
            pytest.param(False, "abc", "overwrite=True", id="without-overwrite"),
            pytest.param(True, "", "if_match", id="empty"),
            pytest.param(True, '""', "if_match", id="empty-quoted"),
            pytest.param(True, "a b", "if_match", id="space"),
            pytest.param(True, 7, "if_match", id="not-str"),
        ],
    )
    def test_an_invalid_if_match_is_refused_before_any_io(
        self,
        conformance_backend: Backend,
        open_store: Callable[..., Store],
        overwrite: bool,
        value: Any,
        named: str,
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(InvalidArgument) as caught:
            view.write("checks/file.txt", b"data", overwrite=overwrite, if_match=value)
        assert caught.value.argument == "if_match"
        assert named in str(caught.value), str(caught.value)
        assert recorder.calls == []

    @pytest.mark.spec("STORE-041")
    @pytest.mark.parametrize("method", WRITERS)
    def test_a_progress_that_cannot_be_called_is_refused(
        self, conformance_backend: Backend, open_store: Callable[..., Store], method: str
    ) -> None:
        recorder = RecordingBackend(conformance_backend)
        view = open_store(recorder, owns_backend=False)
        with pytest.raises(InvalidArgument) as caught:
            getattr(view, method)("checks/file.txt", b"data", progress="not callable")
        assert caught.value.argument == "progress"
        assert recorder.calls == []


@requires(Capability.CONTENT_TYPE, Capability.WRITE, Capability.METADATA)
class TestWriteOptionsContentType:
    @pytest.mark.spec("STORE-039")
    @pytest.mark.parametrize("method", WRITERS)
    @pytest.mark.parametrize("content_type", ["text/csv", "application/json; charset=utf-8", "image/svg+xml"])
    def test_content_type_round_trip(self, store: Store, method: str, content_type: str) -> None:
        _write(store, method, "typed/file", b"a,b\n1,2\n", content_type=content_type)
        assert store.get_file_info("typed/file").content_type == content_type

    @pytest.mark.spec("STORE-039")
    def test_a_rewrite_without_content_type_drops_the_old_one(self, store: Store) -> None:
        store.write("typed/file", b"one", content_type="text/csv")
        store.write("typed/file", b"two", overwrite=True)
        assert store.get_file_info("typed/file").content_type != "text/csv"

    @requires(Capability.COPY)
    @pytest.mark.spec("STORE-044")
    def test_copy_keeps_the_content_type(self, store: Store) -> None:
        store.write("typed/src.csv", b"x", content_type="text/csv")
        store.copy("typed/src.csv", "typed/dst.csv")
        assert store.get_file_info("typed/dst.csv").content_type == "text/csv"


@requires(Capability.USER_METADATA, Capability.WRITE, Capability.METADATA)
class TestWriteOptionsMetadata:
    @pytest.mark.spec("STORE-040")
    @pytest.mark.parametrize("method", WRITERS)
    def test_metadata_round_trip(self, store: Store, method: str) -> None:
        _write(store, method, "meta/file.bin", b"data", metadata=AWKWARD_VALUES)
        info = store.get_file_info("meta/file.bin")
        assert dict(info.metadata) == AWKWARD_VALUES
        assert info.metadata == AWKWARD_VALUES

    @pytest.mark.spec("STORE-040")
    def test_keys_are_stored_lower_case(self, store: Store) -> None:
        store.write("meta/case.bin", b"data", metadata={"Owner": "Ana", "X-Source-ID": "42"})
        assert dict(store.get_file_info("meta/case.bin").metadata) == {"owner": "Ana", "x-source-id": "42"}

    @requires("metadata_underscores_kept")
    @pytest.mark.spec("STORE-040")
    def test_underscores_in_keys_are_kept(self, store: Store) -> None:
        store.write("meta/under.bin", b"data", metadata={"X_Source_ID": "42", "a-b_c": "d"})
        assert dict(store.get_file_info("meta/under.bin").metadata) == {"x_source_id": "42", "a-b_c": "d"}

    @pytest.mark.spec("STORE-040")
    def test_metadata_is_a_read_only_mapping(self, store: Store) -> None:
        store.write("meta/ro.bin", b"data", metadata={"owner": "ana"})
        metadata = store.get_file_info("meta/ro.bin").metadata
        assert isinstance(metadata, Metadata)
        with pytest.raises(TypeError):
            metadata["owner"] = "eve"  # type: ignore[index]
        with pytest.raises(TypeError):
            del metadata["owner"]  # type: ignore[attr-defined]
        with pytest.raises(AttributeError):
            metadata._items = {}
        assert metadata == {"owner": "ana"}
        assert hash(metadata) == hash(Metadata({"owner": "ana"}))
        for twin in (pickle.loads(pickle.dumps(metadata)), copy.deepcopy(metadata)):
            assert twin == metadata and isinstance(twin, Metadata)

    @pytest.mark.spec("STORE-040")
    def test_a_file_without_metadata_has_an_empty_mapping(self, store: Store) -> None:
        store.write("meta/none.bin", b"data", metadata={"owner": "ana"})
        store.write("meta/none.bin", b"again", overwrite=True)
        assert dict(store.get_file_info("meta/none.bin").metadata) == {}
        store.write("meta/empty.bin", b"data", metadata={})
        assert dict(store.get_file_info("meta/empty.bin").metadata) == {}

    @requires(Capability.COPY)
    @pytest.mark.spec("STORE-044")
    def test_copy_and_move_keep_the_metadata(self, store: Store) -> None:
        store.write("meta/src.bin", b"data", metadata={"owner": "Zoë"})
        store.copy("meta/src.bin", "meta/copy.bin")
        assert dict(store.get_file_info("meta/copy.bin").metadata) == {"owner": "Zoë"}
        if store.supports(Capability.MOVE):
            store.move("meta/copy.bin", "meta/moved.bin")
            assert dict(store.get_file_info("meta/moved.bin").metadata) == {"owner": "Zoë"}
