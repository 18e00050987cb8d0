"""Capabilities: what the backend declares, what it implements, and how undeclared ones are refused."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from remote_store import Backend, Behaviour, Capability, CapabilityNotSupported, CapabilitySet, Store

from .._markers import requires_not
from .._requirements import Requirements
from .._support import GATED, STORE_GATED, RecordingBackend, snapshot

__all__ = ["TestCapabilities", "TestCapabilitiesUndeclared"]

PROBE = "probe/file.txt"
OTHER = "probe/other.txt"
NEW = "probe/new.txt"

# How to call each gated operation on a Store and on a Backend (whose paths are the same here).
CALLS: dict[str, Callable[[Any], Any]] = {
    "read": lambda target: target.read(PROBE).close(),
    "read_bytes": lambda target: target.read_bytes(PROBE),
    "read_range": lambda target: target.read_range(PROBE, 1, 3),
    "read_text": lambda target: target.read_text(PROBE),
    "write_text": lambda target: target.write_text(NEW, "new", overwrite=True),
    "glob": lambda target: list(target.glob("probe/*.txt")),
    "write": lambda target: target.write(NEW, b"new", overwrite=True),
    "write_atomic": lambda target: target.write_atomic(NEW, b"new", overwrite=True),
    "delete": lambda target: target.delete(PROBE),
    "delete_folder": lambda target: target.delete_folder("probe", recursive=True),
    "list_files": lambda target: list(target.list_files("probe", recursive=True)),
    "list_folders": lambda target: list(target.list_folders("")),
    "move": lambda target: target.move(PROBE, NEW, overwrite=True),
    "copy": lambda target: target.copy(PROBE, NEW, overwrite=True),
    "get_file_info": lambda target: target.get_file_info(PROBE),
    "get_folder_info": lambda target: target.get_folder_info("probe"),
    "url": lambda target: target.url(PROBE, expires_in=timedelta(minutes=5)),
}

ALL_GATED = [pytest.param(capability, id=capability.value) for capability in GATED]
UNDECLARED = [
    pytest.param(capability, marks=requires_not(capability), id=capability.value) for capability in GATED
]


def _populate(store: Store) -> None:
    if store.supports(Capability.WRITE):
        store.write(PROBE, b"probe")
        store.write(OTHER, b"other")


class TestCapabilities:
    @pytest.mark.spec("BACKEND-002")
    def test_declared_capabilities(self, conformance_backend: Backend) -> None:
        declared = conformance_backend.capabilities
        assert isinstance(declared, CapabilitySet)
        assert conformance_backend.capabilities == declared
        if Capability.ATOMIC_MOVE in declared:
            assert Capability.MOVE in declared, "ATOMIC_MOVE refines MOVE, which is not declared"
        if Capability.ATOMIC_WRITE in declared:
            assert Capability.WRITE in declared, "ATOMIC_WRITE refines WRITE, which is not declared"
        if Capability.SEEKABLE_READ in declared:
            assert Capability.READ in declared, "SEEKABLE_READ refines READ, which is not declared"

    @pytest.mark.spec("BACKEND-002")
    def test_capabilities_stay_the_same_while_the_backend_is_used(self, store: Store) -> None:
        backend = store.backend
        declared = backend.capabilities
        if Capability.WRITE in declared:
            store.write("caps/file.txt", b"x")
        assert backend.capabilities == declared, "capabilities changed after a write"
        assert store.capabilities == declared
        if Capability.READ in declared and Capability.WRITE in declared:
            store.read_bytes("caps/file.txt")
        if Capability.DELETE in declared and Capability.WRITE in declared:
            store.delete("caps/file.txt")
        assert backend.capabilities == declared, "capabilities changed while the backend was used"

    @pytest.mark.spec("BACKEND-020")
    def test_capability_sets_are_immutable_values(self, conformance_backend: Backend) -> None:
        declared = conformance_backend.capabilities
        members = list(declared)
        assert members == [member for member in Capability if member in members]
        changes: list[Callable[[], None]] = [
            lambda: setattr(declared, "_members", frozenset()),
            lambda: delattr(declared, "_members"),
            lambda: setattr(declared, "extra", 1),
            lambda: delattr(declared, "extra"),
        ]
        for change in changes:
            with pytest.raises(AttributeError):
                change()
            assert list(declared) == members
        for twin in (pickle.loads(pickle.dumps(declared)), copy.copy(declared), copy.deepcopy(declared)):
            assert type(twin) is type(declared)
            assert twin == declared and hash(twin) == hash(declared) and list(twin) == members
        assert CapabilitySet(reversed(members)) == declared
        assert (declared | {Capability.READ}) - {Capability.READ} == declared - {Capability.READ}
        with pytest.raises(TypeError):
            CapabilitySet(["read"])  # type: ignore[list-item]

    @pytest.mark.spec("STORE-001")
    def test_store_reports_the_backend_capabilities(self, store: Store, conformance_backend: Backend) -> None:
        assert store.capabilities == conformance_backend.capabilities
        for capability in Capability:
            assert store.supports(capability) == (capability in conformance_backend.capabilities)

    @pytest.mark.spec("BACKEND-019", "CONF-012", "STORE-001")
    def test_the_suite_checks_the_behaviour_the_backend_declares(
        self, conformance_backend: Backend, store: Store, requirements: Requirements
    ) -> None:
        declared = conformance_backend.behaviour
        assert isinstance(declared, Behaviour)
        assert conformance_backend.behaviour == declared, "behaviour must be constant"
        assert store.behaviour == declared
        assert requirements.behaviour == declared
        assert {
            "real_empty_folders": requirements.real_empty_folders,
            "file_folder_conflicts_rejected": requirements.file_folder_conflicts_rejected,
            "missing_ok_delete_detects_folders": requirements.missing_ok_delete_detects_folders,
            "retries_storage_faults": not requirements.storage_faults_surface,
            "thread_safe": requirements.thread_safe,
        } == declared.as_dict()

    @pytest.mark.spec("BACKEND-012")
    def test_declared_capabilities_are_implemented(self, conformance_backend: Backend) -> None:
        backend_class = type(conformance_backend)
        for capability, operations in GATED.items():
            if capability not in conformance_backend.capabilities:
                continue
            for operation in operations:
                if operation in ("read_bytes", "read_range", "get_folder_info"):
                    continue  # the Backend defaults build on read and list_files
                assert getattr(backend_class, operation) is not getattr(Backend, operation), (
                    f"{capability.value!r} is declared, {backend_class.__name__}.{operation} not implemented"
                )

    @pytest.mark.spec("STORE-027")
    @pytest.mark.parametrize("capability", ALL_GATED)
    def test_store_refuses_before_calling_the_backend(
        self, conformance_backend: Backend, capability: Capability, open_store: Callable[..., Store]
    ) -> None:
        recorder = RecordingBackend(conformance_backend, without=[capability])
        view = open_store(recorder, owns_backend=False)
        for operation in GATED[capability] + STORE_GATED.get(capability, ()):
            with pytest.raises(CapabilityNotSupported) as caught:
                CALLS[operation](view)
            assert caught.value.capability == capability.value
            assert caught.value.operation == operation
            assert caught.value.backend == conformance_backend.type_name
            assert caught.value.path in (PROBE, NEW, "probe", "")
        assert recorder.calls == [], f"the backend was called: {recorder.calls}"

    @pytest.mark.spec("STORE-027")
    def test_queries_are_never_gated(
        self, open_store: Callable[..., Store], conformance_backend: Backend
    ) -> None:
        recorder = RecordingBackend(conformance_backend, without=list(Capability))
        view = open_store(recorder, owns_backend=False)
        assert view.exists("") is True
        assert view.is_folder("") is True
        assert view.is_file("") is False
        assert view.exists("no/such/file.txt") is False
        assert view.is_file("no/such/file.txt") is False
        assert view.is_folder("no/such") is False


class TestCapabilitiesUndeclared:
    @pytest.mark.spec("BACKEND-004", "STORE-027", "CONF-006")
    @pytest.mark.parametrize("capability", UNDECLARED)
    def test_undeclared_capability_is_refused(
        self, store: Store, conformance_backend: Backend, capability: Capability
    ) -> None:
        _populate(store)
        probes = (PROBE, OTHER, NEW, "probe")
        before = snapshot(store, *probes)
        for operation in GATED[capability]:
            with pytest.raises(CapabilityNotSupported) as caught:
                CALLS[operation](store)
            assert caught.value.capability == capability.value
            assert caught.value.operation == operation
            with pytest.raises(CapabilityNotSupported) as direct:
                CALLS[operation](conformance_backend)
            assert direct.value.capability == capability.value
        for operation in STORE_GATED.get(capability, ()):
            with pytest.raises(CapabilityNotSupported) as caught:
                CALLS[operation](store)
            assert caught.value.capability == capability.value
            assert caught.value.operation == operation
        assert snapshot(store, *probes) == before
