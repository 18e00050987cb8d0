"""``Behaviour``: facts about how a backend behaves, declared beside its capabilities."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["Behaviour"]


@dataclass(frozen=True)
class Behaviour:
    """How a backend behaves where the contract allows more than one answer (specs/backend.md).

    Capabilities say *what* a backend can do; these facts say *how* it does it, so that users can
    plan for them and the conformance suite checks the declared behaviour instead of assuming one.
    The defaults are the strict, file-system answers; a backend declares its deviations by
    returning another instance from ``Backend.behaviour``, e.g.
    ``Behaviour(real_empty_folders=False, file_folder_conflicts_rejected=False)`` for S3.

    Attributes:
        real_empty_folders: folders exist on their own; one stays after its last file is deleted
            or moved away (file systems). ``False`` where folders are key prefixes (object stores):
            a folder vanishes with its last file.
        file_folder_conflicts_rejected: writing a file where a folder is, or below a file, raises
            ``InvalidPath``. ``False`` where key ``a`` and key ``a/b`` may exist side by side.
        missing_ok_delete_detects_folders: ``delete(folder, missing_ok=True)`` raises
            ``InvalidPath``. ``False`` where such a delete is one request that finds no file and
            does nothing.
        retries_storage_faults: the backend retries failed storage calls (HTTP backends), so a
            call that met a fault may still succeed. ``False``: every fault surfaces as an error.
        thread_safe: one instance may be shared between threads.
    """

    real_empty_folders: bool = True
    file_folder_conflicts_rejected: bool = True
    missing_ok_delete_detects_folders: bool = True
    retries_storage_faults: bool = False
    thread_safe: bool = True

    def as_dict(self) -> dict[str, bool]:
        """The facts as a plain ``{name: value}`` mapping, in declaration order."""
        return {field.name: getattr(self, field.name) for field in fields(self)}
