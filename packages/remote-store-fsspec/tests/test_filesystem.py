"""The bridge's own behaviour (FSSPEC-001..012), over memory, a local folder and S3 (moto)."""

from __future__ import annotations

import gc
import io
from collections.abc import Callable
from typing import Any

import pytest

from remote_store import AlreadyExists, Capability, CapabilityNotSupported, InvalidPath, NotFound, Store
from remote_store.backends.memory import MemoryBackend
from remote_store.fsspec import SPOOL_MEMORY, RemoteStoreFileSystem, StoreFile


@pytest.fixture(params=["memory", "local", "s3"])
def fs(request: pytest.FixtureRequest, make_store: Callable[[str], Store]) -> RemoteStoreFileSystem:
    return RemoteStoreFileSystem(make_store(request.param))


@pytest.mark.spec("FSSPEC-001")
def test_paths_are_store_relative(make_store: Callable[[str], Store]) -> None:
    store = make_store("memory")
    fs = RemoteStoreFileSystem(store)
    fs.pipe_file("/a/b.txt", b"x")
    assert store.read_bytes("a/b.txt") == b"x"
    assert fs.cat_file("storefs://a/b.txt/") == b"x"
    assert RemoteStoreFileSystem(store) is not fs  # not cached: two stores may print alike
    with pytest.raises(TypeError, match=r"must be a remote_store\.Store"):
        RemoteStoreFileSystem("memory")  # type: ignore[arg-type]
    del fs
    gc.collect()
    assert not store.closed


@pytest.mark.spec("FSSPEC-002")
def test_info_ls_find(fs: RemoteStoreFileSystem) -> None:
    fs.pipe_file("d/one.txt", b"1")
    fs.pipe_file("d/sub/two.txt", b"22")
    info = fs.info("d/one.txt")
    assert (info["name"], info["size"], info["type"]) == ("d/one.txt", 1, "file")
    assert isinstance(info["mtime"], float) and info["modified_at"].tzinfo is not None
    assert fs.info("d") == {"name": "d", "size": 0, "type": "directory"}
    assert fs.info("")["type"] == "directory"
    assert sorted(fs.ls("d", detail=False)) == ["d/one.txt", "d/sub"]
    assert {e["name"]: e["type"] for e in fs.ls("d")} == {"d/one.txt": "file", "d/sub": "directory"}
    assert fs.ls("d/one.txt", detail=False) == ["d/one.txt"]
    assert fs.find("d") == ["d/one.txt", "d/sub/two.txt"]
    assert fs.find("d/one.txt") == ["d/one.txt"]
    assert fs.find("nothing") == []
    with pytest.raises(FileNotFoundError):
        fs.info("d/missing")
    with pytest.raises(FileNotFoundError):
        fs.ls("missing")


@pytest.mark.spec("FSSPEC-003")
def test_exists_isfile_isdir_du(fs: RemoteStoreFileSystem) -> None:
    fs.pipe_file("d/a", b"123")
    fs.pipe_file("d/e/b", b"45")
    assert fs.exists("d/a") and fs.exists("d") and not fs.exists("d/zz")
    assert fs.isfile("d/a") and not fs.isfile("d") and not fs.isfile("")
    assert fs.isdir("d") and fs.isdir("d/e") and fs.isdir("") and not fs.isdir("d/a")
    assert not fs.exists("../escape") and not fs.isfile("../escape") and not fs.isdir("../escape")
    assert fs.du("d") == 5


@pytest.mark.spec("FSSPEC-004")
def test_cat_file_ranges(fs: RemoteStoreFileSystem) -> None:
    data = bytes(range(256)) * 4
    fs.pipe_file("f", data)
    for start, end in [
        (None, None),
        (0, 10),
        (10, None),
        (-10, None),
        (5, -5),
        (1000, 2000),
        (2000, 3000),
        (-5000, 3),
    ]:
        assert fs.cat_file("f", start, end) == data[start:end], (start, end)
    with pytest.raises(FileNotFoundError):
        fs.cat_file("missing", 0, 1)


@pytest.mark.spec("FSSPEC-004", "FSSPEC-008")
def test_forward_only_reads_reuse_one_stream() -> None:
    backend = MemoryBackend()
    store = Store(backend)
    supports = store.supports

    def no_ranges(capability: Capability) -> bool:
        return capability is not Capability.SEEKABLE_READ and supports(capability)

    store.supports = no_ranges  # type: ignore[method-assign]
    data = bytes(range(256)) * 1000
    store.write("f", data)
    opened: list[str] = []
    read = store.read

    def counting_read(path: Any) -> Any:
        opened.append(str(path))
        return read(path)

    store.read = counting_read  # type: ignore[method-assign]
    fs = RemoteStoreFileSystem(store)
    assert fs.cat_file("f", 1000, 1010) == data[1000:1010]
    assert opened == ["f"]
    opened.clear()
    with fs.open("f", "rb", block_size=4096, cache_type="none") as handle:
        assert handle.seekable()
        assert handle.read(10) == data[:10]
        handle.seek(50_000)
        assert handle.read(10) == data[50_000:50_010]
        assert len(opened) == 1  # forward: the same stream
        handle.seek(5)
        assert handle.read(5) == data[5:10]
        assert len(opened) == 2  # backward: reopened
        buffer = bytearray(7)
        assert handle.readinto(buffer) == 7 and bytes(buffer) == data[10:17]
        assert handle.tell() == 17


@pytest.mark.spec("FSSPEC-008")
def test_ranged_reads_ask_only_the_block(make_store: Callable[[str], Store]) -> None:
    store = make_store("memory")
    data = bytes(range(256)) * 1000
    store.write("f", data)
    asked: list[tuple[int, int]] = []
    read_range = store.read_range

    def counting(path: Any, start: int, end: int) -> bytes:
        asked.append((start, end))
        result: bytes = read_range(path, start, end)
        return result

    store.read_range = counting  # type: ignore[method-assign]
    store.read = None  # type: ignore[assignment]  # a forward stream must not be opened
    fs = RemoteStoreFileSystem(store)
    with fs.open("f", "rb", block_size=1000) as handle:  # no cache by default: only what is read
        handle.seek(200_000)
        assert handle.read(100) == data[200_000:200_100]
    assert asked == [(200_000, 200_100)]


@pytest.mark.spec("FSSPEC-008", "FSSPEC-012")
def test_open_read_errors(fs: RemoteStoreFileSystem) -> None:
    fs.pipe_file("d/f", b"abc")
    with pytest.raises(FileNotFoundError) as missing:
        fs.open("d/missing", "rb")
    assert "d/missing" in str(missing.value)
    with pytest.raises(IsADirectoryError):
        fs.open("d", "rb")
    with fs.open("d/f", "r") as text:
        assert text.read() == "abc"


@pytest.mark.spec("FSSPEC-005")
def test_pipe_file(fs: RemoteStoreFileSystem) -> None:
    fs.pipe_file("p", b"one")
    fs.pipe_file("p", b"two")
    assert fs.cat_file("p") == b"two"
    with pytest.raises(FileExistsError):
        fs.pipe_file("p", b"three", mode="create")
    assert fs.cat_file("p") == b"two"


@pytest.mark.spec("FSSPEC-006")
def test_deleting(fs: RemoteStoreFileSystem) -> None:
    for name in ("t/a", "t/b/c", "t/b/d/e", "keep"):
        fs.pipe_file(name, b"x")
    fs.rm_file("t/a")
    assert not fs.exists("t/a")
    with pytest.raises(FileNotFoundError):
        fs.rm_file("t/a")
    fs.rm("t", recursive=True)
    assert not fs.exists("t") and fs.find("") == ["keep"]
    if fs.store.behaviour.real_empty_folders:
        fs.pipe_file("u/f", b"x")
        fs.rm_file("u/f")
        assert fs.isdir("u")
        fs.rmdir("u")
        assert not fs.exists("u")


@pytest.mark.spec("FSSPEC-007")
def test_copy_and_move(fs: RemoteStoreFileSystem) -> None:
    fs.pipe_file("a", b"A")
    fs.pipe_file("b", b"B")
    fs.cp_file("a", "b")
    assert fs.cat_file("b") == b"A"
    fs.mv("a", "m/moved")
    assert fs.cat_file("m/moved") == b"A" and not fs.exists("a")
    fs.pipe_file("src/x", b"1")
    fs.pipe_file("src/y/z", b"2")
    fs.mv("src", "dst", recursive=True)
    assert fs.find("dst") == ["dst/x", "dst/y/z"] and fs.find("src") == []
    with pytest.raises(FileNotFoundError):
        fs.cp_file("nothing", "c")
    with pytest.raises(FileNotFoundError):
        fs.mv("nothing", "c")


@pytest.mark.spec("FSSPEC-007")
def test_mv_of_one_file_is_one_store_move(make_store: Callable[[str], Store]) -> None:
    store = make_store("memory")
    moves: list[tuple[str, str]] = []
    move = store.move

    def counting(src: Any, dst: Any, *, overwrite: bool = False) -> None:
        moves.append((str(src), str(dst)))
        move(src, dst, overwrite=overwrite)

    store.move = counting  # type: ignore[method-assign]
    fs = RemoteStoreFileSystem(store)
    fs.pipe_file("a", b"A")
    fs.mv("a", "b")
    assert moves == [("a", "b")] and fs.cat_file("b") == b"A"


@pytest.mark.spec("FSSPEC-009")
def test_write_is_published_on_close_only(fs: RemoteStoreFileSystem) -> None:
    chunk = bytes(range(256)) * 4096  # 1 MiB
    with fs.open("w/big", "wb", block_size=1 << 20) as handle:
        assert isinstance(handle, StoreFile)
        for _ in range(10):
            handle.write(chunk)
        assert not fs.exists("w/big")
    assert fs.cat_file("w/big") == chunk * 10
    with fs.open("w/x", "xb") as handle:
        handle.write(b"first")
    with pytest.raises(FileExistsError):
        fs.open("w/x", "xb")
    with fs.open("w/x", "ab") as handle:
        handle.write(b"+more")
    assert fs.cat_file("w/x") == b"first+more"
    with fs.open("w/t.txt", "w", encoding="utf-8") as text:
        text.write("héllo")
    assert fs.cat_file("w/t.txt") == "héllo".encode()


@pytest.mark.spec("FSSPEC-009")
def test_write_spools_beyond_memory_bound(make_store: Callable[[str], Store]) -> None:
    fs = RemoteStoreFileSystem(make_store("memory"))
    with fs.open("big", "wb", block_size=1 << 20) as handle:
        handle.write(b"\0" * (SPOOL_MEMORY + (1 << 20)))
        handle.flush()
        spool = handle._spool
        assert spool is not None
        assert isinstance(spool._file, io.BufferedRandom)  # rolled over to a temporary file
    assert fs.info("big")["size"] == SPOOL_MEMORY + (1 << 20)


@pytest.mark.spec("FSSPEC-009")
def test_xb_rechecks_at_close(make_store: Callable[[str], Store]) -> None:
    fs = RemoteStoreFileSystem(make_store("memory"))
    handle = fs.open("race", "xb")
    handle.write(b"mine")
    fs.pipe_file("race", b"theirs")
    with pytest.raises(FileExistsError):
        handle.close()
    assert fs.cat_file("race") == b"theirs"


@pytest.mark.spec("FSSPEC-010")
@pytest.mark.parametrize("mode", ["wb", "w"])
def test_failed_write_publishes_nothing(fs: RemoteStoreFileSystem, mode: str) -> None:
    fs.pipe_file("keep", b"old content")
    with pytest.raises(RuntimeError, match="boom"), fs.open("keep", mode) as handle:
        handle.write(b"new" * 1000 if "b" in mode else "new" * 1000)
        raise RuntimeError("boom")
    assert fs.cat_file("keep") == b"old content"
    with pytest.raises(RuntimeError), fs.open("fresh", mode) as handle:
        raise RuntimeError("boom")
    assert not fs.exists("fresh")
    handle = fs.open("dropped", "wb")
    handle.write(b"half")
    handle.discard()
    assert not fs.exists("dropped")
    abandoned = fs.open("abandoned", "wb")
    abandoned.write(b"half")
    del abandoned
    gc.collect()
    assert not fs.exists("abandoned")


@pytest.mark.spec("FSSPEC-011")
def test_mkdir_creates_nothing(fs: RemoteStoreFileSystem) -> None:
    fs.mkdir("new/folder")
    fs.makedirs("other", exist_ok=True)
    assert not fs.exists("new/folder") and not fs.exists("other")
    fs.pipe_file("file", b"x")
    with pytest.raises(FileExistsError):
        fs.mkdir("file")
    with pytest.raises(FileExistsError):
        fs.makedirs("file", exist_ok=True)
    fs.pipe_file("there/f", b"x")
    with pytest.raises(FileExistsError):
        fs.makedirs("there")
    fs.makedirs("there", exist_ok=True)


@pytest.mark.spec("FSSPEC-012")
def test_errors_are_ours_and_built_in(fs: RemoteStoreFileSystem) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        fs.cat_file("missing")
    assert isinstance(missing.value, NotFound)
    fs.pipe_file("p", b"x")
    with pytest.raises(FileExistsError) as exists:
        fs.pipe_file("p", b"y", mode="create")
    assert isinstance(exists.value, AlreadyExists)
    with pytest.raises(ValueError) as invalid:
        fs.cat_file("../outside")
    assert isinstance(invalid.value, InvalidPath)


@pytest.mark.spec("FSSPEC-031")
def test_sign_is_store_url_where_the_backend_signs(make_store: Callable[[str], Store]) -> None:
    import urllib.request
    from datetime import timedelta

    s3 = make_store("s3")
    s3.write("shared/a.bin", b"signed content")
    fs = RemoteStoreFileSystem(s3)
    url = fs.sign("shared/a.bin", expiration=60)
    assert "X-Amz-Expires=60" in url
    assert url.split("?")[0] == s3.url("shared/a.bin", expires_in=timedelta(seconds=60)).split("?")[0]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as answer:
        assert answer.read() == b"signed content"
    assert "X-Amz-Expires=100" in fs.sign("shared/a.bin")
    assert fs.sign("shared/b.bin", expiration=60, method="PUT") != url
    with pytest.raises(ValueError, match="expires_in"):
        fs.sign("shared/a.bin", expiration=0)
    with pytest.raises(ValueError, match="method"):
        fs.sign("shared/a.bin", method="DELETE")
    for name in ("memory", "local"):
        with pytest.raises(CapabilityNotSupported) as caught:
            RemoteStoreFileSystem(make_store(name)).sign("a.txt")
        assert caught.value.capability == "presigned_url"
