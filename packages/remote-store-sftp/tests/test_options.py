"""Options, registration, host keys and secrets of the sftp backend (SFTP-001 to SFTP-004)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from remote_store import (
    BackendConfig,
    Behaviour,
    Capability,
    CapabilitySet,
    ConfigError,
    PermissionDenied,
    Registry,
    RegistryConfig,
    StoreProfile,
)
from remote_store.backends.sftp import SFTPBackend

GOOD = {"host": "127.0.0.1"}


@pytest.mark.spec("SFTP-001")
@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({}, "host"),
        ({"host": ""}, "host"),
        ({"host": 5}, "host"),
        ({**GOOD, "port": 0}, "port"),
        ({**GOOD, "port": 70000}, "port"),
        ({**GOOD, "port": "22"}, "port"),
        ({**GOOD, "port": True}, "port"),
        ({**GOOD, "username": 3}, "username"),
        ({**GOOD, "password": b"x"}, "password"),
        ({**GOOD, "private_key": ""}, "private_key"),
        ({**GOOD, "private_key_passphrase": 1}, "private_key_passphrase"),
        ({**GOOD, "known_hosts": 7}, "known_hosts"),
        ({**GOOD, "host_key_policy": "yes"}, "host_key_policy"),
        ({**GOOD, "root": 1}, "root"),
        ({**GOOD, "root": "a\0b"}, "root"),
        ({**GOOD, "connect_timeout": 0}, "connect_timeout"),
        ({**GOOD, "connect_timeout": float("nan")}, "connect_timeout"),
        ({**GOOD, "max_connections": 0}, "max_connections"),
        ({**GOOD, "max_connections": 1.5}, "max_connections"),
        ({**GOOD, "keepalive": -1}, "keepalive"),
    ],
)
def test_sftp_001_invalid_options_raise_config_error_naming_the_option(
    options: dict[str, Any], named: str
) -> None:
    with pytest.raises((ConfigError, TypeError)) as caught:
        SFTPBackend(**options)
    assert named in str(caught.value)


@pytest.mark.spec("SFTP-001")
def test_sftp_001_building_connects_to_nothing_and_imports_no_asyncssh() -> None:
    # A fresh interpreter: asyncssh is not imported and no socket is opened by building.
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise AssertionError('connected')\n"
        "socket.socket.connect = refuse\n"
        "from remote_store.backends.sftp import SFTPBackend\n"
        "b = SFTPBackend(host='192.0.2.1', root='/nowhere', known_hosts='/nonexistent/known_hosts')\n"
        "b.close()\n"
        "assert 'asyncssh' not in sys.modules, 'asyncssh imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.spec("SFTP-002")
def test_sftp_002_registered_with_every_capability_and_the_strict_behaviour(
    sshd: Any, server_root: Path
) -> None:
    config = RegistryConfig(
        backends={
            "files": BackendConfig(
                type="sftp",
                options={
                    "host": sshd.host,
                    "port": sshd.port,
                    "username": sshd.username,
                    "private_key": sshd.client_key,
                    "known_hosts": sshd.known_hosts,
                    "root": str(server_root),
                },
            )
        },
        stores={"data": StoreProfile(backend="files", root_path="data")},
    )
    with Registry(config) as registry:
        store = registry.get_store("data")
        store.write("a.txt", b"through the registry")
        assert (server_root / "data" / "a.txt").read_bytes() == b"through the registry"
        not_offered = {
            Capability.CONTENT_TYPE,
            Capability.USER_METADATA,
            Capability.CONDITIONAL_WRITE,
            Capability.PRESIGNED_URL,
        }
        assert store.capabilities == CapabilitySet.all() - not_offered
        assert store.behaviour == Behaviour()
    assert SFTPBackend.type_name == "sftp"


@pytest.mark.spec("SFTP-003")
def test_sftp_003_unknown_host_key_refused_naming_host_and_fingerprint(
    sshd: Any, make_backend: Callable[..., SFTPBackend], tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    backend = make_backend(known_hosts=empty)
    with pytest.raises(PermissionDenied) as caught:
        backend.is_file("x")
    message = str(caught.value)
    assert f"{sshd.host}:{sshd.port}" in message
    assert sshd.host_key_fingerprint in message
    assert empty.read_text() == ""


@pytest.mark.spec("SFTP-003")
def test_sftp_003_changed_host_key_refused_even_with_accept_new(
    sshd: Any, make_backend: Callable[..., SFTPBackend], tmp_path: Path
) -> None:
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    kind, blob = (tmp_path / "other.pub").read_text().split()[:2]
    known = tmp_path / "known_hosts"
    known.write_text(f"[{sshd.host}]:{sshd.port} {kind} {blob}\n")
    with pytest.raises(PermissionDenied):
        make_backend(known_hosts=known, host_key_policy="accept-new").exists("x")
    with pytest.raises(PermissionDenied):
        make_backend(known_hosts=known).exists("x")


@pytest.mark.spec("SFTP-003")
def test_sftp_003_accept_new_records_the_key_and_accept_any_checks_nothing(
    sshd: Any, make_backend: Callable[..., SFTPBackend], tmp_path: Path
) -> None:
    known = tmp_path / "ssh" / "known_hosts"
    assert make_backend(known_hosts=known, host_key_policy="accept-new").is_folder("")
    assert make_backend(known_hosts=known, host_key_policy="accept-new").exists("nothing") is False
    recorded = known.read_text().split()
    assert recorded[0] == f"[{sshd.host}]:{sshd.port}"
    assert recorded[1:3] == Path(sshd.workdir, "host_key.pub").read_text().split()[:2]
    assert make_backend(known_hosts=known).exists("nothing") is False  # reject now trusts it
    assert make_backend(known_hosts=tmp_path / "none", host_key_policy="accept-any").exists("x") is False
    assert not (tmp_path / "none").exists()


@pytest.mark.spec("SFTP-004")
def test_sftp_004_secrets_never_shown(
    sshd: Any, make_backend: Callable[..., SFTPBackend], caplog: pytest.LogCaptureFixture
) -> None:
    password = "pw-7c1f0e-secret"
    passphrase = "pp-93ab2d-secret"
    assert {"password", "private_key_passphrase"} <= SFTPBackend.SECRET_OPTIONS
    backend = make_backend(
        username="nobody-here", password=password, private_key_passphrase=passphrase, private_key=None
    )
    caplog.set_level("DEBUG")
    with pytest.raises(PermissionDenied) as caught:
        backend.exists("x")
    shown = [repr(backend), str(caught.value), repr(caught.value), caplog.text]
    error: BaseException | None = caught.value
    while error is not None:
        shown.append(str(error))
        error = error.__cause__ or error.__context__
    for text in shown:
        assert password not in text
        assert passphrase not in text
    with pytest.raises(ConfigError) as bad:
        SFTPBackend(host="h", password="a\0" + password)
    assert password not in str(bad.value)
