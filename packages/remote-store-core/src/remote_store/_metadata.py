"""``Metadata``: the read-only mapping of user metadata that ``FileInfo.metadata`` holds."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["EMPTY_METADATA", "Metadata"]


class Metadata(Mapping[str, str]):
    """An immutable ``str`` to ``str`` mapping: the user metadata stored with one file.

    It compares equal to any mapping with the same items (``info.metadata == {"owner": "ana"}``),
    is hashable, and survives ``pickle`` and ``copy`` (``types.MappingProxyType`` does not pickle,
    and ``FileInfo`` crosses process pools). Keys are lower-case (STORE-040).

    Raises:
        TypeError: on item assignment or deletion (it has no such methods), or when built from
            something that is not a ``str`` to ``str`` mapping.
        AttributeError: on assigning or deleting an attribute.
    """

    __slots__ = ("_items",)

    _items: dict[str, str]

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        copied = dict(items or {})
        for key, value in copied.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"metadata keys and values must be str, not {key!r}: {value!r}")
        object.__setattr__(self, "_items", copied)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Metadata is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Metadata is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._items,))

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Metadata({self._items!r})"


EMPTY_METADATA = Metadata()
"""The metadata of a file that has none (shared: ``Metadata`` is immutable)."""
