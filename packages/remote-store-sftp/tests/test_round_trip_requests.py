"""SFTP-023: the requests of a round trip are sent without a task each, answered as asyncssh does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from remote_store.backend_tools import Operation
from remote_store.backends.sftp import SFTPBackend
from remote_store.backends.sftp._pool import asyncssh_module
from remote_store.backends.sftp._round_trip import RoundTrip


def tasks_started(backend: SFTPBackend, call: Any) -> int:
    """How many asyncio tasks the backend's event loop starts while ``call()`` runs."""
    loop = backend._loop._started()
    started: list[object] = []

    def factory(loop: asyncio.AbstractEventLoop, coroutine: Any, **kwargs: Any) -> asyncio.Task[Any]:
        started.append(coroutine)
        return asyncio.Task(coroutine, loop=loop, **kwargs)

    loop.call_soon_threadsafe(loop.set_task_factory, factory)
    try:
        call()
    finally:
        loop.call_soon_threadsafe(loop.set_task_factory, None)
        backend._loop.run(asyncio.sleep(0))  # the factory is gone before the next call
    return len(started)


@pytest.mark.spec("SFTP-023")
def test_sftp_023_small_calls_start_one_task_each(backend: SFTPBackend) -> None:
    backend.write("d/first.txt", b"walks")  # the folder is made, then known
    assert tasks_started(backend, lambda: backend.write("d/f.txt", b"x" * 1024)) == 1
    assert tasks_started(backend, lambda: backend.write_atomic("d/g.txt", b"y", overwrite=True)) == 1
    assert tasks_started(backend, lambda: backend.read_bytes("d/f.txt")) == 1
    assert tasks_started(backend, lambda: backend.read_range("d/f.txt", 1, 5)) == 1
    assert tasks_started(backend, lambda: backend.exists("d/f.txt")) == 1
    assert backend.read_bytes("d/f.txt") == b"x" * 1024


def _answers(backend: SFTPBackend, root: str, *, direct: bool) -> list[Any]:
    """The answers to requests that succeed and fail in each way, sent in two round trips."""

    async def run() -> list[Any]:
        connection = await backend._pool.acquire(backend.context(Operation.READ, "here.txt"))
        try:
            trip = RoundTrip(connection.sftp)
            if not direct:
                trip._direct = False  # asyncssh's own calls, a task each
            trip.realpath(root + "/sub/../here.txt")
            trip.lstat(root + "/here.txt")
            trip.lstat(root + "/absent.txt")
            trip.open_to_read(root + "/absent.txt")
            trip.create(root + "/here.txt")  # exists: O_EXCL fails
            trip.remove(root + "/absent.txt")
            trip.link(root + "/absent.txt", root + "/new.txt")
            trip.open_to_read(root + "/here.txt")
            answers = await trip.answers()
            trip.read(answers[-1], 0, 100)
            trip.read(answers[-1], 100, 10)  # past the end
            trip.close(answers[-1])
            return [*answers[:-1], *await trip.answers()]
        finally:
            backend._pool.release(connection)

    return backend._loop.run(run())


def _shape(answer: Any) -> Any:
    if isinstance(answer, BaseException):
        return type(answer)
    if hasattr(answer, "size"):
        return ("attrs", answer.size, answer.type)
    return answer


@pytest.mark.spec("SFTP-023")
def test_sftp_023_answers_are_those_of_asyncssh_calls(backend: SFTPBackend, server_root: Path) -> None:
    (server_root / "here.txt").write_bytes(b"hello")
    (server_root / "sub").mkdir()
    assert backend.exists("here.txt")  # connected: the real root is known
    root = backend._pool.real_root
    assert root is not None
    direct = [_shape(answer) for answer in _answers(backend, root, direct=True)]
    called = [_shape(answer) for answer in _answers(backend, root, direct=False)]
    ssh = asyncssh_module()
    assert direct == [
        f"{root}/here.txt",
        ("attrs", 5, ssh.FILEXFER_TYPE_REGULAR),
        ssh.SFTPNoSuchFile,
        ssh.SFTPNoSuchFile,
        ssh.SFTPFailure,
        ssh.SFTPNoSuchFile,
        ssh.SFTPNoSuchFile,
        b"hello",
        ssh.SFTPEOFError,
        None,
    ]
    assert called == direct
