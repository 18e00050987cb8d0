"""The nox helper (tools/noxlib): finding distributions, their needs and the servers of each run."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from noxlib import NEEDS, ROOT, distributions, editable_args
from noxlib.dists import CORE, META, Dist
from noxlib.import_checks import IMPORT_CHECKS, import_check
from noxlib.lockstep import check_lockstep
from noxlib.servers import every_python_env, one_python_runs, reliability_env

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def fake(name: str, backends: tuple[str, ...] = ()) -> Dist:
    return Dist(ROOT / "packages" / name, name, frozenset(), backends)


def by_name(name: str) -> Dist:
    return next(dist for dist in distributions() if dist.name == name)


def test_every_folder_with_a_pyproject_is_a_distribution_core_first() -> None:
    folders = [path.parent for path in ROOT.glob("packages/*/pyproject.toml")] + [ROOT / "conformance"]
    names = set()
    for folder in folders:
        with open(folder / "pyproject.toml", "rb") as file:
            names.add(tomllib.load(file)["project"]["name"])
    found = distributions(meta=True)
    assert {dist.name for dist in found} == names
    assert found[0].name == CORE
    assert META not in {dist.name for dist in distributions()}


def test_a_distribution_reads_its_extras_and_backend_types() -> None:
    assert by_name("remote-store-s3").backends == ("s3",)
    assert by_name(CORE).backends == ("memory",)
    assert by_name("remote-store-conformance").backends == ()
    assert "toml" in by_name(CORE).extras
    assert by_name("remote-store-s3").short == "s3"


def test_a_pyproject_without_a_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nversion = '1'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no \\[project\\] name"):
        Dist.read(tmp_path)


def test_editable_args_bring_the_test_extra_and_the_declared_test_needs() -> None:
    args = editable_args([by_name(CORE), by_name("remote-store-s3")], test=True)
    assert args[:4] == ["-e", "packages/remote-store-core[toml]", "-e", "packages/remote-store-s3[test]"]
    assert args[4:] == list(NEEDS["remote-store-s3"].test)
    assert editable_args([by_name("remote-store-s3")]) == ["-e", "packages/remote-store-s3"]


def test_the_tests_sessions_use_the_light_servers_only() -> None:
    assert every_python_env(by_name("remote-store-s3")) == {"REMOTE_STORE_S3_SERVERS": "moto"}
    assert every_python_env(by_name(CORE)) == {}
    assert every_python_env(fake("remote-store-azure", ("azure",))) is None


def test_heavy_servers_are_enabled_by_their_variable_naming_them() -> None:
    tests = NEEDS["remote-store-s3"].servers
    assert tests is not None
    assert tests.enabled({"REMOTE_STORE_S3_SERVERS": "moto, Ceph"})
    assert not tests.enabled({"REMOTE_STORE_S3_SERVERS": "moto"})
    assert not tests.enabled({})
    sftp = NEEDS["remote-store-sftp"].servers
    assert sftp is not None and sftp.enabled({})  # its conftest skips without sshd, unless on CI


def test_the_servers_run_is_one_per_distribution_with_servers() -> None:
    s3 = by_name("remote-store-s3")
    (run,) = one_python_runs([by_name(CORE), s3], {"REMOTE_STORE_S3_SERVERS": "moto,ceph"}, ci=True)
    assert (run.dist, run.enabled, run.env) == (s3, True, {"REMOTE_STORE_S3_SERVERS": "ceph"})


def test_on_ci_a_missing_server_must_fail_where_the_conftest_would_skip() -> None:
    sftp = fake("remote-store-sftp", ("sftp",))
    (local,) = one_python_runs([sftp], {}, ci=False)
    (ci,) = one_python_runs([sftp], {}, ci=True)
    assert (local.enabled, local.env) == (True, {})
    assert (ci.enabled, ci.env) == (True, {"REMOTE_STORE_SFTP_REQUIRED": "1"})


def test_a_disabled_heavy_server_is_reported_with_its_install_command() -> None:
    (run,) = one_python_runs([by_name("remote-store-s3")], {"REMOTE_STORE_S3_SERVERS": "moto"})
    assert not run.enabled
    message = run.why_disabled()
    assert "REMOTE_STORE_S3_SERVERS" in message and "tools/s3servers/ceph.py install" in message


def test_reliability_runs_the_heavy_servers_when_enabled_else_the_light_ones() -> None:
    s3 = by_name("remote-store-s3")
    assert reliability_env(s3, {"REMOTE_STORE_S3_SERVERS": "ceph"}) == {
        "REMOTE_STORE_S3_SERVERS": "moto,ceph"
    }
    assert reliability_env(s3, {}) == {"REMOTE_STORE_S3_SERVERS": "moto"}
    assert reliability_env(by_name(CORE), {}) == {}
    assert reliability_env(s3, {}, ci=True) == {"REMOTE_STORE_S3_SERVERS": "moto"}
    assert reliability_env(fake("remote-store-sftp"), {}, ci=False) == {}
    assert reliability_env(fake("remote-store-sftp"), {}, ci=True) == {"REMOTE_STORE_SFTP_REQUIRED": "1"}


def test_ci_run_installs_and_enables_every_declared_heavy_server() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for name, needs in NEEDS.items():
        if needs.servers is None:
            continue
        assert f"packages/{name}/pyproject.toml" in ci, f".ci/run has no block for {name}"
        if needs.servers.enabled_by is not None:
            variable, value = needs.servers.enabled_by
            assert re.search(rf"export {variable}=.*\b{value}\b", ci), f".ci/run does not set {variable}"


def test_a_backend_without_an_import_check_of_its_own_gets_the_generic_one() -> None:
    script = import_check(fake("remote-store-azure", ("azure",)))
    assert script is not None
    assert "own = ['azure']" in script
    compile(script, "check", "exec")
    assert import_check(fake("remote-store-docs")) is None
    assert import_check(by_name(CORE)) == IMPORT_CHECKS[CORE]


def test_lockstep_flags_differing_versions_and_loose_meta_pins() -> None:
    names = {CORE, "remote-store-local", META}
    same = {CORE: "1.0", "remote-store-local": "1.0", META: "1.0"}
    pins = ["remote-store-core[toml]==1.0", "remote-store-local==1.0"]
    assert check_lockstep(names, same, pins) == []
    assert "lockstep" in check_lockstep(names, {**same, CORE: "1.1"}, pins)[0]
    (problem,) = check_lockstep(names, same, ["remote-store-core[toml]>=1.0", "remote-store-local==1.0"])
    assert "must pin ==1.0 exactly" in problem
    assert check_lockstep(names | {"remote-store-s3"}, same, pins) == [
        "no wheel built for remote-store-s3",
        "remote-store: does not require remote-store-s3",
    ]


def test_jobs_come_from_the_variable_else_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    from noxlib.running import JOBS_ENV, jobs

    monkeypatch.delenv(JOBS_ENV, raising=False)
    assert 1 <= jobs() <= 4
    monkeypatch.setenv(JOBS_ENV, "3")
    assert jobs() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(JOBS_ENV, bad)
        with pytest.raises(ValueError, match=JOBS_ENV):
            jobs()


class _Session:
    """What run_all uses of a nox session: its virtualenv's bin folder, variables and messages."""

    name = "fake"

    def __init__(self) -> None:
        self.bin_paths = [str(Path(sys.executable).parent)]
        self.env = {"FAKE_SESSION": "yes", "DROPPED": None}
        self.messages: list[str] = []

    def log(self, message: str) -> None:
        self.messages.append(message)

    warn = log

    def error(self, message: str) -> None:
        raise RuntimeError(message)


def test_commands_side_by_side_all_run_and_the_failed_ones_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from noxlib import running
    from noxlib.running import Command, run_all

    monkeypatch.setattr(running, "LOGS", tmp_path / "logs")
    monkeypatch.setenv("DROPPED", "outer")
    monkeypatch.setenv(running.JOBS_ENV, "2")
    python = Path(sys.executable).name
    script = (
        "import os, sys, time; start = time.time(); time.sleep(1); "
        "env = os.environ; "
        "print(sys.argv[1], os.getcwd(), env['FAKE_SESSION'], env['ONE'], 'DROPPED' in env); "
        "print('span', start, time.time()); "
        "sys.exit(sys.argv[1] == 'second')"
    )
    commands = [
        Command(label, [python, "-c", script, label], tmp_path, {"ONE": label})
        for label in ("first", "second", "third")
    ]
    session = _Session()
    with pytest.raises(RuntimeError, match=r"failed: second$"):
        run_all(session, commands, parallel=True)  # type: ignore[arg-type]
    output = capsys.readouterr().out
    lines = output.splitlines()
    spans = sorted(tuple(map(float, line.split()[1:])) for line in lines if line.startswith("span"))
    assert len(spans) == 3 and spans[1][0] < spans[0][1], f"the first two did not run at once: {spans}"
    for label in ("first", "second", "third"):
        assert f"{label} {tmp_path} yes {label} False" in output
        assert (tmp_path / "logs" / f"fake-{label}.log").exists()


def test_long_modules_get_runs_of_their_own_and_the_rest_runs_without_them() -> None:
    from noxlib.running import pytest_commands

    s3 = by_name("remote-store-s3")
    suite, rest = pytest_commands(s3, "tests-3.12-s3", {"V": "1"}, timeout="60")
    assert suite.args[:4] == ["pytest", "--rootdir", str(s3.path), "tests/test_conformance.py"]
    assert any(arg.endswith("tests-3.12-s3-test_conformance.xml") for arg in suite.args)
    assert "--ignore=tests/test_conformance.py" in rest.args and "tests" in rest.args
    assert "--ignore=tests/reliability/test_secrets.py" not in rest.args
    assert suite.weight > rest.weight > 0 and suite.env == rest.env == {"V": "1"}

    secrets, others = pytest_commands(s3, "reliability-s3", {}, timeout="60", folder="tests/reliability")
    assert "tests/reliability/test_secrets.py" in secrets.args
    assert "tests/reliability" in others.args and "--ignore=tests/reliability/test_secrets.py" in others.args
    assert "--ignore=tests/test_conformance.py" not in others.args

    (core,) = pytest_commands(by_name("remote-store-core"), "tests-3.12-core", {}, timeout="60")
    assert core.weight == 0 and not any(arg.startswith("--ignore") for arg in core.args)
