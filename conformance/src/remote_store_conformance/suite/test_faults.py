"""Storage faults: each operation with its 1st, 2nd, ... storage call failing, until none is left.

Runs only for backends whose tests provide a ``FaultInjector`` (fixture ``conformance_faults``,
CONF-009). The operations are called on the backend itself, so that a raw exception cannot hide
behind the ``Store``'s own mapping. After every injected failure the backend must have raised a
``RemoteStoreError`` and left each file as it was or as the operation would leave it, whole
(BACKEND-013); the same call without a fault must then work.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, BinaryIO, cast

import pytest

from remote_store import Backend, Capability, RemoteStoreError, Store

from .._faults import FaultInjector
from .._markers import requires
from .._requirements import Requirements
from .._support import DESCRIPTOR_SLACK, GeneratedStream, open_descriptors, random_bytes

__all__ = ["TestFaults"]

MAX_CALLS = 400
"""More storage calls than any single operation of a sane backend makes on these small trees."""

CONTENT = random_bytes(3 * 1024 + 17, "faults-new")
OLD = random_bytes(1024 + 3, "faults-old")


def _content(backend: Backend, path: str) -> bytes | None:
    """The file's content, or ``None`` if there is no file (probed without faults)."""
    if not backend.is_file(path):
        return None
    return backend.read_bytes(path)


def _files(backend: Backend, folder: str) -> set[str]:
    return {str(info.path) for info in backend.list_files(folder, recursive=True)}


def _no_folder_left(backend: Backend, requirements: Requirements, folder: str, operation: str) -> None:
    """A failed call that wrote nothing left no folder it made on the way (BACKEND-006)."""
    if requirements.real_empty_folders:
        assert not backend.is_folder(folder), f"a failed {operation} left the folder {folder!r} it made"


def each_fault(
    faults: FaultInjector,
    requirements: Requirements,
    prepare: Callable[[str], Any],
    action: Callable[[str, Any], object],
    check: Callable[[str, Any, RemoteStoreError | None], None],
) -> int:
    """Run ``action`` with the storage failing at its 1st, 2nd, ... call; return how many it made.

    Each round gets a fresh folder (``faults/<round>``) that ``prepare`` fills without faults; its
    result is passed on. ``check`` sees the error raised (``None`` when the action met no fault).
    A fault the action meets must raise unless the backend declares that it may absorb one
    (``Requirements.storage_faults_surface``) and the fault is one a retry can absorb
    (``FaultInjector.absorbable``).
    """
    descriptors: int | None = None
    for skip in range(MAX_CALLS):
        folder = f"faults/{skip}"
        state = prepare(folder)
        faults.arm(skip)
        error: RemoteStoreError | None = None
        try:
            action(folder, state)
        except RemoteStoreError as raised:
            error = raised
        except Exception as raw:
            faults.disarm()
            raise AssertionError(
                f"storage call {skip + 1} failed and {type(raw).__name__} escaped the backend: {raw}"
            ) from raw
        finally:
            fired = faults.disarm()
        if skip == 0:
            # As in TestResources, the first round warms up: what a backend starts lazily on its
            # first call (an event loop, a pooled connection) is not a leak of the failed calls.
            descriptors = open_descriptors()
        if fired and error is None:
            assert faults.absorbable and not requirements.storage_faults_surface, (
                f"storage call {skip + 1} failed and the call returned as if it had not: a failure was "
                "swallowed (a backend that retries declares Behaviour(retries_storage_faults=True))"
            )
            # The backend absorbed the fault (a retry): fine, if the result is right.
            check(folder, state, None)
            continue
        check(folder, state, error)
        if fired and error is not None:
            assert faults.reported_by(error), (
                f"storage call {skip + 1} failed, but the backend raised {error!r}, which does not carry "
                "that failure in its __cause__ chain: it answered the failure with an unrelated error"
            )
        if not fired:
            assert skip > 0, "the FaultInjector never fired: it does not reach the backend's storage"
            if descriptors is not None:
                leaked = (open_descriptors() or 0) - descriptors
                assert leaked <= DESCRIPTOR_SLACK, (
                    f"{leaked} descriptors left open by failed calls (BACKEND-014)"
                )
            return skip
        assert error is not None
    raise AssertionError(f"the operation made more than {MAX_CALLS} storage calls")


@requires(Capability.WRITE, Capability.READ, Capability.LIST)
class TestFaults:
    @pytest.mark.spec("BACKEND-013", "BACKEND-014", "CONF-009")
    @pytest.mark.parametrize("method", ["write", "write_atomic"])
    @pytest.mark.parametrize("stream", [False, True], ids=["bytes", "stream"])
    def test_a_failed_create_leaves_no_file_or_the_whole_file(
        self,
        conformance_backend: Backend,
        storage_faults: FaultInjector,
        requirements: Requirements,
        method: str,
        stream: bool,
    ) -> None:
        backend = conformance_backend
        if method == "write_atomic" and Capability.ATOMIC_WRITE not in backend.capabilities:
            pytest.skip("the backend does not declare ATOMIC_WRITE")

        def action(folder: str, _: object) -> None:
            content = GeneratedStream(len(CONTENT), seed="faults-new") if stream else CONTENT
            getattr(backend, method)(f"{folder}/deep/new.bin", content)

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            path = f"{folder}/deep/new.bin"
            expected = GeneratedStream(len(CONTENT), seed="faults-new").readall() if stream else CONTENT
            found = _content(backend, path)
            assert found in (None, expected), f"{path}: a failed {method} left a partial or wrong file"
            assert _files(backend, folder) <= {path}, f"{method} left something else behind: {error!r}"
            if error is None:
                assert found == expected
            elif found is None:
                _no_folder_left(backend, requirements, folder, method)
                backend.write(path, expected)  # the name is free again: a create now works
                assert backend.read_bytes(path) == expected

        each_fault(storage_faults, requirements, lambda folder: None, action, check)

    @pytest.mark.spec("BACKEND-013", "ATOMIC-003")
    @pytest.mark.parametrize("method", ["write", "write_atomic"])
    def test_a_failed_replace_leaves_the_old_or_the_new_file(
        self,
        conformance_backend: Backend,
        storage_faults: FaultInjector,
        requirements: Requirements,
        method: str,
    ) -> None:
        backend = conformance_backend
        if method == "write_atomic" and Capability.ATOMIC_WRITE not in backend.capabilities:
            pytest.skip("the backend does not declare ATOMIC_WRITE")

        def prepare(folder: str) -> None:
            backend.write(f"{folder}/f.bin", OLD)

        def action(folder: str, _: object) -> None:
            getattr(backend, method)(f"{folder}/f.bin", CONTENT, overwrite=True)

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            found = _content(backend, f"{folder}/f.bin")
            assert found in (OLD, CONTENT), f"a failed {method} lost or tore the file: {error!r}"
            assert _files(backend, folder) == {f"{folder}/f.bin"}
            if error is None:
                assert found == CONTENT

        each_fault(storage_faults, requirements, prepare, action, check)

    @pytest.mark.spec("BACKEND-013")
    @pytest.mark.parametrize("how", ["read_bytes", "read"])
    def test_a_failed_read_changes_nothing_and_never_returns_wrong_data(
        self,
        conformance_backend: Backend,
        storage_faults: FaultInjector,
        requirements: Requirements,
        how: str,
    ) -> None:
        backend = conformance_backend
        results: dict[str, bytes] = {}

        def prepare(folder: str) -> None:
            backend.write(f"{folder}/f.bin", CONTENT)

        def action(folder: str, _: object) -> None:
            if how == "read_bytes":
                results[folder] = backend.read_bytes(f"{folder}/f.bin")
            else:
                with backend.read(f"{folder}/f.bin") as stream:
                    results[folder] = stream.read()

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            assert results.get(folder, CONTENT) == CONTENT, f"{how} returned wrong data"
            assert backend.read_bytes(f"{folder}/f.bin") == CONTENT
            if error is None:
                assert results[folder] == CONTENT

        each_fault(storage_faults, requirements, prepare, action, check)

    @pytest.mark.spec("STORE-032", "STORE-028", "STORE-030", "BACKEND-013")
    @pytest.mark.parametrize("how", ["read", "readinto", "lines"])
    def test_a_failure_mid_read_names_the_store_path(
        self,
        conformance_backend: Backend,
        nested_store: Store,
        storage_faults: FaultInjector,
        requirements: Requirements,
        how: str,
    ) -> None:
        # Through a store with a nested root, the stream's storage calls fail one by one: the
        # error must name the store's path, not the backend's (which starts with the root).
        name = f"mid-read/{how}.bin"
        nested_store.write(name, CONTENT)
        failures = 0
        for skip in range(MAX_CALLS):
            stream = nested_store.read(name)  # opened without a fault: the fault comes mid-read
            received: list[bytes] = []
            error: RemoteStoreError | None = None
            storage_faults.arm(skip)
            try:
                _drain(stream, how, received)
            except RemoteStoreError as raised:
                error = raised
            except Exception as raw:
                raise AssertionError(
                    f"storage call {skip + 1} of a read stream failed and {type(raw).__name__} escaped "
                    f"the store's stream: {raw}"
                ) from raw
            finally:
                fired = storage_faults.disarm()
                stream.close()
            data = b"".join(received)
            assert CONTENT.startswith(data), "a failing read stream returned wrong data"
            if error is not None:
                failures += 1
                assert (error.path, error.operation, error.backend) == (
                    name,
                    "read",
                    conformance_backend.type_name,
                ), f"storage call {skip + 1} of the stream failed with {error!r}"
                assert storage_faults.reported_by(error), f"{error!r} does not carry the fault"
            elif fired:
                assert storage_faults.absorbable and not requirements.storage_faults_surface, (
                    "a failed read was swallowed"
                )
                assert data == CONTENT
            if not fired:
                assert data == CONTENT
                break
        else:
            raise AssertionError(f"reading the file made more than {MAX_CALLS} storage calls")
        if not failures:
            pytest.skip("the FaultInjector reaches no storage call of this backend's read streams")

    @requires(Capability.DELETE)
    @pytest.mark.spec("BACKEND-013")
    @pytest.mark.parametrize("missing_ok", [False, True])
    def test_a_failed_delete_leaves_the_file_whole_or_removes_it(
        self,
        conformance_backend: Backend,
        storage_faults: FaultInjector,
        requirements: Requirements,
        missing_ok: bool,
    ) -> None:
        backend = conformance_backend

        def prepare(folder: str) -> None:
            backend.write(f"{folder}/f.bin", CONTENT)
            backend.write(f"{folder}/other.bin", OLD)

        def action(folder: str, _: object) -> None:
            # missing_ok excuses a missing file, never a failure to delete one that is there.
            backend.delete(f"{folder}/f.bin", missing_ok=missing_ok)

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            assert _content(backend, f"{folder}/f.bin") in (None, CONTENT)
            assert backend.read_bytes(f"{folder}/other.bin") == OLD
            if error is None:
                assert not backend.exists(f"{folder}/f.bin")

        each_fault(storage_faults, requirements, prepare, action, check)

    @requires(Capability.DELETE)
    @pytest.mark.spec("BACKEND-013")
    @pytest.mark.parametrize("recursive", [False, True])
    def test_a_failed_folder_delete_leaves_whole_files(
        self,
        conformance_backend: Backend,
        storage_faults: FaultInjector,
        requirements: Requirements,
        recursive: bool,
    ) -> None:
        backend = conformance_backend
        tree = {"a/x.bin": CONTENT, "a/b/y.bin": OLD} if recursive else {}

        def prepare(folder: str) -> None:
            for name, data in tree.items():
                backend.write(f"{folder}/{name}", data)
            backend.write(f"{folder}/kept.bin", OLD)
            if not recursive:
                backend.write(f"{folder}/a/only.bin", CONTENT)
                backend.delete(f"{folder}/a/only.bin")  # an empty folder, where the backend keeps one

        def action(folder: str, _: object) -> None:
            backend.delete_folder(f"{folder}/a", recursive=recursive, missing_ok=not recursive)

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            for name, data in tree.items():
                assert _content(backend, f"{folder}/{name}") in (None, data)
            assert backend.read_bytes(f"{folder}/kept.bin") == OLD
            if error is None:
                assert not backend.is_folder(f"{folder}/a") and _files(backend, f"{folder}/a") == set()

        each_fault(storage_faults, requirements, prepare, action, check)

    @requires(Capability.MOVE)
    @pytest.mark.spec("BACKEND-013", "ATOMIC-006")
    @pytest.mark.parametrize("overwrite", [False, True])
    def test_a_failed_move_keeps_the_content_at_one_end(
        self,
        conformance_backend: Backend,
        storage_faults: FaultInjector,
        requirements: Requirements,
        overwrite: bool,
    ) -> None:
        backend = conformance_backend
        atomic = Capability.ATOMIC_MOVE in backend.capabilities

        def prepare(folder: str) -> None:
            backend.write(f"{folder}/src.bin", CONTENT)
            if overwrite:
                backend.write(f"{folder}/to/dst.bin", OLD)

        def action(folder: str, _: object) -> None:
            backend.move(f"{folder}/src.bin", f"{folder}/to/dst.bin", overwrite=overwrite)

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            source = _content(backend, f"{folder}/src.bin")
            target = _content(backend, f"{folder}/to/dst.bin")
            assert source in (None, CONTENT) and target in (None, CONTENT, OLD if overwrite else None)
            assert CONTENT in (source, target), f"a failed move lost the file: {error!r}"
            assert _files(backend, folder) <= {f"{folder}/src.bin", f"{folder}/to/dst.bin"}
            if atomic:
                assert (source is None) == (target == CONTENT), "an atomic move is all or nothing"
            if target is None:
                _no_folder_left(backend, requirements, f"{folder}/to", "move")
            if error is None:
                assert (source, target) == (None, CONTENT)

        each_fault(storage_faults, requirements, prepare, action, check)

    @requires(Capability.COPY)
    @pytest.mark.spec("BACKEND-013")
    def test_a_failed_copy_leaves_the_source_and_no_partial_copy(
        self, conformance_backend: Backend, storage_faults: FaultInjector, requirements: Requirements
    ) -> None:
        backend = conformance_backend

        def prepare(folder: str) -> None:
            backend.write(f"{folder}/src.bin", CONTENT)

        def action(folder: str, _: object) -> None:
            backend.copy(f"{folder}/src.bin", f"{folder}/to/dst.bin")

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            assert backend.read_bytes(f"{folder}/src.bin") == CONTENT
            assert _content(backend, f"{folder}/to/dst.bin") in (None, CONTENT)
            assert _files(backend, folder) <= {f"{folder}/src.bin", f"{folder}/to/dst.bin"}
            if error is None:
                assert backend.read_bytes(f"{folder}/to/dst.bin") == CONTENT
            elif not backend.is_file(f"{folder}/to/dst.bin"):
                _no_folder_left(backend, requirements, f"{folder}/to", "copy")

        each_fault(storage_faults, requirements, prepare, action, check)

    @requires(Capability.METADATA)
    @pytest.mark.spec("BACKEND-013")
    def test_failed_queries_and_listings_raise_or_answer_right(
        self, conformance_backend: Backend, storage_faults: FaultInjector, requirements: Requirements
    ) -> None:
        backend = conformance_backend
        answers: dict[str, list[object]] = {}

        def prepare(folder: str) -> None:
            backend.write(f"{folder}/f.bin", CONTENT)
            backend.write(f"{folder}/sub/g.bin", OLD)

        def action(folder: str, _: object) -> None:
            answers[folder] = [
                backend.exists(f"{folder}/f.bin"),
                backend.is_file(f"{folder}/f.bin"),
                backend.is_folder(f"{folder}/sub"),
                backend.get_file_info(f"{folder}/f.bin").size,
                sorted(str(info.path) for info in backend.list_files(folder, recursive=True)),
                sorted(backend.list_folders(folder)),
                backend.get_folder_info(folder).file_count,
            ]

        def check(folder: str, _: object, error: RemoteStoreError | None) -> None:
            if error is None:
                assert answers[folder] == [
                    True,
                    True,
                    True,
                    len(CONTENT),
                    [f"{folder}/f.bin", f"{folder}/sub/g.bin"],
                    [f"{folder}/sub"],
                    2,
                ]

        each_fault(storage_faults, requirements, prepare, action, check)


def _drain(stream: BinaryIO, how: str, received: list[bytes]) -> None:
    """Read ``stream`` to its end ``how`` (``read(n)``, ``readinto`` or by lines) into ``received``."""
    if how == "lines":
        received.extend(stream)
        return
    buffer = bytearray(1000)
    while True:
        if how == "read":
            chunk = stream.read(1000)
        else:
            count = cast(io.BufferedIOBase, stream).readinto(buffer)  # BinaryIO's stub lacks it
            chunk = bytes(buffer[:count])
        if not chunk:
            return
        received.append(chunk)
