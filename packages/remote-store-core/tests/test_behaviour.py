"""``Behaviour``: the facts a backend declares beside its capabilities, readable from a ``Store``."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from remote_store import Backend, Behaviour, CapabilitySet, Store
from remote_store.backends.memory import MemoryBackend

FACTS = [
    "real_empty_folders",
    "file_folder_conflicts_rejected",
    "missing_ok_delete_detects_folders",
    "retries_storage_faults",
    "thread_safe",
]


class _PrefixFolders(MemoryBackend):
    @property
    def behaviour(self) -> Behaviour:
        return Behaviour(real_empty_folders=False, file_folder_conflicts_rejected=False)


@pytest.mark.spec("BACKEND-019")
def test_the_default_is_the_strict_file_system_behaviour() -> None:
    strict = Behaviour()
    assert strict.as_dict() == {
        "real_empty_folders": True,
        "file_folder_conflicts_rejected": True,
        "missing_ok_delete_detects_folders": True,
        "retries_storage_faults": False,
        "thread_safe": True,
    }
    assert list(strict.as_dict()) == FACTS  # declaration order
    assert all(type(value) is bool for value in strict.as_dict().values())
    assert MemoryBackend().behaviour == strict


@pytest.mark.spec("BACKEND-019")
def test_behaviour_is_immutable_and_compares_by_value() -> None:
    facts = Behaviour(real_empty_folders=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.real_empty_folders = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del facts.thread_safe
    assert facts == Behaviour(real_empty_folders=False) and facts != Behaviour()
    assert hash(facts) == hash(Behaviour(real_empty_folders=False))
    assert facts.as_dict()["real_empty_folders"] is False
    changed: dict[str, Any] = facts.as_dict()
    changed["real_empty_folders"] = True  # a copy: the instance is unchanged
    assert facts.real_empty_folders is False


@pytest.mark.spec("BACKEND-019", "STORE-001")
def test_store_behaviour_is_the_backends() -> None:
    backend = _PrefixFolders()
    with Store(backend, "some/root") as store:
        assert store.behaviour == backend.behaviour
        assert store.behaviour.real_empty_folders is False
        assert store.behaviour.missing_ok_delete_detects_folders is True
    assert Store(MemoryBackend()).behaviour == Behaviour()


@pytest.mark.spec("BACKEND-019")
def test_a_backend_declares_its_own() -> None:
    class Retrying(Backend):
        type_name = "retrying"

        @property
        def capabilities(self) -> CapabilitySet:
            return CapabilitySet([])

        @property
        def behaviour(self) -> Behaviour:
            return Behaviour(retries_storage_faults=True)

        def is_file(self, path: str) -> bool:
            return False

        def is_folder(self, path: str) -> bool:
            return path == ""

    assert Store(Retrying()).behaviour.retries_storage_faults is True
