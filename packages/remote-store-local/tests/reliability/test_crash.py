"""Crash safety of the local backend: writers killed with SIGKILL lose nothing and show nothing torn.

CI: 1,000 kills (about 30 s on 2 cores); ``REMOTE_STORE_SOAK=1``: 20,000;
``REMOTE_STORE_CRASH_KILLS=N`` sets the number.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from remote_store import BackendUnavailable, InvalidPath, NotFound, Store
from remote_store.backends.local import LocalBackend
from remote_store_conformance.reliability import budget

from ._crash import count_litter, run_campaign

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="the crash harness forks writers (POSIX only)"
)


@pytest.mark.spec("GUAR-001", "GUAR-002", "GUAR-003", "GUAR-004")
def test_sigkilled_writers_leave_whole_files(tmp_path: Path, figures: dict[str, Any]) -> None:
    kills = budget(1_000, 20_000, "REMOTE_STORE_CRASH_KILLS")
    root = str(tmp_path / "root")
    report = run_campaign(root, kills, seed=20240611)
    figures.update(
        kills=report.kills,
        checks=report.checks,
        operations_completed=report.operations_completed,
        interrupted=dict(sorted(report.interrupted.items())),
        temp_litter=report.temp_litter,
        empty_folders=report.empty_folders,
        link_ring_duplicates=report.link_ring_duplicates,
    )
    assert not report.problems, "\n".join(report.problems[:20])
    assert report.kills == kills
    # The kills must have landed inside the operations under test, not only at start-up.
    for operation in ("write_atomic", "write", "stage+move", "ring-rename", "ring-link", "copy"):
        assert report.interrupted[operation] > 0, f"no kill interrupted {operation}: {report.interrupted}"


@pytest.mark.spec("GUAR-004", "LOCAL-024")
def test_crash_litter_is_invisible_and_deletable(tmp_path: Path, figures: dict[str, Any]) -> None:
    root = tmp_path / "root"
    report = run_campaign(str(root), budget(200, 2_000), seed=7, check_every=50)
    assert not report.problems, "\n".join(report.problems[:20])
    temps, empty, paths = count_litter(str(root))
    figures.update(kills=report.kills, temp_litter=temps, empty_folders=empty)
    # Killed writers do leave temporary files behind, until remove_temp_files sweeps them.
    assert temps > 0, "no temporary file was left: the kills did not land inside writes"
    store = Store(LocalBackend(root=root))
    for temp in paths:
        relative = Path(temp).relative_to(root).as_posix()
        folder = relative.rsplit("/", 1)[0] if "/" in relative else ""
        assert not store.exists(relative)
        assert not store.is_file(relative)
        with pytest.raises(NotFound):
            store.read_bytes(relative)
        with pytest.raises(NotFound):
            store.get_file_info(relative)
        with pytest.raises(InvalidPath):
            store.write(relative, b"x")
        assert relative not in {str(info.path) for info in store.list_files(folder)}
    # A folder whose only entries are litter is empty: non-recursive delete_folder removes it.
    litter_only = root / "litter-only"
    litter_only.mkdir()
    for temp in paths[:3]:
        os.link(temp, litter_only / os.path.basename(temp))
    assert list(store.list_files("litter-only")) == []
    store.delete_folder("litter-only")
    assert not litter_only.exists()
    # The sweep removes every piece of litter once idle long enough, and nothing else.
    files_before = sorted(str(info.path) for info in store.list_files("", recursive=True))
    backend = store.backend
    assert isinstance(backend, LocalBackend)
    assert backend.remove_temp_files(older_than=3600) == 0  # all of it is fresh
    assert backend.remove_temp_files(older_than=0) == temps
    assert count_litter(str(root))[0] == 0
    assert sorted(str(info.path) for info in store.list_files("", recursive=True)) == files_before
    figures.update(litter_removed=temps)


@pytest.mark.spec("GUAR-005")
@pytest.mark.skipif(sys.platform != "linux", reason="checks the order of Linux system calls")
@pytest.mark.usefixtures("proc_link")  # records the publishing os.link
def test_write_atomic_is_durable_before_it_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # SIGKILL cannot lose the page cache; a power cut can. What survives it is what was fsynced
    # before the call returned: the file's data before it was published, its folder after.
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_link = os.fsync, os.replace, os.link

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def where(name: Any, folder: int | None) -> str:
        # The backend names entries relative to open folder descriptors (LOCAL-018).
        return str(name) if folder is None else os.path.join(os.readlink(f"/proc/self/fd/{folder}"), name)

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        events.append(("publish", where(dst, kwargs.get("dst_dir_fd"))))
        real_replace(src, dst, **kwargs)

    def link(src: Any, dst: Any, **kwargs: Any) -> None:
        events.append(("publish", where(dst, kwargs.get("dst_dir_fd"))))
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "link", link)
    root = tmp_path / "root"
    store = Store(LocalBackend(root=root))
    for overwrite in (False, True):
        events.clear()
        store.write_atomic("d/file", b"payload", overwrite=overwrite)
        target = str(root / "d" / "file")
        kinds = [kind for kind, _ in events]
        assert kinds == ["fsync", "publish", "fsync"], events
        synced = os.path.basename(events[0][1])
        # A named temporary file, or (a create, with O_TMPFILE) one that has no name yet.
        temporary = synced.startswith(".~rs-") or (synced.startswith("#") and synced.endswith(" (deleted)"))
        assert temporary, f"the data must be synced before publishing: {events}"
        assert events[1][1] == target
        assert events[2][1] == str(root / "d"), "the folder entry must be synced after publishing"


@pytest.mark.spec("GUAR-006")
@pytest.mark.parametrize(
    "failure", [RuntimeError("source broke"), KeyboardInterrupt(), OSError(errno.EIO, "EIO")]
)
@pytest.mark.parametrize("operation", ["write", "write_atomic"])
def test_failed_write_leaves_the_old_file_and_no_litter(
    tmp_path: Path, operation: str, failure: BaseException
) -> None:
    root = tmp_path / "root"
    store = Store(LocalBackend(root=root))
    store.write("keep/file", b"old content")

    class Broken:
        def __init__(self) -> None:
            self.sent = 0

        def read(self, size: int = -1) -> bytes:
            if self.sent >= 3 * 65536:
                raise failure
            self.sent += 65536
            return b"n" * 65536

    # The stream's own exceptions pass unchanged; an OSError of the stream is mapped like any other.
    expected: type[BaseException] = BackendUnavailable if isinstance(failure, OSError) else type(failure)
    for target in ("keep/file", "new/deeper/file"):
        with pytest.raises(expected):
            getattr(store, operation)(target, Broken(), overwrite=True)
        assert store.read_bytes("keep/file") == b"old content"
        assert not (root / "new").exists(), "folders made for the failed write must be removed"
        temps, _, _ = count_litter(str(root))
        assert temps == 0
