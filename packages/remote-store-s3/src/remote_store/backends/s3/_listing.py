"""ListObjectsV2 answers read by a parser of ours instead of botocore's generic one (S3-037, S3-038).

botocore turns each XML element of an answer into a dict entry through its shape model and parses
every timestamp with dateutil: for a page of 1,000 keys that is most of a listing's client CPU.
Here the C tree builder of ``xml.etree.ElementTree`` reads the page (the fastest of the stdlib
parsers measured: ``XMLPullParser`` and ``expat`` with Python callbacks were 1.7x to 3x slower),
and only the four fields a listing uses are taken from each entry.

The parser runs inside botocore's request, from a ``before-parse`` handler registered on the one
client (``install``): credentials, signing, endpoint resolution, retries and the parsing of error
answers stay botocore's. A successful answer's body is parsed here and replaced with nothing, so
botocore's own parser has nothing left to do; the page travels in the response under ``PAGE``.
A body that is no XML, or an S3 ``<Error>`` document sent with status 200, is left to botocore,
whose check makes it a 500 that its retries then handle, as for any other S3 answer.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from typing import Any, NamedTuple
from urllib.parse import unquote

from ._timestamps import parse_timestamp

__all__ = [
    "PAGE",
    "ListedObject",
    "ListingPage",
    "MalformedListing",
    "NotAListing",
    "install",
    "parse_listing",
]

PAGE = "RemoteStoreListingPage"
"""The key of the parsed response under which the handler leaves the ``ListingPage``."""

_EVENT = "before-parse.s3.*"
_OPERATION = "ListObjectsV2"


class MalformedListing(ValueError):
    """A successful ListObjectsV2 answer whose body is not a listing (malformed or truncated XML, ...)."""


class NotAListing(MalformedListing):
    """The body is not well-formed XML (a truncated body, ...) or it is an S3 ``<Error>`` document."""


class ListedObject(NamedTuple):
    """One ``Contents`` entry: the key (URL-decoded where the server encoded it), size, time (UTC), ETag."""

    key: str
    size: int
    last_modified: datetime
    etag: str | None


@dataclasses.dataclass(frozen=True)
class ListingPage:
    """One ListObjectsV2 page: its objects and common prefixes, and where the next page starts.

    Attributes:
        objects: the ``Contents`` entries, in the server's order.
        prefixes: the ``CommonPrefixes`` (with their trailing delimiter), in the server's order.
        truncated: ``IsTruncated``: more pages follow.
        next_token: ``NextContinuationToken``, as sent (never URL-decoded: it goes back as is).
    """

    objects: list[ListedObject]
    prefixes: list[str]
    truncated: bool
    next_token: str | None


def parse_listing(body: bytes) -> ListingPage:
    """The page that the XML ``body`` of a successful ListObjectsV2 answer describes.

    Keys and prefixes are URL-decoded when the answer says ``<EncodingType>url</EncodingType>``
    (where it says so does not matter). An empty body is an empty, final page.

    Raises:
        NotAListing: ``body`` is not well-formed XML, or it is an S3 ``<Error>`` document.
        MalformedListing: the root is not ``ListBucketResult``, or an entry has no key, a size
            that is not a number or a time that is not one.
    """
    if not body.strip():
        return ListingPage([], [], truncated=False, next_token=None)
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise NotAListing(f"not well-formed XML: {error}") from error
    tag = root.tag
    namespace = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
    if tag == "Error":
        raise NotAListing("an S3 error document")
    if tag[len(namespace) :] != "ListBucketResult":
        raise MalformedListing(f"the root element is <{tag[len(namespace) :]}>, not <ListBucketResult>")
    key_tag, size_tag, time_tag, etag_tag = (
        namespace + name for name in ("Key", "Size", "LastModified", "ETag")
    )
    encoded = root.findtext(namespace + "EncodingType") == "url"
    objects: list[ListedObject] = []
    append = objects.append
    times: dict[str, datetime] = {}  # keys written together share their LastModified text
    for entry in root.iterfind(namespace + "Contents"):
        key = entry.findtext(key_tag)
        if key is None:
            raise MalformedListing("an entry of Contents has no Key")
        size = entry.findtext(size_tag) or ""
        if not size.isdigit():
            raise MalformedListing(f"an entry of Contents has a Size that is not a number: {size!r}")
        if encoded:
            key = _decoded(key)
        text = entry.findtext(time_tag) or ""
        moment = times.get(text)
        if moment is None:
            moment = times[text] = listed_time(text)
        append(ListedObject(key, int(size), moment, entry.findtext(etag_tag)))
    prefixes = [
        entry.findtext(namespace + "Prefix") or "" for entry in root.iterfind(namespace + "CommonPrefixes")
    ]
    if encoded:
        prefixes = [_decoded(prefix) for prefix in prefixes]
    return ListingPage(
        objects,
        prefixes,
        truncated=(root.findtext(namespace + "IsTruncated") or "").strip().lower() == "true",
        next_token=root.findtext(namespace + "NextContinuationToken") or None,
    )


def listed_time(text: str) -> datetime:
    """The UTC time of a listing's ``LastModified`` (``parse_timestamp``).

    Raises:
        MalformedListing: ``text`` is no time that botocore can read either.
    """
    try:
        moment = parse_timestamp(text)
    except ValueError as error:
        raise MalformedListing(f"LastModified {text!r} is not a time") from error
    if moment.tzinfo is timezone.utc:  # S3's own form: nothing to convert
        return moment
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _decoded(text: str) -> str:
    """``text`` URL-decoded as botocore decodes listings (``unquote_plus``: ``+`` is a space).

    Most keys hold no escape but ``%2F`` (S3 encodes every ``/``): those skip ``unquote``. A
    ``/`` cannot start an escape, so replacing ``%2F`` first never changes what ``unquote`` gives.
    """
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    text = text.replace("%2F", "/")
    return unquote(text) if "%" in text else text


def _parse_answer(
    operation_model: Any, response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """``before-parse`` handler: parse a successful listing's body here, leave other answers to botocore."""
    if operation_model.name != _OPERATION or response_dict.get("status_code", 0) >= 300:
        return
    try:
        page = parse_listing(response_dict.get("body") or b"")
    except NotAListing:
        return  # botocore's 200-error check, next, makes it a 500 that its retries handle
    customized_response_dict[PAGE] = page
    response_dict["body"] = b""  # nothing left for botocore's parser or its 200-error check


def install(events: Any) -> None:
    """Make the client whose event system is ``events`` parse its ListObjectsV2 answers here.

    The handler must run before botocore's check for errors sent with status 200, which parses
    every S3 answer's body once more (as much CPU again as this parser): handlers of
    ``before-parse.s3.*`` run before those of a single operation, so the handler is registered
    there, first, and botocore's check is moved behind it (on this client only). Where this
    botocore has no such check under the known name, the handler just runs first.
    """
    from botocore import handlers

    events.register_first(_EVENT, _parse_answer, unique_id="remote-store-s3-listing")
    for event, handler, *_ in handlers.BUILTIN_HANDLERS:
        if event == _EVENT and getattr(handler, "__name__", "") == "_handle_200_error":
            events.unregister(_EVENT, handler)
            events.register_first(_EVENT, handler)
