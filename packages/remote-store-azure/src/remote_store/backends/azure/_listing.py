"""The List Blobs request and a lean parse of its XML answer (AZURE-035).

The SDK turns each page of 5,000 blobs into generated model objects and then into ``BlobProperties``
(about 25 attributes each, a date parsed per blob); that deserialisation, not the server, was most of
a listing's time. Here the page is requested through the container client's own pipeline (its
authentication, retries, hooks and transport) and its body read with ``xml.etree``, taking only what
``Blob`` holds. Like the SDK, a name sent ``Encoded="true"`` (one holding characters XML cannot
carry) is percent-decoded.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element, fromstring

from remote_store import Metadata

from ._attributes import read_metadata

__all__ = ["Blob", "Page", "is_directory", "list_blobs_query", "parse_list_blobs"]


@dataclasses.dataclass(frozen=True)
class Blob:
    """What Azure tells about one blob: its full name, size, time, ETag, content type and metadata.

    ``metadata`` is empty in listings, which do not ask for it. ``is_directory``: the blob is a
    directory of an HNS account (metadata ``hdi_isfolder=true``; known from Get Blob Properties,
    and from listings that asked for metadata).
    """

    name: str
    size: int
    modified_at: datetime
    etag: str | None
    content_type: str | None
    metadata: Metadata = dataclasses.field(default_factory=Metadata)
    is_directory: bool = False


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of a listing: the blobs, and the prefixes that end at the delimiter (with their ``/``)."""

    blobs: list[Blob]
    prefixes: list[str]


def is_directory(metadata: dict[str, str]) -> bool:
    """True for the metadata of an HNS directory (``hdi_isfolder=true``, any case of the key)."""
    return any(key.lower() == "hdi_isfolder" and value.lower() == "true" for key, value in metadata.items())


def list_blobs_query(
    prefix: str, *, delimiter: bool, page_size: int, metadata: bool, marker: str | None
) -> str:
    """The query string of one List Blobs request (``restype=container&comp=list&...``), percent-encoded."""
    params = [("restype", "container"), ("comp", "list")]
    if prefix:
        params.append(("prefix", prefix))
    if delimiter:
        params.append(("delimiter", "/"))
    if marker:
        params.append(("marker", marker))
    params.append(("maxresults", str(page_size)))
    if metadata:
        params.append(("include", "metadata"))
    return "&".join(f"{key}={quote(value, safe='')}" for key, value in params)


def parse_list_blobs(body: bytes) -> tuple[Page, str | None]:
    """The page of a List Blobs answer ``body`` and its continuation marker (``None``: the last page).

    Raises:
        xml.etree.ElementTree.ParseError: ``body`` is not XML.
        ValueError: an entry lacks its name, or a size or time is malformed.
    """
    root = fromstring(body)
    blobs: list[Blob] = []
    prefixes: list[str] = []
    times: dict[str, datetime] = {}  # blobs written together share a time: parse each text once
    listed = root.find("Blobs")
    for entry in listed if listed is not None else ():
        if entry.tag == "Blob":
            blobs.append(_blob(entry, times))
        elif entry.tag == "BlobPrefix":
            prefixes.append(_name(entry))
    marker = root.findtext("NextMarker")
    return Page(blobs, prefixes), marker or None


def _name(entry: Element) -> str:
    name = entry.find("Name")
    if name is None or not name.text:
        raise ValueError("a List Blobs entry without a name")
    if name.get("Encoded", "").lower() == "true":
        return unquote(name.text)
    return name.text


def _blob(entry: Element, times: dict[str, datetime]) -> Blob:
    size = 0
    modified_text = ""
    etag: str | None = None
    content_type: str | None = None
    properties = entry.find("Properties")
    for item in properties if properties is not None else ():
        tag = item.tag
        if tag == "Content-Length":
            size = int(item.text or 0)
        elif tag == "Last-Modified":
            modified_text = item.text or ""
        elif tag == "Etag":
            etag = (item.text or "").strip('"') or None
        elif tag == "Content-Type":
            content_type = item.text or None
    modified = times.get(modified_text)
    if modified is None:
        modified = times[modified_text] = _time(modified_text)
    stored = entry.find("Metadata")
    metadata = {item.tag: item.text or "" for item in stored} if stored is not None else {}
    return Blob(
        name=_name(entry),
        size=size,
        modified_at=modified,
        etag=etag,
        content_type=content_type,
        metadata=read_metadata(metadata),
        is_directory=is_directory(metadata),
    )


def _time(text: str) -> datetime:
    """An RFC 1123 time (``Mon, 07 Dec 2026 13:00:00 GMT``), in UTC."""
    if not text:
        raise ValueError("a List Blobs entry without Last-Modified")
    modified = parsedate_to_datetime(text)
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=timezone.utc)
    return modified.astimezone(timezone.utc)
