"""The hierarchical-namespace seam against the DFS facade over Azurite (AZURE-031 to AZURE-033)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _azure_helpers import RequestLog
from azure.storage.blob import ContainerClient

from remote_store import AlreadyExists, Capability, DirectoryNotEmpty, InvalidPath, NotFound
from remote_store.backends.azure import AzureBackend


def _dfs(log: RequestLog) -> list[tuple[str, dict[str, str]]]:
    """The DFS requests sent: (kind, headers)."""
    found = []
    for (kind, _, headers), query in zip(log.requests, log.queries, strict=True):
        if "x-ms-rename-source" in headers:
            found.append(("rename", headers))
        elif kind == "DELETE" and "recursive" in query:
            found.append((f"delete recursive={query['recursive']}", headers))
    return found


@pytest.mark.spec("AZURE-032")
def test_move_is_one_conditional_rename(
    make_hns_backend: Callable[..., AzureBackend], hns_facade: Any
) -> None:
    backend = make_hns_backend()
    backend.write("a/one.txt", b"1")
    log = RequestLog(backend)
    backend.move("a/one.txt", "b/c/two.txt")
    assert log.kinds == ["HEAD", "PUT"]
    ((kind, headers),) = _dfs(log)
    assert kind == "rename" and headers["if-none-match"] == "*"
    assert headers["x-ms-rename-source"].endswith("/a/one.txt")
    assert backend.read_bytes("b/c/two.txt") == b"1"
    assert not backend.is_file("a/one.txt")
    assert backend.is_folder("a") and backend.is_folder("b/c")  # real directories stay and appear


@pytest.mark.spec("AZURE-032")
def test_a_taken_destination_is_refused_atomically(
    make_hns_backend: Callable[..., AzureBackend], hns_facade: Any
) -> None:
    backend = make_hns_backend()
    backend.write("src.txt", b"new")
    backend.write("dst.txt", b"old")
    with pytest.raises(AlreadyExists) as caught:
        backend.move("src.txt", "dst.txt")
    assert caught.value.path == "dst.txt" and caught.value.operation == "move"
    assert isinstance(caught.value.__cause__, Exception)
    assert hns_facade.dfs_calls[-1][2:] == (412, "ConditionNotMet")
    assert backend.read_bytes("dst.txt") == b"old" and backend.read_bytes("src.txt") == b"new"
    log = RequestLog(backend)
    backend.move("src.txt", "dst.txt", overwrite=True)
    ((_, headers),) = _dfs(log)
    assert "if-none-match" not in headers
    assert backend.read_bytes("dst.txt") == b"new" and not backend.is_file("src.txt")


@pytest.mark.spec("AZURE-032")
def test_moving_what_is_no_file_is_not_found(
    make_hns_backend: Callable[..., AzureBackend], hns_facade: Any
) -> None:
    backend = make_hns_backend()
    backend.write("d/inner.txt", b"x")
    for source in ("absent.txt", "d"):
        with pytest.raises(NotFound) as caught:
            backend.move(source, "elsewhere.txt")
        assert caught.value.path == source
    with pytest.raises(InvalidPath):
        backend.move("d/inner.txt", "d/inner.txt")
    assert backend.is_file("d/inner.txt") and not backend.exists("elsewhere.txt")


@pytest.mark.spec("AZURE-032")
def test_a_source_gone_before_the_rename_is_not_found(
    make_hns_backend: Callable[..., AzureBackend], hns_facade: Any
) -> None:
    # The rename itself answers 404 SourcePathNotFound when the file vanished after the check.
    backend = make_hns_backend()
    backend.write("gone.txt", b"x")
    dfs = backend._dfs
    ctx = backend.context(backend_tools_operation("move"), "gone.txt")
    backend.delete("gone.txt")
    with pytest.raises(NotFound) as caught:
        dfs.rename(ctx, "gone.txt", "there.txt", replace=False)
    assert caught.value.path == "gone.txt"
    assert hns_facade.dfs_calls[-1][2:] == (404, "SourcePathNotFound")


def backend_tools_operation(name: str) -> Any:
    from remote_store.backend_tools import Operation

    return Operation(name)


@pytest.mark.spec("AZURE-033")
def test_delete_folder_is_one_dfs_delete(
    make_hns_backend: Callable[..., AzureBackend], hns_facade: Any, container: ContainerClient
) -> None:
    backend = make_hns_backend()
    for name in ("t/a.txt", "t/b/c.txt", "t/b/d/e.txt", "keep.txt"):
        backend.write(name, b"x")
    with pytest.raises(DirectoryNotEmpty):
        backend.delete_folder("t")
    assert hns_facade.dfs_calls[-1][2:] == (409, "DirectoryNotEmpty")
    log = RequestLog(backend)
    backend.delete_folder("t", recursive=True)
    assert [kind for kind, _ in _dfs(log)] == ["delete recursive=true"]
    assert log.kinds == ["HEAD", "DELETE"]
    assert [blob.name for blob in container.list_blobs()] == ["keep.txt"]
    with pytest.raises(NotFound):
        backend.delete_folder("t")
    backend.delete_folder("t", missing_ok=True)
    # A directory deleted between the check and the DFS delete: 404 PathNotFound, nothing to delete.
    ctx = backend.context(backend_tools_operation("delete_folder"), "t")
    assert backend._dfs.delete_directory(ctx, "t", recursive=False) is False
    assert hns_facade.dfs_calls[-1][2:] == (404, "PathNotFound")
    with pytest.raises(InvalidPath):
        backend.delete_folder("keep.txt")


@pytest.mark.spec("AZURE-031")
def test_directories_are_real(
    make_hns_backend: Callable[..., AzureBackend], container: ContainerClient
) -> None:
    backend = make_hns_backend()
    backend.write("x/y/z.txt", b"z")
    names = {blob.name: blob.metadata for blob in container.list_blobs(include=["metadata"])}
    assert names["x"] == {"hdi_isfolder": "true"} and names["x/y"] == {"hdi_isfolder": "true"}
    backend.delete("x/y/z.txt")
    assert backend.is_folder("x/y") and backend.exists("x/y") and not backend.is_file("x/y")
    assert list(backend.list_folders("x")) == ["x/y"]
    assert list(backend.list_files("x", recursive=True)) == []
    with pytest.raises(NotFound):
        backend.get_file_info("x/y")
    for missing_ok in (False, True):
        with pytest.raises(InvalidPath):
            backend.delete("x/y", missing_ok=missing_ok)
    backend.delete_folder("x/y")
    assert not backend.exists("x/y") and backend.is_folder("x")


@pytest.mark.spec("AZURE-031")
def test_auto_asks_the_account_once(make_hns_backend: Callable[..., AzureBackend], make_backend: Any) -> None:
    hns = make_hns_backend(hierarchical_namespace="auto")
    log = RequestLog(hns)
    assert Capability.ATOMIC_MOVE in hns.capabilities
    assert hns.behaviour.real_empty_folders
    assert log.queries == [{"restype": "account", "comp": "properties"}]
    flat = make_backend(hierarchical_namespace="auto")  # Azurite itself: no hierarchical namespace
    assert Capability.ATOMIC_MOVE not in flat.capabilities
    assert not flat.hierarchical_namespace
    forced = make_backend(hierarchical_namespace="true")
    log = RequestLog(forced)
    assert Capability.ATOMIC_MOVE in forced.capabilities and log.requests == []


@pytest.mark.spec("AZURE-034")
def test_the_dfs_server_is_a_process_answering_as_the_service(
    make_hns_backend: Callable[..., AzureBackend], hns_facade: Any
) -> None:
    from azure.core import MatchConditions
    from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

    process = hns_facade._process
    assert process is not None and process.pid != os.getpid() and process.poll() is None
    backend = make_hns_backend()
    backend.write("dir/file.txt", b"x")
    file_system = backend._dfs._file_system(backend.context(backend_tools_operation("write"), "dir"))
    with pytest.raises(ResourceExistsError) as taken:
        file_system.get_file_client("dir/file.txt").create_file(match_condition=MatchConditions.IfMissing)
    assert taken.value.status_code == 409 and taken.value.error_code == "PathAlreadyExists"
    with pytest.raises(ResourceNotFoundError) as missing:
        file_system.get_directory_client("nothing").delete_directory()
    assert missing.value.status_code == 404 and missing.value.error_code == "PathNotFound"
    with pytest.raises(HttpResponseError) as conflict:
        file_system.get_file_client("other.txt").create_file()
        file_system.get_file_client("other.txt").rename_file(f"{file_system.file_system_name}/dir")
    assert conflict.value.status_code == 409 and conflict.value.error_code == "PathConflict"


@pytest.mark.spec("AZURE-034")
def test_the_real_account_run_is_skipped_saying_why() -> None:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("REMOTE_STORE_AZURE_")
    }
    module = Path(__file__).with_name("test_conformance_account.py")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(module)],
        cwd=module.parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 5, result.stdout[-2000:]  # 5: no test ran (the module skipped)
    assert "1 skipped" in result.stdout
    assert "no real Azure account: set REMOTE_STORE_AZURE_CONNECTION_STRING" in result.stdout
