"""Capabilities: what a backend declares it can do, as data."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

__all__ = ["Capability", "CapabilitySet"]


class Capability(str, enum.Enum):
    """One thing a backend can do. ``Store`` checks the capability before delegating.

    Operations gated by a capability raise ``CapabilityNotSupported`` when the backend does not
    declare it, before any I/O (specs/backend.md, BACKEND-004). ``exists``, ``is_file`` and
    ``is_folder`` are always available.
    """

    READ = "read"
    """``read``, ``read_bytes``, ``read_text``."""
    SEEKABLE_READ = "seekable_read"
    """Refines ``read``: its stream can ``seek``/``tell`` and reads only what is asked; ``read_range``."""
    WRITE = "write"
    """``write``, ``write_text``: create or replace a file from bytes, a stream or text."""
    ATOMIC_WRITE = "atomic_write"
    """``write_atomic``: readers see the old file or the whole new one, never a part."""
    DELETE = "delete"
    """``delete``, ``delete_folder``."""
    LIST = "list"
    """``list_files``, ``list_folders``, ``glob``."""
    MOVE = "move"
    """``move``."""
    ATOMIC_MOVE = "atomic_move"
    """Refines ``move``: the move is one atomic step (no state with both or neither path)."""
    COPY = "copy"
    """``copy``."""
    METADATA = "metadata"
    """``get_file_info``, ``get_folder_info``."""
    CONTENT_TYPE = "content_type"
    """``write(..., content_type=)``: the MIME type is stored and ``FileInfo.content_type`` returns it."""
    USER_METADATA = "user_metadata"
    """``write(..., metadata=)``: string pairs stored with the file, returned in ``FileInfo.metadata``."""
    CONDITIONAL_WRITE = "conditional_write"
    """``write(..., if_match=)``: replace only if the file's ETag still equals ``if_match``, atomically."""
    PRESIGNED_URL = "presigned_url"
    """``url``: time-limited GET and PUT URLs for plain HTTP clients (S3 presigning, Azure SAS)."""

    def __str__(self) -> str:
        return self.value


class CapabilitySet:
    """An immutable set of ``Capability`` values, as a backend declares them.

    Supports ``in``, iteration (in declaration order of ``Capability``), ``len``, equality,
    hashing, ``|`` and ``-``, ``pickle`` and ``copy``. ``supports(capability)`` is the same as
    ``capability in caps``.

    Raises:
        TypeError: when built from something that is not a ``Capability``.
        AttributeError: on assigning or deleting an attribute.
    """

    __slots__ = ("_members",)

    _members: frozenset[Capability]

    def __init__(self, capabilities: Iterable[Capability] = ()) -> None:
        members = frozenset(capabilities)
        for member in members:
            if not isinstance(member, Capability):
                raise TypeError(f"not a Capability: {member!r}")
        object.__setattr__(self, "_members", members)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("CapabilitySet is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("CapabilitySet is immutable")

    def __reduce__(self) -> tuple[type[CapabilitySet], tuple[tuple[Capability, ...]]]:
        # The default would restore ``_members`` through ``__setattr__``, which refuses.
        return (type(self), (tuple(self),))

    @classmethod
    def all(cls) -> CapabilitySet:
        """Every capability there is (one shared instance: sets are immutable)."""
        if cls is not CapabilitySet:
            return cls(Capability)
        return _ALL

    def supports(self, capability: Capability) -> bool:
        """True if ``capability`` is declared."""
        return capability in self._members

    def __contains__(self, capability: object) -> bool:
        return capability in self._members

    def __iter__(self) -> Iterator[Capability]:
        return (member for member in Capability if member in self._members)

    def __len__(self) -> int:
        return len(self._members)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CapabilitySet):
            return self._members == other._members
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._members)

    def __or__(self, other: Iterable[Capability]) -> CapabilitySet:
        return CapabilitySet(self._members | frozenset(other))

    def __sub__(self, other: Iterable[Capability]) -> CapabilitySet:
        return CapabilitySet(self._members - frozenset(other))

    def __repr__(self) -> str:
        return f"CapabilitySet({{{', '.join(member.name for member in self)}}})"


# Backends return this from ``capabilities`` on every Store call: build it once.
_ALL = CapabilitySet(Capability)
