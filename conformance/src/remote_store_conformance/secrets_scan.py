"""Scanning for secrets: capture every text a run shows, then search it for the secrets.

The guarantee checked (specs/guarantees.md, GUAR-012): no ``repr``/``str`` of an object handed
out, no log record and no error (with its causes and traceback) shows a secret option's value. A
test configures a backend with recognisable secrets, runs calls through a ``Recorder`` (which
keeps the texts of what they return and raise) while ``capture_logs`` keeps every log record at
DEBUG, then asserts ``leaks(texts, secrets)`` is empty. ``store_calls`` is a battery of every
``Store`` operation, with its usual failures, to run through the recorder.

A scan is only worth something if it would find a leak: each scanning test module should also
show one being found, which ``check_the_scan(secrets)`` does (it fails if the scan misses one).

Import this module by its path (``remote_store_conformance.secrets_scan``); the package's
``__init__`` does not re-export it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from remote_store import RemoteStoreError, Store

__all__ = ["LogCapture", "Recorder", "capture_logs", "check_the_scan", "error_texts", "leaks", "store_calls"]


class LogCapture(logging.Handler):
    """A logging handler keeping ``(logger name, formatted text)`` of every record it sees.

    The text is ``"<logger> <LEVEL> <message>"`` followed by the formatted traceback of the
    record's exception, if any: what a log file would show.

    Args:
        level: the lowest level kept.
    """

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level=level)
        self.records: list[tuple[str, str]] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's logger name and formatted text."""
        self.records.append((record.name, self.format(record)))

    @property
    def texts(self) -> list[str]:
        """The formatted texts of the records, in the order they were logged."""
        return [text for _, text in self.records]


@contextlib.contextmanager
def capture_logs(level: int = logging.DEBUG) -> Iterator[LogCapture]:
    """Attach a ``LogCapture`` to the root logger, lowered to ``level``, for the ``with`` block.

    Every logger that propagates (the default) reaches it. The root logger's level and handlers
    are restored afterwards.
    """
    handler = LogCapture(level)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def error_texts(error: BaseException) -> list[str]:
    """Every text ``error`` can show, with its causes: traceback, ``str``, ``repr``, attributes.

    That is its formatted traceback, and the ``str``, ``repr`` and attributes (``__dict__``) of it
    and of each cause or context Python would print with it. As Python's own traceback printing
    does, a context suppressed by ``raise ... from None`` is not followed: it is shown nowhere.
    """
    texts = ["".join(traceback.format_exception(type(error), error, error.__traceback__))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(getattr(current, "__dict__", {}))]
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return texts


class Recorder:
    """Runs calls, keeping the ``repr``/``str`` of what they return and the texts of what they raise.

    Attributes:
        texts: every text kept so far.
        calls: how many calls ``call`` ran.
        errors: how many of them raised.
    """

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.calls = 0
        self.errors = 0

    def show(self, *objects: object) -> None:
        """Keep the ``repr`` and ``str`` of each object."""
        for item in objects:
            self.texts += [repr(item), str(item)]

    def call(self, action: Callable[[], object]) -> Any:
        """Run ``action`` and keep the texts of its result, or of its error; return the result.

        A result with a ``read`` method (a stream) is read to its end inside a ``with`` block and
        an iterator is listed first, so that their errors are raised here and their content is
        what is kept. An ``Exception`` is counted in ``errors``, its ``error_texts`` kept, and
        ``None`` returned; anything else (``KeyboardInterrupt``) propagates.
        """
        self.calls += 1
        try:
            result: Any = action()
            if hasattr(result, "read"):
                with result as stream:
                    result = stream.read()
            elif hasattr(result, "__next__"):
                result = list(result)
        except Exception as error:  # noqa: BLE001 - every error is scanned
            self.errors += 1
            self.texts += error_texts(error)
            return None
        self.show(result)
        return result

    def call_all(self, actions: Iterable[Callable[[], object]]) -> int:
        """``call`` each action in turn; return how many were run."""
        count = 0
        for action in actions:
            self.call(action)
            count += 1
        return count


def leaks(texts: Iterable[str], secrets: Mapping[str, str]) -> list[str]:
    """One ``"<secret name> in: <text, cut to 300 characters>"`` line per text holding a secret.

    Args:
        texts: the texts to search.
        secrets: the secrets by a name that does not give them away (``"session token"``).
    """
    return [
        f"{name} in: {text[:300]}" for text in texts for name, secret in secrets.items() if secret in text
    ]


def check_the_scan(secrets: Mapping[str, str]) -> None:
    """Show that the scan finds leaks: each secret, logged at DEBUG and quoted by a raised error.

    Each secret is logged through a ``remote_store`` logger inside ``capture_logs``, and a
    ``RemoteStoreError`` quoting it is raised from ``ValueError`` through ``Recorder.call``; then
    ``leaks`` must find every secret both in the captured log and in the recorder's texts.

    Raises:
        AssertionError: the scan missed a secret (it would prove nothing); names the secret.
    """
    recorder = Recorder()
    with capture_logs() as capture:
        for name, secret in secrets.items():
            logging.getLogger("remote_store.scan_check").debug("%s=%s", name, secret)
            recorder.call(functools.partial(_raise_quoting, name, secret))
    for where, texts in (("the log", capture.texts), ("the errors", recorder.texts)):
        for name, secret in secrets.items():
            if not leaks(texts, {name: secret}):
                raise AssertionError(f"the scan did not find the {name} in {where}")


def _raise_quoting(name: str, secret: str) -> None:
    try:
        raise ValueError(f"{name} {secret} rejected")
    except ValueError as error:
        raise RemoteStoreError(f"bad {name}: {secret}") from error


def store_calls(store: Store, *, files: int = 20, folders: int = 3) -> list[Callable[[], object]]:
    """A battery of calls using every ``Store`` operation, with the failures each usually has.

    For each of ``files`` paths (``dir<i % folders>/file<i>.txt``): create, create again
    (``AlreadyExists``), replace atomically from a stream, read whole and as a stream, file info,
    copy, move, delete / read / copy a missing file (``NotFound``), write below a file (refused
    where files and folders conflict), a path leaving the root (``InvalidPath``), text instead of
    bytes (``InvalidContent``). Then listings, folder info, deleting a full folder
    (``DirectoryNotEmpty``), a recursive delete and a missing folder (``NotFound``).

    The calls are only built here; run them in order, e.g. with ``Recorder.call_all``. The store
    needs every capability but ``ATOMIC_MOVE``.
    """
    calls: list[Callable[[], object]] = []
    for index in range(files):
        calls += _calls_for(store, f"dir{index % folders}/file{index}.txt")
    calls += [
        lambda: store.list_files("", recursive=True),
        lambda: store.list_folders(""),
        lambda: store.get_folder_info(""),
        lambda: store.delete_folder("dir0"),  # DirectoryNotEmpty
        lambda: store.delete_folder("dir0", recursive=True),
        lambda: store.delete_folder("nowhere"),  # NotFound
        lambda: store.exists("dir1"),
        lambda: store.is_folder("dir1"),
    ]
    return calls


def _calls_for(store: Store, path: str) -> list[Callable[[], object]]:
    not_bytes: Any = "text"
    return [
        lambda: store.write(path, b"content"),
        lambda: store.write(path, b"again"),  # AlreadyExists
        lambda: store.write_atomic(path, io.BytesIO(b"new"), overwrite=True),
        lambda: store.read_bytes(path),
        lambda: store.read(path),
        lambda: store.get_file_info(path),
        lambda: store.copy(path, path + ".copy", overwrite=True),
        lambda: store.move(path + ".copy", path + ".moved", overwrite=True),
        lambda: store.delete(path + ".missing"),  # NotFound
        lambda: store.read_bytes(path + ".missing"),  # NotFound
        lambda: store.copy(path + ".missing", "x"),  # NotFound
        lambda: store.write(path + "/below", b"x"),  # InvalidPath where a file cannot hold files
        lambda: store.read_bytes("../" + path),  # InvalidPath
        lambda: store.write(path, not_bytes),  # InvalidContent
    ]
