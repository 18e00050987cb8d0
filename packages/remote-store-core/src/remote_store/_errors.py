"""The one error hierarchy of remote-store.

Every error a user sees from a ``Store``, a ``Backend`` or the ``Registry`` is one of these::

    RemoteStoreError
    ├── NotFound                (also FileNotFoundError)
    ├── AlreadyExists           (also FileExistsError)
    ├── InvalidPath             (also ValueError)
    ├── CapabilityNotSupported
    ├── DirectoryNotEmpty       (also OSError)
    ├── PermissionDenied        (also PermissionError)
    ├── BackendUnavailable      (also ConnectionError)
    ├── InvalidContent          (also TypeError)
    ├── InvalidRange            (also ValueError)
    ├── InvalidArgument         (also ValueError)
    ├── PreconditionFailed
    ├── StoreClosed             (also ValueError)
    └── ConfigError             (also ValueError)

Each error carries the ``path`` at fault (store-relative when raised through a ``Store``), the
``operation`` that failed and the ``backend`` type name where known. The lower-level exception that
caused it (an ``OSError``, a botocore error, ...) is kept as ``__cause__``; it is never raised bare.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyExists",
    "BackendUnavailable",
    "CapabilityNotSupported",
    "ConfigError",
    "DirectoryNotEmpty",
    "InvalidArgument",
    "InvalidContent",
    "InvalidPath",
    "InvalidRange",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "RemoteStoreError",
    "StoreClosed",
]


class RemoteStoreError(Exception):
    """Base class of every error raised by remote-store.

    Attributes:
        message: what went wrong, without the path.
        path: the path at fault, or ``None`` where no path is involved. Errors raised through a
            ``Store`` carry the store-relative path, which round-trips as input to the store.
        operation: the operation that failed (``"write"``, ``"read"``, ...), or ``None``.
        backend: the backend type name (``"local"``, ``"s3"``, ...), or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        operation: str | None = None,
        backend: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.operation = operation
        self.backend = backend

    def __str__(self) -> str:
        text = self.message
        if self.path is not None:
            text = f"{text}: {self.path!r}"
        context = [part for part in (self.backend, self.operation) if part]
        if context:
            text = f"{text} [{' '.join(context)}]"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default exception pickling.
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[RemoteStoreError], message: str, state: dict[str, Any]) -> RemoteStoreError:
    error = cls.__new__(cls, message)
    RemoteStoreError.__init__(error, message)
    error.__dict__.update(state)
    return error


class NotFound(RemoteStoreError, FileNotFoundError):
    """The file or folder does not exist (or, for a write, its location cannot exist)."""


class AlreadyExists(RemoteStoreError, FileExistsError):
    """A create with ``overwrite=False`` found a file already there; nothing was changed."""


class InvalidPath(RemoteStoreError, ValueError):
    """The path breaks a rule of ``RemotePath`` or names something the backend cannot hold.

    The message names the rule; ``path`` is the offending input as given.
    """


class InvalidContent(RemoteStoreError, TypeError):
    """What was given to write is neither bytes-like nor a readable binary stream."""


class InvalidRange(RemoteStoreError, ValueError):
    """The byte range given to ``read_range`` is not one: a negative bound, or an end before the start.

    The message names the bounds; nothing was read.
    """


class InvalidArgument(RemoteStoreError, ValueError):
    """An argument other than the path, the content or a range has a value the call cannot take.

    Raised before any I/O for a bad ``metadata`` key or value, ``content_type``, ``if_match`` or
    ``progress``, or a contradiction between arguments (``if_match`` without ``overwrite=True``).
    The message names the key or value at fault; nothing was attempted.

    Attributes:
        argument: the name of the keyword argument at fault (``"metadata"``, ``"if_match"``, ...).
    """

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        backend: str | None = None,
    ) -> None:
        super().__init__(message, path=path, operation=operation, backend=backend)
        self.argument = argument


class PreconditionFailed(RemoteStoreError):
    """A conditional write found the file changed: its ETag no longer equals ``if_match``.

    Nothing was changed. Read the file again (its new content and ``FileInfo.etag``) and retry.
    Deliberately not an ``OSError``: a lost race is not an I/O failure that a generic handler
    should swallow; a read-modify-write loop catches it by name.
    """


class CapabilityNotSupported(RemoteStoreError):
    """The backend does not declare the capability the operation needs; nothing was attempted.

    Attributes:
        capability: the missing ``Capability`` (its value, e.g. ``"atomic_write"``).
    """

    def __init__(
        self,
        message: str,
        *,
        capability: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        backend: str | None = None,
    ) -> None:
        super().__init__(message, path=path, operation=operation, backend=backend)
        self.capability = capability


class DirectoryNotEmpty(RemoteStoreError, OSError):
    """A folder delete without ``recursive=True`` found the folder not empty; nothing was deleted."""


class PermissionDenied(RemoteStoreError, PermissionError):
    """The backend refused the operation, or the path would leave the store's sandbox."""


class BackendUnavailable(RemoteStoreError, ConnectionError):
    """The backend cannot be reached or is not usable (network failure, missing bucket, timeout)."""


class StoreClosed(RemoteStoreError, ValueError):
    """The store, backend or registry was used after ``close()``."""


class ConfigError(RemoteStoreError, ValueError):
    """A configuration is invalid; the message names the key or option at fault."""
