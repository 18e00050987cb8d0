"""What only the sftp backend promises (specs/sftp.md), on a real sshd."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _requests import RequestLog

from remote_store import (
    AlreadyExists,
    BackendUnavailable,
    CapabilityNotSupported,
    ConfigError,
    DirectoryNotEmpty,
    InvalidPath,
    NotFound,
    PermissionDenied,
    StoreClosed,
)
from remote_store.backends.sftp import SFTPBackend
from remote_store.backends.sftp._names import is_temp_name, new_temp_name

MiB = 1024 * 1024


def temps(root: Path) -> list[str]:
    return [name for _, _, names in os.walk(root) for name in names if is_temp_name(name)]


def drop_connections(sshd: Any) -> None:
    """Kill the sshd processes serving connections (not the listener): the server drops them."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == sshd.pid:
                os.kill(int(entry.name), signal.SIGKILL)


@pytest.mark.spec("SFTP-005")
def test_sftp_005_links_leading_out_refused(backend: SFTPBackend, server_root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    (server_root / "out").symlink_to(outside)
    (server_root / "inner").mkdir()
    (server_root / "inner" / "f.txt").write_bytes(b"inside")
    (server_root / "in").symlink_to("inner")
    for call in (
        lambda: backend.read_bytes("out/secret.txt"),
        lambda: backend.is_file("out/secret.txt"),
        lambda: backend.write("out/new.txt", b"x"),
        lambda: backend.delete("out/secret.txt"),
        lambda: list(backend.list_files("out")),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert backend.read_bytes("in/f.txt") == b"inside"
    assert sorted(backend.list_folders("")) == ["in", "inner"]


@pytest.mark.spec("SFTP-005")
def test_sftp_005_a_missing_root_is_a_config_error(
    make_backend: Callable[..., SFTPBackend], server_root: Path
) -> None:
    backend = make_backend(root=str(server_root / "missing" / "deeper"))
    with pytest.raises(ConfigError, match="root"):
        backend.exists("x")
    (server_root / "file").write_bytes(b"")
    with pytest.raises(ConfigError, match="root"):
        make_backend(root=str(server_root / "file")).exists("x")


@pytest.mark.spec("SFTP-006")
def test_sftp_006_the_target_is_absent_while_the_content_streams(
    backend: SFTPBackend, server_root: Path
) -> None:
    seen: list[tuple[bool, list[str]]] = []

    class Slow:
        def __init__(self) -> None:
            self.left = 3

        def read(self, size: int = -1) -> bytes:
            seen.append(((server_root / "t.bin").exists(), temps(server_root)))
            if not self.left:
                return b""
            self.left -= 1
            return b"x" * MiB

    backend.write("t.bin", Slow())
    assert all(not present for present, _ in seen)
    assert any(names for _, names in seen[1:])  # a hidden temporary file took the content
    assert (server_root / "t.bin").stat().st_size == 3 * MiB
    assert temps(server_root) == []
    assert backend.is_file("t.bin")


@pytest.mark.spec("SFTP-006")
def test_sftp_006_a_failed_write_leaves_nothing(backend: SFTPBackend, server_root: Path) -> None:
    class Broken:
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise RuntimeError("the source failed")
            return b"y" * MiB

    with pytest.raises(RuntimeError):
        backend.write("new/deeper/t.bin", Broken())
    assert list(server_root.iterdir()) == []
    backend.write("keep.bin", b"old")
    with pytest.raises(RuntimeError):
        backend.write_atomic("keep.bin", Broken(), overwrite=True)
    assert (server_root / "keep.bin").read_bytes() == b"old"
    assert temps(server_root) == []


@pytest.mark.spec("SFTP-007")
def test_sftp_007_twenty_racing_creators_one_winner_whole_file(
    make_backend: Callable[..., SFTPBackend], server_root: Path
) -> None:
    backends = [make_backend() for _ in range(20)]
    for backend in backends:
        backend.exists("warm-up")  # each on its own connection, ready before the start
    start = threading.Barrier(len(backends))
    outcome: dict[int, str] = {}

    def create(index: int) -> None:
        content = bytes([65 + index]) * (256 * 1024)
        start.wait()
        try:
            backends[index].write("race.bin", content)
            outcome[index] = "won"
        except AlreadyExists:
            outcome[index] = "lost"
        except Exception as error:  # noqa: BLE001 - reported below
            outcome[index] = repr(error)

    threads = [threading.Thread(target=create, args=(index,)) for index in range(len(backends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [index for index, result in outcome.items() if result == "won"]
    assert sorted(set(outcome.values())) == ["lost", "won"], outcome
    assert len(winners) == 1
    assert (server_root / "race.bin").read_bytes() == bytes([65 + winners[0]]) * (256 * 1024)
    assert temps(server_root) == []


@pytest.mark.spec("SFTP-008")
def test_sftp_008_eight_threads_share_one_backend(make_backend: Callable[..., SFTPBackend]) -> None:
    backend = make_backend(max_connections=2)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for round_ in range(10):
                path = f"w{worker}/f{round_}.txt"
                content = f"{worker}-{round_}".encode() * 100
                backend.write(path, content)
                assert backend.read_bytes(path) == content
                with backend.read(path) as stream:
                    assert stream.read() == content
                assert backend.get_file_info(path).size == len(content)
                backend.copy(path, path + ".copy")
                backend.move(path + ".copy", path + ".moved", overwrite=True)
                assert len(list(backend.list_files(f"w{worker}"))) == round_ * 2 + 2
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(backend._pool._connections) <= 2


@pytest.mark.spec("SFTP-008")
def test_sftp_008_a_dropped_connection_fails_the_call_and_the_next_reconnects(
    sshd: Any, backend: SFTPBackend, server_root: Path
) -> None:
    backend.write("big.bin", b"z" * (4 * MiB))
    stream = backend.read("big.bin")
    assert stream.read(10) == b"z" * 10
    drop_connections(sshd)
    time.sleep(0.2)
    with pytest.raises(BackendUnavailable) as caught:
        while stream.read(MiB):
            pass
    assert caught.value.__cause__ is not None
    stream.close()
    assert backend.read_bytes("big.bin") == b"z" * (4 * MiB)
    backend.close()
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("remote-store-sftp")]
    with pytest.raises(StoreClosed):
        backend.exists("big.bin")


@pytest.mark.spec("SFTP-009")
def test_sftp_009_write_atomic_fsyncs_write_does_not(backend: SFTPBackend) -> None:
    log = RequestLog()
    with log.recording():
        backend.write("plain.txt", b"a")
        backend.write("stream.txt", io.BytesIO(b"s"))
        backend.copy("plain.txt", "copy.txt")
        assert "fsync@openssh.com" not in log.requests
        backend.write_atomic("atomic.txt", b"b")
        assert log.requests.count("fsync@openssh.com") == 1
        backend.write_atomic("streamed.txt", io.BytesIO(b"c"))
        assert log.requests.count("fsync@openssh.com") == 2
    assert "fsync@openssh.com" in backend.server_extensions


@pytest.mark.spec("SFTP-010")
def test_sftp_010_move_renames_and_copy_uses_copy_data(
    backend: SFTPBackend, server_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.write("a.bin", b"content")
    inode = (server_root / "a.bin").stat().st_ino
    backend.move("a.bin", "b.bin")
    assert (server_root / "b.bin").stat().st_ino == inode
    backend.write("c.bin", b"other")
    backend.move("c.bin", "b.bin", overwrite=True)
    assert (server_root / "b.bin").read_bytes() == b"other"
    with pytest.raises(AlreadyExists):
        backend.move("b.bin", "b.bin")
    copies: list[object] = []
    sftp_class = type(backend._pool._connections[0].sftp)
    original = sftp_class.remote_copy

    async def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        copies.append(args)
        await original(self, *args, **kwargs)

    monkeypatch.setattr(sftp_class, "remote_copy", spy)
    log = RequestLog()
    with log.recording():
        backend.copy("b.bin", "d.bin")
    assert len(copies) == 1
    # No byte of the file passes through the client: no read or write request on the wire.
    assert "copy-data" in log.requests
    assert "read" not in log.requests and "write" not in log.requests, log.requests
    assert (server_root / "d.bin").read_bytes() == b"other"
    assert (server_root / "d.bin").stat().st_ino != (server_root / "b.bin").stat().st_ino


@pytest.mark.spec("SFTP-011")
def test_sftp_011_writes_pipeline_with_a_bounded_window(
    backend: SFTPBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight = 0
    most = 0
    lock = threading.Lock()
    submit = backend._submit

    def counting(awaitable: Any) -> Any:
        nonlocal in_flight, most
        name = getattr(getattr(awaitable, "cr_code", None), "co_name", "")
        future = submit(awaitable)
        if name == "write":
            with lock:
                in_flight += 1
                most = max(most, in_flight)

            def done(_: Any) -> None:
                nonlocal in_flight
                with lock:
                    in_flight -= 1

            future.add_done_callback(done)
        return future

    monkeypatch.setattr(backend, "_submit", counting)

    class Source:
        left = 12

        def read(self, size: int = -1) -> bytes:
            if not self.left:
                return b""
            self.left -= 1
            return b"p" * MiB

    backend.write("pipe.bin", Source())
    assert most == 2  # more than one at a time (pipelined), never more than the window
    assert backend.get_file_info("pipe.bin").size == 12 * MiB


@pytest.mark.spec("SFTP-011")
def test_sftp_011_short_stream_reads_are_written_in_whole_requests(
    backend: SFTPBackend, monkeypatch: pytest.MonkeyPatch, server_root: Path
) -> None:
    sizes: list[int] = []
    submit = backend._submit

    def recording(awaitable: Any) -> Any:
        if getattr(getattr(awaitable, "cr_code", None), "co_name", "") == "write":
            sizes.append(len(awaitable.cr_frame.f_locals["data"]))
        return submit(awaitable)

    monkeypatch.setattr(backend, "_submit", recording)
    content = os.urandom(3 * MiB + 5)

    class Trickle:
        """Reads of at most 100,000 bytes: pieces that straddle the 1 MiB bounds."""

        at = 0

        def read(self, size: int = -1) -> bytes:
            piece = content[self.at : self.at + min(size, 100_000)]
            self.at += len(piece)
            return piece

    backend.write("short.bin", Trickle())
    assert sizes == [MiB, MiB, MiB, 5]
    assert (server_root / "short.bin").read_bytes() == content


@pytest.mark.spec("SFTP-011")
def test_sftp_011_whole_chunks_regroups_any_pieces() -> None:
    from remote_store.backends.sftp._chunks import whole_chunks

    pieces = [b"ab", memoryview(b"cdefgh"), b"", b"ijklmnopq", b"r"]
    out = list(whole_chunks(pieces, 4))
    assert out == [b"abcd", b"efgh", b"ijkl", b"mnop", b"qr"]
    assert list(whole_chunks([b"x" * 8], 4)) == [b"xxxx", b"xxxx"]  # whole pieces pass through
    assert list(whole_chunks([], 4)) == []


@pytest.mark.spec("SFTP-011")
def test_sftp_011_reads_hold_a_bounded_window_ahead(backend: SFTPBackend) -> None:
    from remote_store.backends.sftp._reader import READ_AHEAD

    content = os.urandom(6 * MiB + 5)
    backend.write("r.bin", content)
    with backend.read("r.bin") as stream:
        assert stream.read(100) == content[:100]
        raw: Any = stream
        # The next READ_AHEAD blocks, in order, and only they.
        assert [offset for offset, _, _ in raw._ahead] == [MiB * (1 + index) for index in range(READ_AHEAD)]
        assert len(raw._block) == MiB
        taken = b""
        while len(taken) < 4 * MiB:  # a raw stream answers from one block per read
            taken += stream.read(4 * MiB - len(taken))
        assert taken == content[100 : 4 * MiB + 100]
        # Never past the size known at opening: the last block asks for one byte more.
        assert [offset for offset, _, _ in raw._ahead] == [5 * MiB, 6 * MiB]
        assert raw._ahead[-1][1] == 6
        assert stream.read() == content[4 * MiB + 100 :]
        assert not raw._ahead
        stream.seek(5)
        assert stream.read(10) == content[5:15]
    small = os.urandom(1000)
    backend.write("small.bin", small)
    with backend.read("small.bin") as stream:
        assert stream.read() == small


@pytest.mark.spec("SFTP-012")
def test_sftp_012_generic_failures_are_classified_with_the_cause_kept(
    backend: SFTPBackend, server_root: Path
) -> None:
    import asyncssh

    backend.write("d/f.txt", b"x")
    with pytest.raises(DirectoryNotEmpty) as not_empty:
        backend.delete_folder("d")
    assert isinstance(not_empty.value.__cause__, asyncssh.SFTPFailure)
    with pytest.raises(InvalidPath):
        backend.write("d/f.txt/below", b"x")
    with pytest.raises(NotFound) as missing:
        backend.read_bytes("nothing")
    assert missing.value.operation == "read_bytes" and missing.value.backend == "sftp"
    (server_root / "locked").mkdir(mode=0o500)
    (server_root / "locked" / "x").write_bytes(b"")
    if os.geteuid() != 0:  # root ignores permission bits
        with pytest.raises(PermissionDenied):
            backend.write("locked/y", b"y")


@pytest.mark.spec("SFTP-013")
def test_sftp_013_temporary_files_are_invisible(backend: SFTPBackend, server_root: Path) -> None:
    (server_root / "f").mkdir()
    name = new_temp_name()
    (server_root / "f" / name).write_bytes(b"litter")
    assert list(backend.list_files("", recursive=True)) == []
    assert backend.exists(f"f/{name}") is False
    with pytest.raises(NotFound):
        backend.read_bytes(f"f/{name}")
    with pytest.raises(InvalidPath):
        backend.write(f"f/{name}", b"x")
    backend.delete_folder("f")
    assert not (server_root / "f").exists()


@pytest.mark.spec("SFTP-014")
def test_sftp_014_remove_temp_files(backend: SFTPBackend, server_root: Path) -> None:
    (server_root / "a").mkdir()
    old = server_root / "a" / new_temp_name()
    fresh = server_root / new_temp_name()
    user = server_root / ".~rs-notes.tmp"
    for place in (old, fresh, user):
        place.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(user, (time.time() - 7200, time.time() - 7200))
    assert backend.remove_temp_files() == 1
    assert not old.exists() and fresh.exists() and user.exists()
    with pytest.raises(ConfigError, match="older_than"):
        backend.remove_temp_files(older_than=-1)
    backend.close()
    with pytest.raises(StoreClosed):
        backend.remove_temp_files()


@pytest.mark.spec("SFTP-015")
def test_sftp_015_without_the_openssh_extensions(
    make_backend: Callable[..., SFTPBackend], server_root: Path
) -> None:
    backend = make_backend(max_connections=1)
    backend.exists("x")
    handler = backend._pool._connections[0].sftp._handler
    # A test double of the server's announcement: asyncssh then refuses the extension requests.
    for flag in ("_supports_hardlink", "_supports_posix_rename", "_supports_fsync", "_supports_copy_data"):
        setattr(handler, flag, False)
    backend.write("a.txt", b"one")
    with pytest.raises(AlreadyExists):
        backend.write("a.txt", b"two")
    # A replace promised to be one step is refused, changing nothing; a plain one is not atomic.
    with pytest.raises(CapabilityNotSupported, match="posix-rename") as refused:
        backend.write_atomic("a.txt", b"three", overwrite=True)
    assert refused.value.capability == "atomic_write"
    assert (server_root / "a.txt").read_bytes() == b"one"
    backend.write_atomic("new.txt", b"created")  # a create needs no replace
    backend.write("a.txt", b"three", overwrite=True)
    backend.copy("a.txt", "b.txt")
    backend.move("b.txt", "c.txt")
    with pytest.raises(AlreadyExists):
        backend.move("c.txt", "a.txt")
    with pytest.raises(CapabilityNotSupported) as refused:
        backend.move("c.txt", "new.txt", overwrite=True)
    assert refused.value.capability == "atomic_move"
    assert (server_root / "a.txt").read_bytes() == b"three"
    assert (server_root / "c.txt").read_bytes() == b"three"
    assert (server_root / "new.txt").read_bytes() == b"created"
    assert not (server_root / "b.txt").exists()
    assert temps(server_root) == []


@pytest.mark.spec("SFTP-018")
def test_sftp_018_read_range_reads_only_the_range(
    backend: SFTPBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from remote_store.backends.sftp._pool import asyncssh_module

    asyncssh = asyncssh_module()  # imported as the backend does, its import warnings silenced
    content = os.urandom(3 * MiB)
    backend.write("range.bin", content)
    reads: list[tuple[int, int]] = []
    handler_class = asyncssh.sftp.SFTPClientHandler
    real_send = handler_class._send_request

    def send(self: Any, pkttype: Any, args: Any, waiter: Any) -> None:
        if pkttype == 5:  # SSH_FXP_READ: handle, offset (uint64), length (uint32)
            reads.append((int.from_bytes(args[1], "big"), int.from_bytes(args[2], "big")))
        real_send(self, pkttype, args, waiter)

    def read_range(start: int, end: int) -> tuple[bytes, int, int]:
        """The bytes read, and the first offset and total length the read requests asked for."""
        reads.clear()
        data = backend.read_range("range.bin", start, end)
        return data, min((offset for offset, _ in reads), default=start), sum(size for _, size in reads)

    monkeypatch.setattr(handler_class, "_send_request", send)
    assert read_range(2 * MiB, 2 * MiB + 10) == (content[2 * MiB : 2 * MiB + 10], 2 * MiB, 10)
    data, first, asked = read_range(3 * MiB - 4, 4 * MiB)  # asyncssh's parallel requests
    assert (data, first) == (content[-4:], 3 * MiB - 4)
    assert asked >= MiB + 4
    assert read_range(5, 5) == (b"", 5, 0)
    assert read_range(4 * MiB, 5 * MiB)[0] == b""
    assert all(offset >= 4 * MiB for offset, _ in reads)
    with pytest.raises(NotFound):
        backend.read_range("absent.bin", 0, 1)
