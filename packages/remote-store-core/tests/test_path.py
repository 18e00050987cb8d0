"""RemotePath: the path rules of specs/paths.md, mostly as properties over generated paths."""

from __future__ import annotations

import copy
import pathlib
import pickle

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from remote_store import InvalidPath, RemotePath

CONTROL = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]

# Everything a segment may hold: any character but the separator, the backslash and controls.
# Spaces and a few punctuation marks are drawn often on purpose: they are where bugs hide.
segment_chars = st.one_of(
    st.characters(
        exclude_categories=["Cs"],  # lone surrogates cannot be encoded by any backend's client
        exclude_characters=["/", "\\", *CONTROL],
    ),
    st.sampled_from([" ", ".", "-", "_", "~", "%", ":", "*", "?", "é", "ß", "日", "\u0301", "🙂"]),
)
segments = st.text(segment_chars, min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))
segment_lists = st.lists(segments, min_size=0, max_size=6)
nonempty_segment_lists = st.lists(segments, min_size=1, max_size=6)

FAST = settings(max_examples=300)


def spelled(parts: list[str], trailing: bool) -> str:
    """Valid path text for ``parts``, with the optional single trailing slash."""
    text = "/".join(parts)
    return text + "/" if trailing and text else text


# -- valid paths round-trip ---------------------------------------------------------------------


@pytest.mark.spec("PATH-007", "PATH-009", "PATH-010")
@FAST
@given(parts=segment_lists, trailing=st.booleans())
def test_valid_path_is_kept_verbatim_in_canonical_form(parts: list[str], trailing: bool) -> None:
    text = spelled(parts, trailing)
    path = RemotePath(text)
    canonical = "/".join(parts)
    assert str(path) == canonical
    again = RemotePath(str(path))
    assert again == path and str(again) == canonical
    assert RemotePath(path) == path and str(RemotePath(path)) == canonical
    assert path.parts == tuple(parts)
    assert "/".join(path.parts) == canonical
    assert path.is_root == (not parts)
    assert repr(path) == f"RemotePath({canonical!r})"


@pytest.mark.spec("PATH-010")
@FAST
@given(parts=segment_lists)
def test_name_and_parent_are_consistent(parts: list[str]) -> None:
    path = RemotePath("/".join(parts))
    if not parts:
        assert path.name == "" and path.parent == path
        return
    assert path.name == parts[-1]
    assert path.parent == RemotePath("/".join(parts[:-1]))
    assert path.parent.joinpath(path.name) == path
    assert path.parent / path.name == path


@pytest.mark.spec("PATH-010")
@FAST
@given(parts=segment_lists, data=st.data())
def test_joinpath_and_relative_to_invert_each_other(parts: list[str], data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(parts)))
    base, tail = RemotePath("/".join(parts[:cut])), parts[cut:]
    path = RemotePath("/".join(parts))
    assert base.joinpath(*tail) == path
    assert base.joinpath("/".join(tail)) == path
    assert base / RemotePath("/".join(tail)) == path
    assert path.is_relative_to(base)
    assert path.relative_to(base) == RemotePath("/".join(tail))
    assert path.relative_to(str(base)).parts == tuple(tail)
    assert base.joinpath(path.relative_to(base)) == path


@pytest.mark.spec("PATH-010")
@FAST
@given(first=segments, extra=segments, rest=segment_lists)
def test_is_relative_to_compares_whole_segments(first: str, extra: str, rest: list[str]) -> None:
    longer = RemotePath("/".join([first + extra, *rest]))
    assert not longer.is_relative_to(first)
    with pytest.raises(InvalidPath) as caught:
        longer.relative_to(first)
    assert caught.value.path == str(longer)


@pytest.mark.spec("PATH-010")
def test_navigation_examples() -> None:
    path = RemotePath("reports/2024/q1.csv")
    assert path.parts == ("reports", "2024", "q1.csv")
    assert path.name == "q1.csv"
    assert path.parent == RemotePath("reports/2024")
    assert path.relative_to("reports") == RemotePath("2024/q1.csv")
    assert path.relative_to("") == path
    assert RemotePath("") / "a" / "b/" == RemotePath("a/b")
    assert RemotePath("a").joinpath("", "b") == RemotePath("a/b")
    assert not RemotePath("ab/c").is_relative_to("a")
    assert RemotePath("a").is_relative_to("a") and RemotePath("a").is_relative_to("")
    assert not RemotePath("").is_relative_to("a")


@pytest.mark.spec("PATH-010")
@pytest.mark.parametrize("bad", ["..", "../b", "/b", "b//c", "b\\c", "b\x00", "."])
def test_joinpath_validates_every_part(bad: str) -> None:
    with pytest.raises(InvalidPath):
        RemotePath("a").joinpath("b", bad)
    with pytest.raises(InvalidPath):
        RemotePath("a") / bad


def test_suffix() -> None:
    assert RemotePath("a/b.tar.gz").suffix == ".gz"
    assert RemotePath("a/.bashrc").suffix == ""
    assert RemotePath("a/b.").suffix == ""
    assert RemotePath("a/b").suffix == ""
    assert RemotePath("").suffix == ""


# -- invalid paths are rejected, naming the path and the rule -------------------------------------


def _dotdot(parts: list[str], at: int, trailing: bool) -> str:
    return spelled([*parts[:at], "..", *parts[at:]], trailing)


def _dot(parts: list[str], at: int, trailing: bool) -> str:
    return spelled([*parts[:at], ".", *parts[at:]], trailing)


@st.composite
def broken_paths(draw: st.DrawFn) -> tuple[str, str]:
    """A path breaking exactly one rule, and a phrase the error message must contain."""
    parts = draw(segment_lists)
    trailing = draw(st.booleans())
    rule = draw(st.sampled_from(["dotdot", "dot", "leading", "empty", "control", "backslash"]))
    if rule == "dotdot":
        at = draw(st.integers(0, len(parts)))
        return _dotdot(parts, at, trailing), "'..' segment"
    if rule == "dot":
        at = draw(st.integers(0, len(parts)))
        return _dot(parts, at, trailing), "'.' segment"
    if rule == "leading":
        return "/" + spelled(parts, trailing), "start with '/'"
    if rule == "empty":
        parts = parts or ["a"]
        at = draw(st.integers(1, len(parts)))
        # An empty segment between two others, or a doubled trailing slash.
        text = "/".join([*parts[:at], "", *parts[at:]]) if at < len(parts) else "/".join(parts) + "//"
        return text, "empty segment"
    text = spelled(parts, trailing)
    at = draw(st.integers(0, len(text)))
    if rule == "control":
        bad = draw(st.sampled_from(CONTROL))
        return text[:at] + bad + text[at:], "control character"
    return text[:at] + "\\" + text[at:], "backslash"


@pytest.mark.spec("PATH-002", "PATH-003", "PATH-004", "PATH-005", "PATH-006", "PATH-008")
@settings(max_examples=1000)
@given(case=broken_paths())
def test_broken_path_raises_invalid_path_naming_path_and_rule(case: tuple[str, str]) -> None:
    text, rule = case
    with pytest.raises(InvalidPath) as caught:
        RemotePath(text)
    error = caught.value
    assert error.path == text
    assert rule in error.message
    assert repr(text) in str(error)


@pytest.mark.spec("PATH-004")
@pytest.mark.parametrize("text", ["..", ".", "a/..", "../a", "a/../b", "a/./b", "./a", "a/.", "a/../"])
def test_dot_segments_are_rejected_not_normalized(text: str) -> None:
    with pytest.raises(InvalidPath):
        RemotePath(text)


@pytest.mark.spec("PATH-004", "PATH-007")
@pytest.mark.parametrize("text", ["...", ".hidden", "a..b", "..a", "a/..../b", "a./.b"])
def test_names_that_merely_contain_dots_are_ordinary(text: str) -> None:
    assert str(RemotePath(text)) == text


@pytest.mark.spec("PATH-002", "PATH-003", "PATH-009")
@pytest.mark.parametrize("text", ["/", "//", "/a", "a//", "a//b", "a///b", "//a"])
def test_slash_edge_cases(text: str) -> None:
    with pytest.raises(InvalidPath):
        RemotePath(text)


@pytest.mark.spec("PATH-006")
@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_every_control_character_is_rejected(char: str) -> None:
    for text in (char, f"a{char}", f"a/{char}b", f"{char}/a"):
        with pytest.raises(InvalidPath, match="control character"):
            RemotePath(text)


@pytest.mark.spec("PATH-006", "PATH-007")
@pytest.mark.parametrize("char", [" ", "~", "\u00a0", "\u00ff", "\u2028", "\ufeff"])
def test_characters_next_to_the_control_ranges_are_accepted(char: str) -> None:
    assert str(RemotePath(f"a{char}b")) == f"a{char}b"


@pytest.mark.spec("PATH-001")
@pytest.mark.parametrize(
    "value", [b"a/b", bytearray(b"a"), pathlib.PurePosixPath("a/b"), None, 1, 1.5, ["a", "b"], ("a",)]
)
def test_only_str_or_remote_path_is_accepted(value: object) -> None:
    with pytest.raises(InvalidPath, match="must be a str or RemotePath"):
        RemotePath(value)  # type: ignore[arg-type]


@pytest.mark.spec("PATH-001", "PATH-009")
def test_root() -> None:
    assert RemotePath() == RemotePath("") == RemotePath.root()
    assert RemotePath.root().is_root and str(RemotePath.root()) == ""
    assert RemotePath.root().parts == ()
    assert RemotePath("a/") == RemotePath("a") and str(RemotePath("a/b/")) == "a/b"


# -- accepted text is kept verbatim -------------------------------------------------------------


@pytest.mark.spec("PATH-007")
@pytest.mark.parametrize(
    "text",
    [
        "ファイル/データ.csv",
        " leading/trailing / inner space ",
        "emoji 🙂/ünïcödé",
        "a:b*c?d<e>f|g~h%2Fi#j&k=l+m,n;o'p\"q!r@s$t(u)v[w]x{y}z`",
        "COM1/aux/nul.txt",
        "mixed/Case/MIXED",
    ],
)
def test_unicode_spaces_and_punctuation_are_accepted_verbatim(text: str) -> None:
    path = RemotePath(text)
    assert str(path) == text
    assert path.parts == tuple(text.split("/"))


@pytest.mark.spec("PATH-007")
def test_no_unicode_normalization_or_case_folding() -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert str(RemotePath(decomposed)) == decomposed
    assert RemotePath(composed) != RemotePath(decomposed)
    assert RemotePath("A") != RemotePath("a")
    assert RemotePath("a ") != RemotePath("a")


# -- value semantics ----------------------------------------------------------------------------


@pytest.mark.spec("PATH-011")
@FAST
@given(parts=segment_lists, trailing=st.booleans())
def test_hash_equality_and_pickling(parts: list[str], trailing: bool) -> None:
    path = RemotePath(spelled(parts, trailing))
    same = RemotePath("/".join(parts))
    assert path == same and hash(path) == hash(same)
    assert len({path, same}) == 1
    assert path != str(path)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        loaded = pickle.loads(pickle.dumps(path, protocol))
        assert loaded == path and str(loaded) == str(path) and type(loaded) is RemotePath
    assert copy.deepcopy(path) == path and copy.copy(path) == path


@pytest.mark.spec("PATH-011")
@FAST
@given(a=segment_lists, b=segment_lists)
def test_inequality_follows_text(a: list[str], b: list[str]) -> None:
    assume(a != b)
    assert RemotePath("/".join(a)) != RemotePath("/".join(b))


@pytest.mark.spec("PATH-011")
@settings(max_examples=150)
@given(paths=st.lists(segment_lists, max_size=8))
def test_paths_sort_segment_by_segment(paths: list[list[str]]) -> None:
    built = [RemotePath("/".join(parts)) for parts in paths]
    assert [p.parts for p in sorted(built)] == sorted(p.parts for p in built)


@pytest.mark.spec("PATH-011")
def test_ordering_examples() -> None:
    # As strings "a-b" < "a/b"; as paths the folder "a" comes before the sibling "a-b".
    assert sorted([RemotePath("a-b"), RemotePath("a/b"), RemotePath("a")]) == [
        RemotePath("a"),
        RemotePath("a/b"),
        RemotePath("a-b"),
    ]
    with pytest.raises(TypeError):
        RemotePath("a") < "b"  # type: ignore[operator]  # noqa: B015


@pytest.mark.spec("PATH-011")
def test_immutable() -> None:
    path = RemotePath("a/b")
    with pytest.raises(AttributeError):
        path._text = "c"
    with pytest.raises(AttributeError):
        path.anything = 1
    with pytest.raises(AttributeError):
        del path._text
    assert str(path) == "a/b"


@pytest.mark.spec("PATH-011")
def test_unpickling_revalidates() -> None:
    # A pickle crafted with a forbidden path must not produce a RemotePath that breaks the rules.
    class Forged:
        def __reduce__(self) -> tuple[type[RemotePath], tuple[str]]:
            return (RemotePath, ("../etc",))

    with pytest.raises(InvalidPath):
        pickle.loads(pickle.dumps(Forged()))


@pytest.mark.spec("PATH-012")
@pytest.mark.parametrize("char", ["\ud800", "\udc80", "\udcff", "\udfff"])
def test_lone_surrogates_are_rejected(char: str) -> None:
    for text in (char, f"a{char}b", f"a/{char}"):
        with pytest.raises(InvalidPath, match="lone surrogate") as caught:
            RemotePath(text)
        assert caught.value.path == repr(text)
        str(caught.value).encode("utf-8")  # the message itself is printable


@pytest.mark.spec("PATH-012")
def test_astral_characters_are_not_surrogates() -> None:
    assert str(RemotePath("a/\U0001f642")) == "a/\U0001f642"


# Paths built mostly from the characters the rules are about, so that near misses are common.
_tricky_text = st.text(alphabet=st.sampled_from(list("ab./\\\x00\x1f\x7f\x85é\ud800 ")), max_size=12)


@pytest.mark.spec("PATH-002", "PATH-003", "PATH-004", "PATH-005", "PATH-006", "PATH-012")
@settings(max_examples=3000, deadline=None)
@given(text=st.one_of(_tricky_text, st.text(max_size=12)))
def test_the_fast_canonical_check_agrees_with_the_rules(text: str) -> None:
    # Canonical text skips the rule-by-rule checks: it must be exactly what they accept unchanged.
    from remote_store._path import _CANONICAL, _check

    try:
        checked: str | None = _check(text)
    except InvalidPath:
        checked = None
    fast = _CANONICAL.fullmatch(text) is not None
    assert fast == (checked == text and text != ""), (text, checked)
    if checked is None:
        with pytest.raises(InvalidPath):
            RemotePath(text)
    else:
        assert str(RemotePath(text)) == checked


@pytest.mark.spec("PATH-001", "PATH-009", "PATH-010")
@FAST
@given(text=st.one_of(_tricky_text, segment_lists.map("/".join)))
def test_canonical_path_is_the_text_of_a_remote_path(text: str) -> None:
    from remote_store.backend_tools import canonical_path

    try:
        expected: str | None = str(RemotePath(text))
    except InvalidPath:
        expected = None
    if expected is None:
        with pytest.raises(InvalidPath):
            canonical_path(text)
    else:
        assert canonical_path(text) == expected
        assert canonical_path(RemotePath(text)) == expected
    with pytest.raises(InvalidPath):
        canonical_path(b"bytes")


@pytest.mark.spec("BACKEND-024")
@given(segment_lists, st.one_of(segments, st.text(max_size=6)))
def test_entry_path_matches_remote_path_or_refuses(folder: list[str], name: str) -> None:
    from remote_store.backend_tools import entry_path

    text = "/".join(folder)
    full = f"{text}/{name}" if text else name
    try:
        expected: RemotePath | None = RemotePath(full)
    except InvalidPath:
        expected = None
    if "/" in name or name == "":
        expected = None  # one segment only: a name with a slash is not a listed entry's
    made = entry_path(text, name)
    assert made == expected
    if made is not None:
        assert str(made) == full and made.name == name


@pytest.mark.spec("BACKEND-024")
@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "a\x00b", "tab\there", "\udcff", "del\x7f"])
def test_entry_path_refuses_names_no_segment_can_hold(name: str) -> None:
    from remote_store.backend_tools import entry_path

    assert entry_path("folder", name) is None
    assert entry_path("", name) is None
