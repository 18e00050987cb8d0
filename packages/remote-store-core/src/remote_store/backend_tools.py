"""Helpers for backend authors: the operation context, consuming write content, mapping OS errors.

Application code does not need this module; ``Backend`` implementations do. Everything here is
part of the public, versioned API of ``remote-store-core``.
"""

from ._content import DEFAULT_CHUNK_SIZE, Readable, check_content, iter_chunks
from ._header_metadata import decode_metadata, encode_metadata, metadata_size
from ._models import listed_file
from ._operation import Operation, OperationContext
from ._oserror import map_os_error
from ._path import canonical_path, entry_path, is_segment
from ._registry import ENTRY_POINT_GROUP
from ._secrets import MASK, is_secret_option, masked_options
from ._url import URL_METHODS, check_url_limit
from ._write_options import WriteOptions, check_write_options, etag_value

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ENTRY_POINT_GROUP",
    "MASK",
    "URL_METHODS",
    "Operation",
    "OperationContext",
    "Readable",
    "WriteOptions",
    "canonical_path",
    "check_content",
    "check_url_limit",
    "check_write_options",
    "decode_metadata",
    "encode_metadata",
    "entry_path",
    "etag_value",
    "is_secret_option",
    "is_segment",
    "iter_chunks",
    "listed_file",
    "map_os_error",
    "masked_options",
    "metadata_size",
]
