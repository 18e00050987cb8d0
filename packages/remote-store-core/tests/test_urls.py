"""``Store.url`` and ``AsyncStore.url`` in core (specs/urls.md): the gate, the arguments, the coroutine."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from remote_store import (
    Capability,
    CapabilityNotSupported,
    CapabilitySet,
    InvalidPath,
    Store,
    StoreClosed,
)
from remote_store.aio import AsyncStore
from remote_store.backend_tools import check_url_limit
from remote_store.backends.memory import MemoryBackend

MINUTE = timedelta(minutes=1)


class SigningBackend(MemoryBackend):
    """A memory backend that declares PRESIGNED_URL and mints a recognisable URL (no HTTP server)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, timedelta, str, str]] = []

    @property
    def capabilities(self) -> CapabilitySet:
        return super().capabilities | {Capability.PRESIGNED_URL}

    def url(self, path: str, *, expires_in: timedelta, method: str = "GET") -> str:
        check_url_limit(expires_in, timedelta(hours=1), "this test's storage")
        self.calls.append((path, expires_in, method, threading.current_thread().name))
        return f"https://signed.example/{path}?method={method}&seconds={int(expires_in.total_seconds())}"


@pytest.mark.spec("URL-003")
def test_memory_does_not_declare_it_and_refuses_before_the_backend() -> None:
    backend = MemoryBackend()
    assert Capability.PRESIGNED_URL not in backend.capabilities
    store = Store(backend, "root")
    store.write("a.txt", b"x")
    with pytest.raises(CapabilityNotSupported) as caught:
        store.url("a.txt", expires_in=MINUTE)
    assert caught.value.capability == "presigned_url"
    assert caught.value.operation == "url"
    assert caught.value.path == "a.txt"
    with pytest.raises(CapabilityNotSupported) as direct:
        backend.url("root/a.txt", expires_in=MINUTE)
    assert direct.value.capability == "presigned_url"


@pytest.mark.spec("URL-003")
def test_a_closed_store_refuses() -> None:
    store = Store(SigningBackend())
    store.close()
    with pytest.raises(StoreClosed):
        store.url("a.txt", expires_in=MINUTE)


@pytest.mark.spec("URL-002", "STORE-030")
def test_the_backend_gets_the_full_path_upper_case_method_and_whole_seconds() -> None:
    backend = SigningBackend()
    store = Store(backend, "root/sub")
    url = store.url("a b.txt", expires_in=timedelta(seconds=90, microseconds=999_999), method="put")
    assert url == "https://signed.example/root/sub/a b.txt?method=PUT&seconds=90"
    assert [call[:3] for call in backend.calls] == [("root/sub/a b.txt", timedelta(seconds=90), "PUT")]


@pytest.mark.spec("URL-004")
def test_the_backends_limit_reaches_the_caller_naming_expires_in() -> None:
    store = Store(SigningBackend())
    with pytest.raises(ValueError, match=r"^expires_in: this test's storage allows at most 1:00:00"):
        store.url("a.txt", expires_in=timedelta(hours=2))


@pytest.mark.spec("URL-007")
def test_the_async_store_mints_on_its_workers() -> None:
    backend = SigningBackend()

    async def main() -> str:
        async with AsyncStore(backend, "root") as store:
            pending = store.url("a.txt", expires_in=MINUTE, method="GET")
            assert asyncio.iscoroutine(pending)
            return await pending

    assert asyncio.run(main()) == "https://signed.example/root/a.txt?method=GET&seconds=60"
    [(path, _, _, thread)] = backend.calls
    assert path == "root/a.txt"
    assert thread != threading.main_thread().name


@pytest.mark.spec("URL-007")
def test_the_async_store_raises_what_the_store_raises() -> None:
    async def main() -> None:
        async with AsyncStore(MemoryBackend()) as plain:
            with pytest.raises(CapabilityNotSupported) as caught:
                await plain.url("a.txt", expires_in=MINUTE)
            assert caught.value.operation == "url"
        async with AsyncStore(SigningBackend()) as store:
            with pytest.raises(InvalidPath):
                await store.url("../a.txt", expires_in=MINUTE)
            with pytest.raises(ValueError, match="method"):
                await store.url("a.txt", expires_in=MINUTE, method="DELETE")
            with pytest.raises(TypeError, match="expires_in"):
                await store.url("a.txt", expires_in=60)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="expires_in"):
                await store.url("a.txt", expires_in=timedelta(hours=2))
        with pytest.raises(StoreClosed):
            await store.url("a.txt", expires_in=MINUTE)

    asyncio.run(main())
