"""Result types: ``FileInfo`` and ``FolderInfo``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._metadata import EMPTY_METADATA, Metadata
from ._path import _TEXT, RemotePath

if TYPE_CHECKING:  # annotations only: datetime is not imported with the package (CONFIG-018)
    from datetime import datetime

__all__ = ["FileInfo", "FolderInfo", "listed_file"]


@dataclasses.dataclass(frozen=True)
class FileInfo:
    """Metadata of one file, as ``get_file_info`` and ``list_files`` return it.

    Attributes:
        path: the store-relative path; it round-trips as input to every ``Store`` method.
        name: the last segment of ``path``.
        size: the size in bytes.
        modified_at: the last modification time, timezone-aware (UTC where the backend knows no zone).
        etag: an opaque version tag where the backend has one (S3's ETag), else ``None``.
        checksum: a content checksum where the backend has one cheaply, else ``None``.
        content_type: the MIME type where the backend stores one, else ``None``.
        metadata: the user metadata stored with the file (``write(..., metadata=)``), a read-only
            ``Metadata`` mapping with lower-case keys; empty where there is none or the backend
            stores none. A mapping given here is copied into a ``Metadata``. Listings may leave it
            empty where the storage lists no metadata (S3, Azure): ``get_file_info`` fills it.
    """

    path: RemotePath
    name: str
    size: int
    modified_at: datetime
    etag: str | None = None
    checksum: str | None = None
    content_type: str | None = None
    metadata: Mapping[str, str] = EMPTY_METADATA

    def __init__(
        self,
        path: RemotePath,
        name: str,
        size: int,
        modified_at: datetime,
        etag: str | None = None,
        checksum: str | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] = EMPTY_METADATA,
    ) -> None:
        # Listings build one per file: the fields go in at once rather than through the frozen
        # dataclass's eight object.__setattr__ calls.
        if modified_at.tzinfo is None:
            raise ValueError("FileInfo.modified_at must be timezone-aware")
        if metadata is not EMPTY_METADATA and not isinstance(metadata, Metadata):
            metadata = Metadata(metadata) if metadata else EMPTY_METADATA  # an immutable copy
        self.__dict__.update(
            path=path,
            name=name,
            size=size,
            modified_at=modified_at,
            etag=etag,
            checksum=checksum,
            content_type=content_type,
            metadata=metadata,
        )


@dataclasses.dataclass(frozen=True)
class FolderInfo:
    """Summary of a folder and everything below it, as ``get_folder_info`` returns it.

    Attributes:
        path: the store-relative path of the folder.
        file_count: the number of files below the folder, at any depth.
        total_size: their total size in bytes.
        modified_at: the newest modification time of those files, or ``None`` (empty folder, or
            a backend that does not know).
    """

    path: RemotePath
    file_count: int
    total_size: int
    modified_at: datetime | None = None


_new = object.__new__
_set_attribute = object.__setattr__
_set_text = _TEXT.__set__  # RemotePath's own slot: the text is canonical by construction


def listed_file(folder: str, name: str, size: int, modified_at: datetime) -> FileInfo:
    """``FileInfo(entry_path(folder, name), name, size, modified_at)``, built in one step.

    For backends building one ``FileInfo`` per listed file (BACKEND-025): ``folder`` is
    canonical text the backend holds (``""`` for the root) and ``name`` a name it checked with
    ``is_segment``; neither is checked again. The result is what the constructor stores,
    without the cost of its call and of building the path separately.

    Raises:
        ValueError: ``modified_at`` is naive (``FileInfo`` needs a timezone-aware time).
    """
    if modified_at.tzinfo is None:
        raise ValueError("FileInfo.modified_at must be timezone-aware")
    path = _new(RemotePath)
    _set_text(path, f"{folder}/{name}" if folder else name)
    info = _new(FileInfo)
    _set_attribute(
        info,
        "__dict__",
        {
            "path": path,
            "name": name,
            "size": size,
            "modified_at": modified_at,
            "etag": None,
            "checksum": None,
            "content_type": None,
            "metadata": EMPTY_METADATA,
        },
    )
    return info
