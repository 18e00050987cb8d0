"""Tests of the conformance plugin itself: entry point, fixtures, Requirements, selection, areas."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

import remote_store_conformance.suite as suite
from remote_store import Backend, Behaviour, Capability, CapabilitySet, Store
from remote_store.backends.memory import MemoryBackend
from remote_store_conformance import NESTED_ROOT, FaultInjector, Requirements
from remote_store_conformance._requirements import FROM_BEHAVIOUR
from remote_store_conformance._support import GATED
from remote_store_conformance.suite.test_capabilities import UNDECLARED
from remote_store_conformance.suite.test_faults import each_fault
from remote_store_conformance.suite.test_write_options import OPTIONS

SPECS = Path(__file__).resolve().parents[2] / "specs"
SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|errors?|deselected)")

MEMORY_CONFTEST = """
import pytest
from remote_store.backends.memory import MemoryBackend

@pytest.fixture
def conformance_backend():
    backend = MemoryBackend()
    yield backend
    backend.close()
"""

STAR_IMPORT = "from remote_store_conformance.suite import *  # noqa: F403\n"


def run_pytest(directory: Path, files: dict[str, str], *args: str) -> tuple[dict[str, int], str]:
    """Run pytest in a subprocess on ``files`` written to ``directory``; return the outcome counts."""
    (directory / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers -p no:cacheprovider\n")
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text))
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    last = output.strip().splitlines()[-1] if output.strip() else ""
    counts = {
        kind.rstrip("s") if kind.startswith("error") else kind: int(n) for n, kind in SUMMARY.findall(last)
    }
    return counts, output


class _Limited(MemoryBackend):
    @property
    def capabilities(self) -> CapabilitySet:
        return CapabilitySet([Capability.READ, Capability.LIST])


class _PrefixFolders(MemoryBackend):
    @property
    def behaviour(self) -> Behaviour:
        return Behaviour(real_empty_folders=False, file_folder_conflicts_rejected=False)


class _Retrying(MemoryBackend):
    @property
    def behaviour(self) -> Behaviour:
        return Behaviour(retries_storage_faults=True)


@pytest.mark.spec("CONF-001")
def test_plugin_is_registered_through_pytest11() -> None:
    entry_points = {entry.name: entry.value for entry in metadata.entry_points(group="pytest11")}
    assert entry_points.get("remote_store_conformance") == "remote_store_conformance.plugin"


@pytest.mark.spec("CONF-001")
def test_markers_are_registered(pytestconfig: pytest.Config, tmp_path: Path) -> None:
    markers = pytestconfig.getini("markers")
    for name in ("spec(", "conformance_requires(", "conformance_requires_not("):
        assert any(line.startswith(name) for line in markers), name
    counts, output = run_pytest(
        tmp_path,
        {
            "conftest.py": MEMORY_CONFTEST,
            "test_marked.py": """
                import pytest
                from remote_store import Capability
                from remote_store_conformance import requires, requires_not

                @pytest.mark.spec("STORE-003")
                @requires(Capability.WRITE)
                @requires_not("thread_safe")
                def test_marked():
                    pass

                @pytest.mark.spec("STORE-003")
                @requires(Capability.WRITE)
                def test_runs(store):
                    store.write("x", b"x")
            """,
        },
        "--conformance-api=sync",
    )
    assert counts == {"passed": 1, "skipped": 1}, output


@pytest.mark.spec("CONF-002")
def test_missing_backend_fixture_fails_naming_it(tmp_path: Path) -> None:
    counts, output = run_pytest(
        tmp_path, {"test_suite.py": STAR_IMPORT}, "-k", "TestQueries", "--conformance-api=sync"
    )
    assert counts.get("error", 0) == 4 and "passed" not in counts, output
    assert "define a fixture named 'conformance_backend'" in output


@pytest.mark.spec("CONF-003")
def test_suite_fixtures(
    store: Store, nested_store: Store, requirements: Requirements, conformance_backend: Backend
) -> None:
    assert store.backend is conformance_backend
    assert store.root_path.is_root
    assert nested_store.backend is conformance_backend
    assert str(nested_store.root_path) == NESTED_ROOT
    assert requirements.capabilities == conformance_backend.capabilities
    nested_store.close()
    store.close()
    assert not conformance_backend.is_file("anything")  # still open: the stores do not own it


@pytest.mark.spec("CONF-003")
def test_conftest_fixtures_cannot_replace_the_suite_fixtures(tmp_path: Path) -> None:
    conftest = MEMORY_CONFTEST + textwrap.dedent(
        """
        @pytest.fixture
        def store():
            return "a backend package's own store fixture"

        @pytest.fixture
        def nested_store():
            return None

        @pytest.fixture
        def requirements():
            return None
        """
    )
    counts, output = run_pytest(
        tmp_path, {"conftest.py": conftest, "test_suite.py": STAR_IMPORT}, "-k", "TestQueries or TestRootPath"
    )
    assert counts.get("passed", 0) >= 10 and set(counts) == {"passed", "deselected"}, output


@pytest.mark.spec("CONF-004")
def test_requirements_follow_the_declared_capabilities() -> None:
    unbound = Requirements()
    with pytest.raises(RuntimeError):
        unbound.can_read  # noqa: B018 - the property access is the test
    full = unbound.bind(MemoryBackend())
    limited = unbound.bind(_Limited())
    properties = {
        "can_read": Capability.READ,
        "can_seekable_read": Capability.SEEKABLE_READ,
        "can_write": Capability.WRITE,
        "can_atomic_write": Capability.ATOMIC_WRITE,
        "can_delete": Capability.DELETE,
        "can_list": Capability.LIST,
        "can_move": Capability.MOVE,
        "can_atomic_move": Capability.ATOMIC_MOVE,
        "can_copy": Capability.COPY,
        "can_metadata": Capability.METADATA,
        "can_content_type": Capability.CONTENT_TYPE,
        "can_user_metadata": Capability.USER_METADATA,
        "can_conditional_write": Capability.CONDITIONAL_WRITE,
        "can_presigned_url": Capability.PRESIGNED_URL,
    }
    assert set(properties.values()) == set(Capability)
    for name, capability in properties.items():
        assert getattr(full, name) is (capability is not Capability.PRESIGNED_URL)  # memory: no HTTP
        assert getattr(limited, name) is (capability in (Capability.READ, Capability.LIST))
        assert full.has(capability) is getattr(full, name)
        assert inspect.getdoc(getattr(Requirements, name))
    for name in ("real_empty_folders", "file_folder_conflicts_rejected", "unicode_paths", "thread_safe"):
        assert full.has(name) is True
        assert inspect.getdoc(getattr(Requirements, name))
    assert limited.race_free_create is False  # follows can_write
    assert full.atomic_conditional_write is True and limited.atomic_conditional_write is False
    with pytest.raises(AttributeError):
        full.has("no_such_requirement")
    with pytest.raises(AttributeError):
        full.has("modified_at_tolerance")  # not a boolean


@pytest.mark.spec("CONF-004", "CONF-012")
def test_the_declared_behaviour_decides_what_runs(tmp_path: Path) -> None:
    class Tuned(Requirements):
        large_files = False  # what to test stays the backend author's to choose

    assert Tuned().bind(MemoryBackend()).large_files is False
    assert Requirements().bind(_PrefixFolders()).real_empty_folders is False
    files = {"conftest.py": MEMORY_CONFTEST, "test_suite.py": STAR_IMPORT}
    default, output = run_pytest(tmp_path, files, "-k", "TestDeleteEmptyFolders", "--conformance-api=sync")
    assert default == {"passed": 2, "skipped": 2, "deselected": default.get("deselected", 0)}, output
    files["conftest.py"] = textwrap.dedent(
        """
        import pytest
        from remote_store import Behaviour
        from remote_store.backends.memory import MemoryBackend

        class MemoryClaimsNoFolders(MemoryBackend):
            @property
            def behaviour(self):
                return Behaviour(real_empty_folders=False)

        @pytest.fixture
        def conformance_backend():
            return MemoryClaimsNoFolders()
        """
    )
    # The memory backend keeps its folders, so the tests selected by the (false) claim now fail.
    overridden, output = run_pytest(tmp_path, files, "-k", "TestDeleteEmptyFolders", "--conformance-api=sync")
    assert overridden == {"failed": 2, "skipped": 2, "deselected": overridden.get("deselected", 0)}, output


@pytest.mark.spec("CONF-012")
def test_a_requirements_subclass_cannot_declare_behaviour() -> None:
    assert {
        "real_empty_folders",
        "file_folder_conflicts_rejected",
        "missing_ok_delete_detects_folders",
        "storage_faults_surface",
        "thread_safe",
    } == FROM_BEHAVIOUR
    for name in sorted(FROM_BEHAVIOUR):
        with pytest.raises(TypeError, match=f"overrides {name}: .*Backend.behaviour"):
            type("Deviating", (Requirements,), {name: False})
    with pytest.raises(TypeError, match="real_empty_folders"):

        class AsAProperty(Requirements):
            @property
            def real_empty_folders(self) -> bool:
                return False

    bound = Requirements().bind(_PrefixFolders())
    with pytest.raises(AttributeError):
        bound.real_empty_folders = True  # type: ignore[misc]
    assert bound.storage_faults_surface is True
    assert Requirements().bind(_Retrying()).storage_faults_surface is False
    with pytest.raises(RuntimeError):
        Requirements().thread_safe  # noqa: B018 - unbound: the property access is the test


class _Faults(FaultInjector):
    """Fires at every arming; the action below never notices (as a retry would absorb it)."""

    def __init__(self, absorbable: bool) -> None:
        self.absorbable = absorbable
        self._armed = False

    def arm(self, skip: int) -> None:
        self._armed = skip == 0

    def disarm(self) -> bool:
        fired, self._armed = self._armed, False
        return fired


@pytest.mark.spec("CONF-012", "CONF-009")
def test_a_retrying_backend_may_absorb_only_absorbable_faults() -> None:
    retrying = Requirements().bind(_Retrying())
    strict = Requirements().bind(MemoryBackend())

    def run(faults: FaultInjector, requirements: Requirements) -> int:
        return each_fault(faults, requirements, lambda folder: None, lambda folder, _: None, lambda *_: None)

    assert run(_Faults(absorbable=True), retrying) == 1  # absorbed, then a round without a fault
    with pytest.raises(AssertionError, match="swallowed"):
        run(_Faults(absorbable=False), retrying)
    with pytest.raises(AssertionError, match="swallowed"):
        run(_Faults(absorbable=True), strict)


@pytest.mark.spec("CONF-005")
def test_skips_name_the_capability(tmp_path: Path) -> None:
    conftest = textwrap.dedent(
        """
        import pytest
        from remote_store import Capability, CapabilitySet
        from remote_store.backends.memory import MemoryBackend

        class NoAtomicWrite(MemoryBackend):
            @property
            def capabilities(self):
                return CapabilitySet.all() - [Capability.ATOMIC_WRITE]

        @pytest.fixture
        def conformance_backend():
            return NoAtomicWrite()
        """
    )
    counts, output = run_pytest(
        tmp_path, {"conftest.py": conftest, "test_suite.py": STAR_IMPORT}, "-k", "TestAtomic"
    )
    assert counts.get("skipped", 0) >= 5 and "failed" not in counts, output
    assert "the backend lacks capability 'atomic_write'" in output


@pytest.mark.spec("CONF-005")
def test_nothing_but_selection_skips(tmp_path: Path) -> None:
    counts, output = run_pytest(tmp_path, {"conftest.py": MEMORY_CONFTEST, "test_suite.py": STAR_IMPORT})
    assert "failed" not in counts and counts["passed"] > 200, output
    reasons = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert sum(int(re.search(r"\[(\d+)\]", line).group(1)) for line in reasons) == counts["skipped"]  # type: ignore[union-attr]
    for line in reasons:
        selection = re.search(r"the backend (lacks|has) (capability '\w+'|Requirements\.\w+)", line)
        # The storage hooks (faults, links, litter) need storage, which the memory backend has not.
        hooks = (
            "no FaultInjector: return one from a 'conformance_faults'",
            "no LinkMaker: return one from",
            "no LitterMaker: return one from",
        )
        assert selection or any(hook in line for hook in hooks), line


@pytest.mark.spec("CONF-006")
def test_every_gated_capability_has_an_undeclared_test() -> None:
    # The option capabilities gate keywords of write, not operations: their own module tests them.
    options = set(OPTIONS)
    assert options == {Capability.CONTENT_TYPE, Capability.USER_METADATA, Capability.CONDITIONAL_WRITE}
    assert set(GATED) == set(Capability) - {Capability.ATOMIC_MOVE} - options
    covered = {param.values[0] for param in UNDECLARED}
    assert covered == set(GATED)


@pytest.mark.spec("CONF-007")
def test_areas_are_star_exported_and_named_after_their_module() -> None:
    exported = {name for name in suite.__all__ if name.startswith("Test")}
    defined = set()
    for module_path in sorted(Path(suite.__file__).parent.glob("test_*.py")):
        module = __import__(f"{suite.__name__}.{module_path.stem}", fromlist=["*"])
        area = "".join(part.capitalize() for part in module_path.stem.split("_")[1:])
        for name, value in vars(module).items():
            if inspect.isclass(value) and name.startswith("Test") and value.__module__ == module.__name__:
                assert name.startswith(f"Test{area}"), (
                    f"{name} in {module_path.name} should start with Test{area}"
                )
                defined.add(name)
    assert defined == exported
    namespace: dict[str, object] = {}
    exec("from remote_store_conformance.suite import *", namespace)
    assert exported <= set(namespace)


@pytest.mark.spec("CONF-008")
def test_every_suite_test_cites_known_requirements() -> None:
    known = {
        match.group(1)
        for spec in SPECS.glob("*.md")
        for match in re.finditer(
            r"^### ([A-Z][A-Z0-9]*-\d{3}):", spec.read_text(encoding="utf-8"), re.MULTILINE
        )
    }
    assert known, f"no requirements found under {SPECS}"
    tests = 0
    for name in suite.__all__:
        cls = getattr(suite, name)
        if not inspect.isclass(cls):
            continue
        class_marks = getattr(cls, "pytestmark", [])
        for attribute, function in vars(cls).items():
            if not attribute.startswith("test_"):
                continue
            tests += 1
            marks = [*getattr(function, "pytestmark", []), *class_marks]
            cited = [requirement for mark in marks if mark.name == "spec" for requirement in mark.args]
            assert cited, f"{name}.{attribute} cites no requirement"
            assert set(cited) <= known, f"{name}.{attribute} cites unknown {sorted(set(cited) - known)}"
    assert tests > 50


@pytest.mark.spec("CONF-002")
def test_every_suite_test_takes_the_backend() -> None:
    # A test reaching the backend only through a hook fixture would not be parametrized by a
    # backend factory over several servers (the S3 tests run moto and Ceph from one fixture).
    for name in suite.__all__:
        area = getattr(suite, name)
        if not isinstance(area, type):
            continue
        for attribute, test in vars(area).items():
            if attribute.startswith("test_"):
                parameters = set(inspect.signature(test).parameters)
                assert parameters & {"conformance_backend", "store", "nested_store"}, f"{name}.{attribute}"


@pytest.mark.spec("CONF-013")
def test_store_tests_run_through_both_apis_unless_one_is_chosen(tmp_path: Path) -> None:
    probe = """
        from remote_store_conformance.suite import TestQueries  # noqa: F401

        def test_api_of_the_store(store, conformance_store_api):
            from remote_store import Store
            from remote_store_conformance._async_adapter import AsyncBackedStore
            expected = Store if conformance_store_api == "sync" else AsyncBackedStore
            assert type(store) is expected

        def test_open_store_builds_the_same_kind(open_store, conformance_backend, store):
            assert type(open_store(conformance_backend, owns_backend=False)) is type(store)

        def test_without_a_store_runs_once(conformance_backend):
            pass
    """
    files = {"conftest.py": MEMORY_CONFTEST, "test_apis.py": probe}
    counts, output = run_pytest(tmp_path, files, "-rA")
    assert counts == {"passed": 5 + 2 * len(_test_names(suite.TestQueries))}, output
    assert "test_api_of_the_store[sync]" in output and "test_api_of_the_store[async]" in output
    assert "PASSED test_apis.py::test_without_a_store_runs_once\n" in output
    for chosen in ("sync", "async"):
        counts, output = run_pytest(tmp_path, files, "-rA", f"--conformance-api={chosen}")
        assert counts == {"passed": 3 + len(_test_names(suite.TestQueries))}, output
        assert f"test_api_of_the_store[{chosen}]" in output


@pytest.mark.spec("CONF-014")
def test_a_module_narrows_the_apis_of_its_store_tests(tmp_path: Path) -> None:
    probe = """
        CONFORMANCE_APIS = ("sync",)

        def test_api_of_the_store(store, conformance_store_api):
            assert conformance_store_api == "sync"
    """
    other = """
        def test_api_of_the_store(store, conformance_store_api):
            pass
    """
    files = {"conftest.py": MEMORY_CONFTEST, "test_narrowed.py": probe, "test_other.py": other}
    counts, output = run_pytest(tmp_path, files, "-rA")
    assert counts == {"passed": 3}, output
    assert "test_narrowed.py::test_api_of_the_store[async]" not in output
    assert "test_other.py::test_api_of_the_store[async]" in output
    counts, output = run_pytest(tmp_path, files, "-rA", "--conformance-api=async")
    assert counts == {"passed": 1, "skipped": 1}, output

    files["test_narrowed.py"] = probe.replace('("sync",)', '"sync"')
    counts, output = run_pytest(tmp_path, files)
    assert "test_narrowed.CONFORMANCE_APIS must be a tuple" in output, output
    files["test_narrowed.py"] = probe.replace('("sync",)', '("sync", "threads")')
    counts, output = run_pytest(tmp_path, files)
    assert "test_narrowed.CONFORMANCE_APIS must be a tuple" in output and "threads" in output, output
    assert "passed" not in counts, output


def _test_names(cls: type) -> list[str]:
    return [name for name in vars(cls) if name.startswith("test_")]
