"""``Operation`` and ``OperationContext``: how every backend names its operations and builds errors.

A backend builds one ``OperationContext`` per call (``self.context(Operation.READ, path)``, see
``Backend.context``) and makes every error of that call through it, so that each error carries the
path at fault, the operation and the backend type name the same way in every backend, with the
lower-level exception kept as ``__cause__`` by the caller's ``raise ... from``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import TypeVar

from ._capabilities import Capability
from ._errors import CapabilityNotSupported, RemoteStoreError, StoreClosed
from ._oserror import map_os_error

__all__ = ["Operation", "OperationContext"]

E = TypeVar("E", bound=RemoteStoreError)


class Operation(str, enum.Enum):
    """The name of one ``Store``/``Backend`` operation, as errors carry it in ``operation``.

    A ``str`` enum: ``Operation.READ == "read"``, and ``error.operation`` holds the plain value.
    """

    WRITE = "write"
    WRITE_ATOMIC = "write_atomic"
    READ = "read"
    READ_BYTES = "read_bytes"
    READ_RANGE = "read_range"
    READ_TEXT = "read_text"
    WRITE_TEXT = "write_text"
    EXISTS = "exists"
    IS_FILE = "is_file"
    IS_FOLDER = "is_folder"
    DELETE = "delete"
    DELETE_FOLDER = "delete_folder"
    MOVE = "move"
    COPY = "copy"
    LIST_FILES = "list_files"
    LIST_FOLDERS = "list_folders"
    GLOB = "glob"
    GET_FILE_INFO = "get_file_info"
    GET_FOLDER_INFO = "get_folder_info"
    CHILD = "child"
    URL = "url"
    CLOSE = "close"
    REMOVE_TEMP_FILES = "remove_temp_files"
    """The local backend's sweep of what killed writers left (``LocalBackend.remove_temp_files``)."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class OperationContext:
    """One backend call: the ``operation``, the ``backend`` type name and the ``path`` it acts on.

    Every error the call raises is built here, so that all of them carry the same context. The
    caller raises what these methods return, ``from`` the lower-level exception where there is one.

    Attributes:
        operation: the operation being carried out.
        backend: the backend type name (``Backend.type_name``).
        path: the backend-relative path the call acts on (``None`` where no path is involved).
    """

    operation: Operation
    backend: str
    path: str | None = None

    def __init__(self, operation: Operation, backend: str, path: str | None = None) -> None:
        # Every backend call builds one: the fields go in at once, not through the frozen
        # dataclass's three object.__setattr__ calls.
        fields = self.__dict__
        fields["operation"] = operation
        fields["backend"] = backend
        fields["path"] = path

    def at(self, path: str | None) -> OperationContext:
        """The same call acting on another path (the destination of a move or copy, say)."""
        return replace(self, path=path)

    def error(self, kind: type[E], message: str, *, path: str | None = None) -> E:
        """A ``kind`` error with this call's context; ``path`` overrides the call's own.

        The caller raises it (``raise context.error(NotFound, "no such file") from cause``).
        """
        return kind(
            message,
            path=self.path if path is None else path,
            operation=self.operation.value,
            backend=self.backend,
        )

    def os_error(self, error: OSError, *, path: str | None = None) -> RemoteStoreError:
        """The remote-store error for ``error`` (``map_os_error``) with this call's context.

        The caller raises it ``from error``.
        """
        return map_os_error(
            error,
            path=self.path if path is None else path,
            operation=self.operation.value,
            backend=self.backend,
        )

    def unsupported(self, capability: Capability, *, argument: str | None = None) -> CapabilityNotSupported:
        """``CapabilityNotSupported`` naming ``capability``, for an operation not declared (BACKEND-004).

        With ``argument``, the message also names the keyword argument that needs it (STORE-038).
        """
        needed = f" (needed by {argument}=)" if argument else ""
        return CapabilityNotSupported(
            f"backend {self.backend!r} does not support {capability.value!r}{needed}",
            capability=capability.value,
            path=self.path,
            operation=self.operation.value,
            backend=self.backend,
        )

    def closed(self) -> StoreClosed:
        """``StoreClosed`` for a call made after the backend was closed (BACKEND-008)."""
        return self.error(StoreClosed, "backend is closed")

    def claim(self, error: RemoteStoreError) -> RemoteStoreError:
        """``error``, renamed to this call's operation and filled in where it lacks path or backend.

        For errors raised by a helper shared between operations (a default built on another
        operation names its own, BACKEND-001): the error object is changed in place and returned.
        """
        error.operation = self.operation.value
        if error.path is None:
            error.path = self.path
        if error.backend is None:
            error.backend = self.backend
        return error
