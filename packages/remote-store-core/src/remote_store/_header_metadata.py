"""User metadata as HTTP headers carry it: values encoded reversibly (RFC 2047), sizes counted.

HTTP header values are ASCII, and servers trim the spaces around them. A value that would not
survive that (non-ASCII characters, control characters, spaces at either end) or that a server
would decode itself (one holding ``=?``, an RFC 2047 encoded word: S3 decodes those on write) is
sent as one encoded word, ``=?UTF-8?B?<base64 of its UTF-8>?=``; every other value is sent as is.
Reading decodes any value that is made of encoded words (also S3's own ``Q`` encoding), so a
round trip gives back exactly the ``str`` written (STORE-040).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from ._metadata import EMPTY_METADATA, Metadata

__all__ = ["decode_metadata", "encode_metadata", "metadata_size"]

_PLAIN = re.compile(r"([!-~]([ -~]*[!-~])?)?\Z")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=")
_ENCODED_VALUE = re.compile(rf"{_ENCODED_WORD.pattern}(\s+{_ENCODED_WORD.pattern})*\Z")


def encode_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """The header values that carry ``metadata``: plain ASCII as is, anything else RFC 2047-encoded."""
    return {key: _encode(value) for key, value in metadata.items()}


def decode_metadata(headers: Mapping[str, str] | None) -> Metadata:
    """The user metadata read back from header values: keys lower-cased, encoded words decoded."""
    if not headers:
        return EMPTY_METADATA
    return Metadata({key.lower(): _decode(value) for key, value in headers.items()})


def metadata_size(encoded: Mapping[str, str]) -> int:
    """Bytes of the UTF-8 of every key and value, as S3 counts user metadata against its 2 KiB."""
    return sum(len(key.encode("utf-8")) + len(value.encode("utf-8")) for key, value in encoded.items())


def _encode(value: str) -> str:
    if _PLAIN.match(value) and "=?" not in value:
        return value
    return "=?UTF-8?B?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


def _decode(value: str) -> str:
    if not _ENCODED_VALUE.match(value):
        return value
    parts: list[str] = []
    for charset, kind, text in _ENCODED_WORD.findall(value):
        try:
            raw = base64.b64decode(text, validate=True) if kind in "Bb" else _q_decode(text)
            parts.append(raw.decode(charset))
        except (binascii.Error, LookupError, UnicodeDecodeError, ValueError):
            return value  # not ours, and not decodable: the value as the server gave it
    return "".join(parts)


def _q_decode(text: str) -> bytes:
    out = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "_":
            out.append(0x20)
        elif char == "=":
            out.append(int(text[index + 1 : index + 3], 16))
            index += 2
        else:
            out.append(ord(char))
        index += 1
    return bytes(out)
