"""fsspec ``info`` dictionaries from remote-store's ``FileInfo``."""

from __future__ import annotations

from typing import Any

from remote_store import FileInfo

__all__ = ["directory_entry", "file_entry"]


def file_entry(name: str, info: FileInfo) -> dict[str, Any]:
    """The fsspec entry of a file: ``name``, ``size``, ``type`` and what the backend knows."""
    entry: dict[str, Any] = {
        "name": name,
        "size": info.size,
        "type": "file",
        "mtime": info.modified_at.timestamp(),
        "modified_at": info.modified_at,
    }
    for key in ("etag", "checksum", "content_type"):
        value = getattr(info, key)
        if value is not None:
            entry[key] = value
    return entry


def directory_entry(name: str) -> dict[str, Any]:
    """The fsspec entry of a folder."""
    return {"name": name, "size": 0, "type": "directory"}
