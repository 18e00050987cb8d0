"""What S3's answers say about objects: keys as paths, HeadObject and listing entries as ``FileInfo``.

A key is a path one to one, except keys no path can name (folder markers ``f/``, ``a//b``,
``..``, ...): listings skip those. ETags lose their quotes (a multipart object's keeps its ``-N``
suffix); times are UTC (specs/s3.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from remote_store import FileInfo, InvalidPath, RemotePath
from remote_store.backend_tools import decode_metadata

from ._listing import ListingPage

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

__all__ = ["carried_headers", "file_info", "listed_files", "listed_folders"]

logger = logging.getLogger("remote_store.s3")

# HeadObject fields a multipart copy carries over to the new object (CopyObject does it itself).
_CARRIED_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl")


def file_info(path: str, head: HeadObjectOutputTypeDef) -> FileInfo:
    """The ``FileInfo`` of ``path`` from its HeadObject answer (with its content type and metadata)."""
    return FileInfo(
        path=RemotePath(path),
        name=path.rsplit("/", 1)[-1],
        size=int(head["ContentLength"]),
        modified_at=_utc(head["LastModified"]),
        etag=_etag(head.get("ETag")),
        content_type=head.get("ContentType") or None,
        metadata=decode_metadata(head.get("Metadata")),
    )


def listed_files(page: ListingPage) -> Iterator[FileInfo]:
    """The files of one ListObjectsV2 page (no content type: listings have none)."""
    for item in page.objects:
        path = _valid_path(item.key)
        if path is not None:
            yield FileInfo(
                path=path,
                name=path.name,
                size=item.size,
                modified_at=item.last_modified,
                etag=_etag(item.etag),
            )


def listed_folders(page: ListingPage) -> Iterator[str]:
    """The folders of one ListObjectsV2 page sent with a delimiter: its common prefixes, without ``/``."""
    for prefix in page.prefixes:
        folder = _valid_path(prefix[:-1])
        if folder is not None and not folder.is_root:
            yield str(folder)


def carried_headers(head: HeadObjectOutputTypeDef) -> dict[str, Any]:
    """What a multipart copy's CreateMultipartUpload carries over from the source's HeadObject."""
    create: dict[str, Any] = {key: head[key] for key in _CARRIED_HEADERS if head.get(key)}  # type: ignore[literal-required]
    if head.get("Metadata"):
        create["Metadata"] = head["Metadata"]
    return create


def _valid_path(key: str) -> RemotePath | None:
    """The path naming ``key``, or ``None`` for keys no path can name (markers, ``a//b``, ...)."""
    if not key or key.endswith("/"):
        return None
    try:
        path = RemotePath(key)
    except InvalidPath:
        logger.debug("skipping key %r: not a valid path", key)
        return None
    return path


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _etag(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip('"') or None
