"""The pytest plugin: markers, the suite's fixtures and selection by capability.

Loaded automatically through the ``pytest11`` entry point once ``remote-store-conformance`` is
installed (or explicitly with ``-p remote_store_conformance.plugin``). It provides:

- the ``spec`` marker and the selection markers (``requires``/``requires_not``);
- ``conformance_backend``: a placeholder that fails, naming the fixture the backend's tests must
  define; ``conformance_requirements``: ``Requirements()`` unless the backend's tests override it;
  ``conformance_faults``: ``None`` (no storage-fault tests) unless overridden with a
  ``FaultInjector``, which ``storage_faults`` hands to the tests; likewise ``conformance_links``
  (a ``LinkMaker``, handed on by ``storage_links``) and ``conformance_litter`` (a
  ``LitterMaker``, handed on by ``storage_litter``);
- ``requirements``, ``store`` and ``nested_store``, built from those two;
- ``conformance_store_api``: ``"sync"`` or ``"async"``, the API ``store``, ``nested_store`` and
  ``open_store`` go through (``Store``, or ``AsyncStore`` behind ``AsyncBackedStore``); every
  test using them runs once per API chosen with ``--conformance-api`` (both by default, CONF-013);
- an autouse fixture that skips a marked test whose needs the backend does not meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest

# Before the suite is imported by a backend's test module: its asserts then explain themselves.
pytest.register_assert_rewrite("remote_store_conformance.suite", "remote_store_conformance._support")

from remote_store import Backend, Store  # noqa: E402

from ._async_adapter import AsyncBackedStore  # noqa: E402
from ._faults import FaultInjector, OsCallFaults  # noqa: E402
from ._links import LinkMaker  # noqa: E402
from ._litter import LitterMaker  # noqa: E402
from ._markers import REQUIRES, REQUIRES_NOT, skip_reason  # noqa: E402
from ._requirements import Requirements  # noqa: E402

__all__ = [
    "NESTED_ROOT",
    "STORE_APIS",
    "conformance_backend",
    "conformance_faults",
    "conformance_links",
    "conformance_litter",
    "conformance_requirements",
    "conformance_selection",
    "conformance_store_api",
    "nested_store",
    "open_store",
    "pytest_addoption",
    "pytest_configure",
    "pytest_generate_tests",
    "requirements",
    "storage_faults",
    "storage_links",
    "storage_litter",
    "store",
]

NESTED_ROOT = "nested/inner root"
"""The ``root_path`` of ``nested_store``: two levels deep, with a space, to exercise translation."""


STORE_APIS = ("sync", "async")
"""The APIs the suite can run its tests through: ``Store`` and ``AsyncStore`` (CONF-013)."""

_API_OPTION = "--conformance-api"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--conformance-api`` (``sync``, ``async`` or ``both``, the default) (CONF-013)."""
    parser.addoption(
        _API_OPTION,
        choices=(*STORE_APIS, "both"),
        default="both",
        help="remote-store-conformance: run the suite through Store (sync), AsyncStore (async) or both",
    )


MODULE_APIS = "CONFORMANCE_APIS"
"""A test module's variable naming the APIs its store tests run through (CONF-014), e.g. ``("sync",)``."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that uses a store once per API chosen (CONF-013), narrowed by its module (CONF-014).

    Raises:
        pytest.UsageError: the module's ``CONFORMANCE_APIS`` names an API the suite does not have.
    """
    if "conformance_store_api" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption(_API_OPTION, default="both")
    apis = list(STORE_APIS) if chosen == "both" else [chosen]
    narrowed = getattr(metafunc.module, MODULE_APIS, None)
    if narrowed is not None:
        unknown = [api for api in narrowed if api not in STORE_APIS]
        if isinstance(narrowed, str) or unknown:
            raise pytest.UsageError(
                f"{metafunc.module.__name__}.{MODULE_APIS} must be a tuple of {STORE_APIS}, not {narrowed!r}"
            )
        apis = [api for api in apis if api in narrowed]
    metafunc.parametrize("conformance_store_api", apis, indirect=True)


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers the suite uses, so ``--strict-markers`` accepts them (CONF-001)."""
    config.addinivalue_line("markers", "spec(*ids): the specs/ requirement IDs this test verifies")
    config.addinivalue_line(
        "markers",
        f"{REQUIRES}(*needs): run only if the backend has every Capability or Requirements property",
    )
    config.addinivalue_line(
        "markers",
        f"{REQUIRES_NOT}(*needs): run only if the backend has none of the Capabilities or properties",
    )


@pytest.fixture
def conformance_backend() -> Backend:
    """The backend under test: the backend's own ``conftest.py`` MUST override this fixture.

    Raises:
        pytest.fail.Exception: always; this placeholder only explains what is missing.
    """
    pytest.fail(
        "remote-store-conformance: define a fixture named 'conformance_backend' in your conftest.py "
        "that yields a fresh, empty instance of the backend under test (and closes it afterwards)",
        pytrace=False,
    )


@pytest.fixture
def conformance_requirements() -> Requirements:
    """The backend's ``Requirements``; override it to return a subclass declaring deviations."""
    return Requirements()


@pytest.fixture
def conformance_faults() -> FaultInjector | None:
    """The backend's ``FaultInjector``; override it to run the storage-fault tests (CONF-009).

    ``None`` (the default) skips them, saying so.
    """
    return None


def _hook(value: object, kind: type[object], fixture: str, tests: str, requirement: str) -> object:
    """``value`` (a hook fixture's result) checked to be a ``kind``; skips the test if ``None``.

    Raises:
        pytest.fail.Exception: ``value`` is neither ``None`` nor a ``kind``.
    """
    if value is None:
        pytest.skip(
            f"no {kind.__name__}: return one from a '{fixture}' fixture to run the {tests} ({requirement})"
        )
    if not isinstance(value, kind):
        pytest.fail(
            f"the '{fixture}' fixture must return a remote_store_conformance.{kind.__name__} or None, "
            f"not {type(value).__name__}",
            pytrace=False,
        )
    return value


@pytest.fixture
def storage_faults(conformance_faults: object, request: pytest.FixtureRequest) -> Iterator[FaultInjector]:
    """``conformance_faults``, checked, and disarmed after the test; skips the test if ``None``.

    Also skips the ``[async]`` run of a test when the injector is an ``OsCallFaults``: it counts
    the calls of the thread that armed it, and through ``AsyncStore`` they run on its workers, so
    no fault would fire (the ``[sync]`` run covers the test).

    Raises:
        pytest.fail.Exception: ``conformance_faults`` is neither ``None`` nor a ``FaultInjector``.
    """
    faults = cast(
        FaultInjector,
        _hook(conformance_faults, FaultInjector, "conformance_faults", "storage-fault tests", "CONF-009"),
    )
    callspec = getattr(request.node, "callspec", None)
    api = callspec.params.get("conformance_store_api") if callspec is not None else None
    if api == "async" and isinstance(faults, OsCallFaults):
        pytest.skip(
            "OsCallFaults counts the calls of the arming thread; AsyncStore makes them on its workers"
        )
    yield faults
    faults.disarm()


@pytest.fixture
def conformance_links() -> LinkMaker | None:
    """The backend's ``LinkMaker``; override it to run the symbolic-link tests (CONF-010).

    ``None`` (the default) skips them, saying so.
    """
    return None


@pytest.fixture
def storage_links(conformance_links: object) -> LinkMaker:
    """``conformance_links``, checked; skips the test if ``None``.

    Raises:
        pytest.fail.Exception: ``conformance_links`` is neither ``None`` nor a ``LinkMaker``.
    """
    return cast(
        LinkMaker, _hook(conformance_links, LinkMaker, "conformance_links", "symbolic-link tests", "CONF-010")
    )


@pytest.fixture
def conformance_litter() -> LitterMaker | None:
    """The backend's ``LitterMaker``; override it to run the tests of interrupted writes' litter (CONF-011).

    ``None`` (the default) skips them, saying so.
    """
    return None


@pytest.fixture
def storage_litter(conformance_litter: object) -> LitterMaker:
    """``conformance_litter``, checked; skips the test if ``None``.

    Raises:
        pytest.fail.Exception: ``conformance_litter`` is neither ``None`` nor a ``LitterMaker``.
    """
    tests = "tests of the litter of interrupted writes"
    return cast(LitterMaker, _hook(conformance_litter, LitterMaker, "conformance_litter", tests, "CONF-011"))


@pytest.fixture
def requirements(conformance_requirements: Requirements, conformance_backend: Backend) -> Requirements:
    """``conformance_requirements`` bound to the capabilities ``conformance_backend`` declares.

    Raises:
        pytest.fail.Exception: ``conformance_requirements`` is not a ``Requirements`` instance.
    """
    if not isinstance(conformance_requirements, Requirements):
        pytest.fail(
            "the 'conformance_requirements' fixture must return an instance of "
            f"remote_store_conformance.Requirements, not {type(conformance_requirements).__name__}",
            pytrace=False,
        )
    return conformance_requirements.bind(conformance_backend)


@pytest.fixture
def conformance_store_api(request: pytest.FixtureRequest) -> str:
    """``"sync"`` or ``"async"``: the API the test's stores go through (CONF-013)."""
    return str(getattr(request, "param", "sync"))


@pytest.fixture
def open_store(conformance_store_api: str) -> Callable[..., Store]:
    """Builds stores the way the test's API does: ``Store``, or ``AsyncBackedStore`` (CONF-013).

    Takes ``Store``'s arguments (``backend, root_path="", *, owns_backend=True``).
    """
    if conformance_store_api == "async":
        return cast(Callable[..., Store], AsyncBackedStore)
    return Store


@pytest.fixture
def store(conformance_backend: Backend, open_store: Callable[..., Any]) -> Iterator[Store]:
    """A store over the whole ``conformance_backend``; it does not own (close) the backend."""
    with open_store(conformance_backend, owns_backend=False) as view:
        yield view


@pytest.fixture
def nested_store(conformance_backend: Backend, open_store: Callable[..., Any]) -> Iterator[Store]:
    """A store over ``conformance_backend`` scoped to ``NESTED_ROOT``; it does not own the backend."""
    with open_store(conformance_backend, NESTED_ROOT, owns_backend=False) as view:
        yield view


@pytest.fixture(autouse=True)
def conformance_selection(request: pytest.FixtureRequest) -> None:
    """Skip a test marked with needs the backend does not meet, naming the need (CONF-005).

    Unmarked tests (every test outside the suite) pass through without touching any fixture.
    """
    node = request.node
    if node.get_closest_marker(REQUIRES) is None and node.get_closest_marker(REQUIRES_NOT) is None:
        return
    bound: Requirements = request.getfixturevalue("requirements")
    reason = skip_reason(bound, node)
    if reason is not None:
        pytest.skip(reason)
