"""AsyncStore's surface: construction, every Store method's counterpart, closing, the Registry."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest

from remote_store import (
    BackendConfig,
    Behaviour,
    Capability,
    CapabilityNotSupported,
    CapabilitySet,
    ConfigError,
    InvalidPath,
    NotFound,
    Registry,
    RegistryConfig,
    Store,
    StoreClosed,
    StoreProfile,
)
from remote_store.aio import AsyncListing, AsyncStore
from remote_store.backends.memory import MemoryBackend

# Store members that do no I/O: plain attributes of AsyncStore too (AIO-001).
PLAIN = {"backend", "root_path", "capabilities", "behaviour", "supports", "closed", "child"}
LISTINGS = {"list_files", "list_folders", "glob"}


def _public_methods(cls: type) -> dict[str, object]:
    return {name: member for name, member in vars(cls).items() if not name.startswith("_")}


class CountingBackend(MemoryBackend):
    def __init__(self) -> None:
        super().__init__()
        self.closes = 0
        self.threads: set[str] = set()

    def close(self) -> None:
        self.closes += 1
        super().close()

    def exists(self, path: str) -> bool:
        self.threads.add(threading.current_thread().name)
        return super().exists(path)


@pytest.mark.spec("AIO-002")
def test_every_store_method_has_its_async_counterpart() -> None:
    store_members = _public_methods(Store)
    async_members = _public_methods(AsyncStore)
    missing = sorted(set(store_members) - set(async_members))
    assert missing == [], f"Store methods without an AsyncStore counterpart: {missing}"
    for name, member in store_members.items():
        if name in PLAIN:
            continue
        counterpart = async_members[name]
        assert callable(member) and callable(counterpart), name
        if name in LISTINGS:
            assert not inspect.iscoroutinefunction(counterpart), name
        else:
            assert inspect.iscoroutinefunction(counterpart), f"AsyncStore.{name} is not a coroutine function"
        sync_parameters = list(inspect.signature(member).parameters.values())
        async_parameters = list(inspect.signature(counterpart).parameters.values())
        assert [(p.name, p.kind, p.default) for p in sync_parameters] == [
            (p.name, p.kind, p.default) for p in async_parameters
        ], f"AsyncStore.{name} takes other parameters than Store.{name}"


@pytest.mark.spec("AIO-001")
def test_construction_and_plain_properties() -> None:
    backend = CountingBackend()
    store = AsyncStore(backend, "a/b")
    assert store.backend is backend and str(store.root_path) == "a/b"
    assert store.capabilities == backend.capabilities and store.behaviour == backend.behaviour
    assert all(store.supports(c) == (c in store.capabilities) for c in Capability)
    assert not store.closed and backend.threads == set()
    assert "root_path='a/b'" in repr(store) and "\n" not in repr(store)
    with pytest.raises(InvalidPath):
        AsyncStore(backend, "../up")
    for option in ("max_workers", "chunk_size", "queue_chunks"):
        for bad in (0, -1, True, 1.5):
            with pytest.raises(ValueError, match=option):
                AsyncStore(backend, **{option: bad})  # type: ignore[arg-type]


@pytest.mark.spec("AIO-003")
def test_results_and_errors_are_the_stores() -> None:
    async def scenario() -> None:
        async with AsyncStore(MemoryBackend(), "root") as store:
            await store.write("a/b.txt", b"hello")
            assert await store.read_bytes("a/b.txt") == b"hello"
            assert await store.exists("a") and await store.is_folder("a") and await store.is_file("a/b.txt")
            info = await store.get_file_info("a/b.txt")
            assert str(info.path) == "a/b.txt" and info.size == 5
            assert (await store.get_folder_info("")).file_count == 1
            await store.copy("a/b.txt", "c.txt")
            await store.move("c.txt", "d.txt")
            await store.delete("d.txt")
            with pytest.raises(NotFound) as caught:
                await store.read_bytes("a/missing")
            assert (caught.value.path, caught.value.operation, caught.value.backend) == (
                "a/missing",
                "read_bytes",
                "memory",
            )
            await store.delete_folder("a", recursive=True)
            assert not await store.exists("a")

    asyncio.run(scenario())


@pytest.mark.spec("AIO-004")
def test_calls_run_on_worker_threads_one_at_a_time_on_one() -> None:
    backend = CountingBackend()

    async def scenario() -> None:
        async with AsyncStore(backend, max_workers=3) as store:
            for _ in range(20):
                await store.exists("x")
            assert len(backend.threads) == 1, backend.threads
            assert threading.main_thread().name not in backend.threads

    asyncio.run(scenario())


@pytest.mark.spec("AIO-004")
def test_at_most_max_workers_calls_run_at_once() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    class Slow(MemoryBackend):
        def is_file(self, path: str) -> bool:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            threading.Event().wait(0.02)
            with lock:
                running -= 1
            return False

    async def scenario() -> None:
        async with AsyncStore(Slow(), max_workers=3) as store:
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.001)

            tick = asyncio.ensure_future(ticker())
            await asyncio.gather(*(store.is_file(f"f{i}") for i in range(12)))
            tick.cancel()
            assert ticks > 10, "the event loop was blocked while the calls ran"

    asyncio.run(scenario())
    assert most == 3


@pytest.mark.spec("AIO-004")
def test_a_backend_not_thread_safe_gets_one_call_at_a_time() -> None:
    class Single(MemoryBackend):
        @property
        def behaviour(self) -> Behaviour:
            return Behaviour(thread_safe=False)

    assert AsyncStore(Single(), max_workers=5).max_workers == 1
    assert AsyncStore(MemoryBackend(), max_workers=5).max_workers == 5


@pytest.mark.spec("AIO-005")
def test_listings_are_lazy_and_fail_at_prepare_or_first_next() -> None:
    pulled = 0

    class Counting(MemoryBackend):
        def list_files(self, path: str, *, recursive: bool = False):  # type: ignore[no-untyped-def]
            nonlocal pulled
            for info in super().list_files(path, recursive=recursive):
                pulled += 1
                yield info

    async def scenario() -> None:
        async with AsyncStore(Counting()) as store:
            for index in range(600):
                await store.write(f"f/{index:04d}", b"x")
            listing = store.list_files("f")
            assert isinstance(listing, AsyncListing) and pulled == 0
            await listing.prepare()
            assert pulled == 0
            consumed = 0
            async for _ in listing:
                consumed += 1
                assert pulled - consumed < 256, "the listing ran more than a batch ahead"
                if consumed == 1:
                    assert pulled == 1
            assert consumed == 600
            bad = store.list_files("../up")
            with pytest.raises(InvalidPath):
                await bad.prepare()
            with pytest.raises(InvalidPath):
                await store.list_folders("a//b").__anext__()
            early = store.list_files("f")
            await early.__anext__()
            await early.aclose()
            await early.aclose()
            with pytest.raises(StopAsyncIteration):
                await early.__anext__()
            assert [name async for name in store.list_folders("")] == ["f"]

    asyncio.run(scenario())


@pytest.mark.spec("AIO-005", "AIO-003")
def test_listing_gates_like_the_store() -> None:
    class NoList(MemoryBackend):
        @property
        def capabilities(self) -> CapabilitySet:
            return CapabilitySet(c for c in Capability if c is not Capability.LIST)

    async def scenario() -> None:
        async with AsyncStore(NoList()) as store:
            listing = store.list_files("")
            with pytest.raises(CapabilityNotSupported):
                await listing.__anext__()

    asyncio.run(scenario())


@pytest.mark.spec("AIO-012")
def test_close_is_idempotent_owns_the_backend_and_refuses_later_calls() -> None:
    backend = CountingBackend()

    async def scenario() -> None:
        async with AsyncStore(backend) as store:
            await store.write("x", b"1")
        assert store.closed and backend.closes == 1
        await store.close()
        assert backend.closes == 1
        for call in (store.exists(""), store.read_bytes("x"), store.write("y", b"2")):
            with pytest.raises(StoreClosed) as caught:
                await call
            assert caught.value.operation in {"exists", "read_bytes", "write"}
        with pytest.raises(StoreClosed):
            await store.list_files("").prepare()
        shared = CountingBackend()
        view = AsyncStore(shared, owns_backend=False)
        await view.close()
        assert shared.closes == 0

    asyncio.run(scenario())


@pytest.mark.spec("AIO-012")
def test_close_ends_the_worker_threads() -> None:
    async def scenario() -> None:
        store = AsyncStore(MemoryBackend(), max_workers=4)
        before = threading.active_count()
        await asyncio.gather(*(store.exists(f"p{i}") for i in range(8)))
        await store.close()
        for _ in range(200):
            if threading.active_count() <= before:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("worker threads still running after close()")

    asyncio.run(scenario())


@pytest.mark.spec("AIO-013")
def test_registry_hands_out_async_stores_over_the_shared_backend() -> None:
    config = RegistryConfig(backends={"m": BackendConfig("memory")}, stores={"s": StoreProfile("m", "data")})

    async def scenario() -> None:
        with Registry(config) as registry:
            async with registry.get_async_store("s", max_workers=2) as store:
                assert store.max_workers == 2
                await store.write("x.txt", b"1")
            assert store.closed
            assert registry.get_store("s").read_bytes("x.txt") == b"1"
            assert registry.get_backend("m") is store.backend
            with pytest.raises(ConfigError, match="unknown store 'S'"):
                registry.get_async_store("S")
            kept = registry.get_async_store("s")
        assert kept.closed
        with pytest.raises(StoreClosed):
            await kept.exists("x.txt")

    asyncio.run(scenario())


@pytest.mark.spec("AIO-003")
def test_text_ranges_glob_and_child() -> None:
    async def scenario() -> None:
        async with AsyncStore(MemoryBackend(), "top") as store:
            await store.write_text("r/2024/a.csv", "héllo")
            await store.write("r/2024/b.txt", b"0123456789")
            assert await store.read_text("r/2024/a.csv") == "héllo"
            assert await store.read_range("r/2024/b.txt", 2, 5) == b"234"
            assert [str(info.path) async for info in store.glob("r/**/*.csv")] == ["r/2024/a.csv"]
            with pytest.raises(InvalidPath):
                await store.glob("a[b").prepare()
            child = store.child("r")
            assert str(child.root_path) == "top/r" and child.backend is store.backend
            assert await child.read_text("2024/a.csv") == "héllo"
            await child.close()
            assert not store.closed and await store.exists("r")
        with pytest.raises(StoreClosed):
            store.child("r")

    asyncio.run(scenario())
