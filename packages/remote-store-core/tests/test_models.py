"""``backend_tools.is_segment`` and ``listed_file``: a listed file's ``FileInfo`` in one step."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remote_store import FileInfo
from remote_store.backend_tools import entry_path, is_segment, listed_file

names = st.sampled_from(["a.txt", "f00001.bin", "naïve", "x y", ".hidden", "日本", "...", ".~rs-x"])
folders = st.sampled_from(["", "reports", "a/b/c"])
times = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([timezone.utc])
)


@pytest.mark.spec("BACKEND-025")
@given(
    folders, st.one_of(names, st.text(max_size=6), st.sampled_from(["", ".", "..", "a/b", "a\\b", "\x85"]))
)
def test_is_segment_agrees_with_entry_path(folder: str, name: str) -> None:
    assert is_segment(name) is (entry_path(folder, name) is not None)


@pytest.mark.spec("BACKEND-025")
def test_is_segment_refuses_what_is_not_a_str() -> None:
    assert not is_segment(b"a")
    assert not is_segment(None)


@pytest.mark.spec("BACKEND-025")
@given(folders, names, st.integers(min_value=0, max_value=2**63), times)
def test_listed_file_equals_the_constructed_file_info(
    folder: str, name: str, size: int, when: datetime
) -> None:
    path = entry_path(folder, name)
    assert path is not None and is_segment(name)
    made = listed_file(folder, name, size, when)
    expected = FileInfo(path, name, size, when)
    assert type(made) is FileInfo and made.path == path and str(made.path) == str(path)
    assert made == expected and hash(made) == hash(expected) and repr(made) == repr(expected)
    # Every field is an attribute of its own, as the constructor stores them.
    assert vars(made) == vars(expected)
    assert pickle.loads(pickle.dumps(made)) == expected
    assert copy.copy(made) == expected and copy.deepcopy(made) == expected
    assert dataclasses.replace(made, size=size + 1) == FileInfo(path, name, size + 1, when)
    assert dataclasses.asdict(made) == dataclasses.asdict(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.size = 0  # type: ignore[misc]


@pytest.mark.spec("BACKEND-025")
def test_listed_file_refuses_a_naive_time() -> None:
    path = entry_path("", "a.txt")
    assert path is not None
    with pytest.raises(ValueError, match="timezone-aware"):
        listed_file("", "a.txt", 1, datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        FileInfo(path, "a.txt", 1, datetime(2024, 1, 1))
    aware = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    assert listed_file("", "a.txt", 1, aware) == FileInfo(path, "a.txt", 1, aware)
