"""What a write may carry besides its content: content type, user metadata and ``if_match``.

``check_write_options`` validates them once for ``Store`` and for backends called directly: each
one needs its capability (``CapabilityNotSupported`` naming the argument) and a value that every
backend stores and returns the same way (``InvalidArgument`` naming the key or value), all before
any I/O (STORE-038 to STORE-042, BACKEND-022).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from ._capabilities import Capability, CapabilitySet
from ._errors import InvalidArgument
from ._metadata import Metadata
from ._operation import OperationContext

__all__ = ["WriteOptions", "check_write_options", "etag_value"]

_METADATA_KEY = re.compile(r"[a-z0-9_-]+\Z")
_CONTENT_TYPE = re.compile(r"[!-~][ -~]*/[ -~]*[!-~]\Z")
_ETAG = re.compile(r"[!-~]+\Z")


@dataclasses.dataclass(frozen=True)
class WriteOptions:
    """The validated options of one write, as ``check_write_options`` returns them.

    Attributes:
        content_type: the MIME type to store, or ``None``.
        metadata: the user metadata to store (lower-case keys), or ``None`` when not given.
        if_match: the ETag the file must still have (without surrounding quotes), or ``None``.
    """

    content_type: str | None = None
    metadata: Metadata | None = None
    if_match: str | None = None


def check_write_options(
    context: OperationContext,
    capabilities: CapabilitySet,
    *,
    overwrite: bool,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
    if_match: str | None = None,
) -> WriteOptions:
    """Validate a write's options against ``capabilities``, before any I/O.

    Metadata keys are lower-cased (HTTP header names are case-insensitive and S3 returns them
    lower-case); values are any ``str`` (backends that send them as HTTP headers encode them
    reversibly, ``encode_metadata``).

    Raises:
        CapabilityNotSupported: an option is given whose capability (``CONTENT_TYPE``,
            ``USER_METADATA``, ``CONDITIONAL_WRITE``) is not in ``capabilities``; the message
            names the argument.
        InvalidArgument: an option has a value no backend can store, naming the key or value, or
            ``if_match`` is given without ``overwrite=True``.
    """
    for argument, value, capability in (
        ("content_type", content_type, Capability.CONTENT_TYPE),
        ("metadata", metadata, Capability.USER_METADATA),
        ("if_match", if_match, Capability.CONDITIONAL_WRITE),
    ):
        if value is not None and capability not in capabilities:
            raise context.unsupported(capability, argument=argument)
    return WriteOptions(
        content_type=None if content_type is None else _content_type(context, content_type),
        metadata=None if metadata is None else _metadata(context, metadata),
        if_match=None if if_match is None else _if_match(context, if_match, overwrite),
    )


def etag_value(etag: str) -> str:
    """``etag`` without the double quotes HTTP puts around it (``'"abc"'`` gives ``'abc'``)."""
    return etag[1:-1] if len(etag) >= 2 and etag[0] == etag[-1] == '"' else etag


def _invalid(context: OperationContext, argument: str, message: str) -> InvalidArgument:
    error = context.error(InvalidArgument, message)
    error.argument = argument
    return error


def _content_type(context: OperationContext, value: object) -> str:
    if not isinstance(value, str):
        raise _invalid(context, "content_type", f"content_type must be a str, not {type(value).__name__}")
    if not _CONTENT_TYPE.match(value):
        raise _invalid(
            context,
            "content_type",
            f"content_type {value!r} is not a MIME type (type/subtype in printable ASCII, like 'text/csv')",
        )
    return value


def _metadata(context: OperationContext, value: object) -> Metadata:
    if not isinstance(value, Mapping):
        kind = type(value).__name__
        raise _invalid(context, "metadata", f"metadata must be a mapping of str to str, not {kind}")
    items: dict[str, str] = {}
    given: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(key, str):
            kind = type(key).__name__
            raise _invalid(context, "metadata", f"metadata key {key!r} must be a str, not {kind}")
        lowered = key.lower() if key.isascii() else key
        if not _METADATA_KEY.match(lowered):
            raise _invalid(
                context,
                "metadata",
                f"metadata key {key!r} must be ASCII letters, digits, '-' or '_' (HTTP headers carry it)",
            )
        if lowered in items:
            raise _invalid(
                context,
                "metadata",
                f"metadata keys {given[lowered]!r} and {key!r} are the same key (keys are stored lower-case)",
            )
        if not isinstance(text, str):
            raise _invalid(
                context, "metadata", f"metadata value of key {key!r} must be a str, not {type(text).__name__}"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            message = f"metadata value of key {key!r} is not valid Unicode"
            raise _invalid(context, "metadata", message) from None
        items[lowered] = text
        given[lowered] = key
    return Metadata(items)


def _if_match(context: OperationContext, value: object, overwrite: bool) -> str:
    if not isinstance(value, str):
        raise _invalid(context, "if_match", f"if_match must be a str (an ETag), not {type(value).__name__}")
    if not overwrite:
        raise _invalid(
            context,
            "if_match",
            "if_match replaces an existing file: it needs overwrite=True (overwrite=False creates a new one)",
        )
    bare = etag_value(value)
    if not _ETAG.match(bare):
        raise _invalid(context, "if_match", f"if_match {value!r} is not an ETag (printable ASCII, no spaces)")
    return bare
