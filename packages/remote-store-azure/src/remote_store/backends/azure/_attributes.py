"""What a write stores with a blob besides its bytes: content type and user metadata (AZURE-029).

Azure carries metadata as ``x-ms-meta-<name>`` headers whose names MUST be C# identifiers
(letters, digits and ``_``, not starting with a digit), while a remote-store key may hold ``-`` and
start with a digit (STORE-041). Names are therefore escaped reversibly, as .NET's
``XmlConvert.EncodeName`` escapes XML names: each character a C# identifier cannot hold there
becomes ``_xHHHH_`` (its code point in four hex digits), and a ``_`` that starts such a sequence
becomes ``_x005F_``. Names written by other clients hold no such sequence and read back as they
are (lower-cased). Values are ASCII header values, encoded by ``encode_metadata`` (BACKEND-023).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from remote_store import InvalidArgument, Metadata
from remote_store.backend_tools import OperationContext, WriteOptions, decode_metadata, encode_metadata

__all__ = ["MAX_METADATA_SIZE", "Attributes", "attributes", "metadata_name", "read_metadata"]

MAX_METADATA_SIZE = 8 * 1024
"""Azure's limit on a blob's metadata: every name and value together, in bytes (AZURE-029)."""

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclasses.dataclass(frozen=True)
class Attributes:
    """The SDK keywords of one Put Blob or Put Block List: what it stores and its condition.

    Attributes:
        content_type: the blob's ``Content-Type``, or ``None`` for the service's default.
        metadata: the ``x-ms-meta-*`` headers (names escaped, values encoded), or ``None``.
        if_match: the ETag (without quotes) the blob must still have, or ``None``.
    """

    content_type: str | None = None
    metadata: dict[str, str] | None = None
    if_match: str | None = None


def metadata_name(key: str) -> str:
    """The C# identifier that carries the metadata ``key`` as an Azure metadata name."""
    out: list[str] = []
    for index, char in enumerate(key):
        if char == "-" or (index == 0 and char.isdigit()):
            out.append(f"_x{ord(char):04X}_")
        elif char == "_" and _ESCAPE.match(key, index):
            out.append("_x005F_")
        else:
            out.append(char)
    return "".join(out)


def _key(name: str) -> str:
    return _ESCAPE.sub(lambda found: chr(int(found.group(1), 16)), name).lower()


def read_metadata(headers: Mapping[str, str] | None) -> Metadata:
    """The user metadata of a blob as Azure returns it: names unescaped, values decoded."""
    if not headers:
        return decode_metadata(None)
    return decode_metadata({_key(name): value for name, value in headers.items()})


def attributes(context: OperationContext, options: WriteOptions) -> Attributes:
    """The Azure form of a write's validated options, checked against Azure's limits.

    Raises:
        InvalidArgument: the metadata exceeds Azure's 8 KiB as sent (before any request).
    """
    metadata: dict[str, str] | None = None
    if options.metadata is not None:
        metadata = {metadata_name(key): value for key, value in encode_metadata(options.metadata).items()}
        size = sum(len(name) + len(value) for name, value in metadata.items())  # all ASCII by now
        if size > MAX_METADATA_SIZE:
            error = context.error(
                InvalidArgument,
                f"metadata is {size} bytes as sent (names escaped, non-ASCII values encoded), "
                f"over Azure's limit of {MAX_METADATA_SIZE}",
            )
            error.argument = "metadata"
            raise error
    return Attributes(content_type=options.content_type, metadata=metadata, if_match=options.if_match)
