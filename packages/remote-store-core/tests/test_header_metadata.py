"""User metadata as HTTP headers carry it: reversible RFC 2047 encoding, S3's size count (BACKEND-023)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remote_store import Metadata
from remote_store.backend_tools import decode_metadata, encode_metadata, metadata_size

KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)
VALUES = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)


@pytest.mark.spec("BACKEND-023")
@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_round_trip_gives_back_every_value(metadata: dict[str, str]) -> None:
    encoded = encode_metadata(metadata)
    assert set(encoded) == set(metadata)
    for value in encoded.values():
        assert value.isascii() and value == value.strip() and all(" " <= char <= "~" for char in value)
    assert decode_metadata(encoded) == metadata


@pytest.mark.spec("BACKEND-023")
@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("ana", True),
        ("a b = c; d", True),
        ("", True),
        (" lead", False),
        ("trail ", False),
        ("Café", False),
        ("tab\there", False),
        ("=?UTF-8?B?YQ==?=", False),
        ("looks =? like", False),
    ],
)
def test_only_values_a_header_cannot_carry_are_encoded(value: str, plain: bool) -> None:
    encoded = encode_metadata({"k": value})["k"]
    assert (encoded == value) is plain
    if not plain:
        assert encoded.startswith("=?UTF-8?B?") and encoded.endswith("?=")
    assert decode_metadata({"k": encoded})["k"] == value


@pytest.mark.spec("BACKEND-023")
def test_decoding_reads_what_other_clients_and_servers_encode() -> None:
    headers = {
        "Q-Word": "=?utf-8?q?caf=C3=A9_cr=C3=A8me?=",
        "two-words": "=?UTF-8?B?Q2Fm?= =?UTF-8?B?w6k=?=",
        "latin1": "=?iso-8859-1?q?na=EFve?=",
        "broken": "=?UTF-8?B?***?=",
        "unknown-charset": "=?x-no-such?B?YQ==?=",
        "plain": "as is",
    }
    decoded = decode_metadata(headers)
    assert isinstance(decoded, Metadata)
    assert dict(decoded) == {
        "q-word": "café crème",
        "two-words": "Café",
        "latin1": "naïve",
        "broken": "=?UTF-8?B?***?=",
        "unknown-charset": "=?x-no-such?B?YQ==?=",
        "plain": "as is",
    }
    assert decode_metadata(None) == {} and decode_metadata({}) == {}


@pytest.mark.spec("BACKEND-023")
def test_size_counts_utf8_bytes_of_keys_and_values() -> None:
    assert metadata_size({}) == 0
    assert metadata_size({"ab": "cde"}) == 5
    assert metadata_size({"k": "é"}) == 3
    encoded = encode_metadata({"k": "é" * 10})
    assert metadata_size(encoded) == 1 + len(encoded["k"])
