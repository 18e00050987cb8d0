"""``Requirements``: what the backend under test can do, as the suite's tests select by it."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from remote_store import Backend, Behaviour, Capability, CapabilitySet

__all__ = ["Need", "Requirements"]

Need = Capability | str
"""What a test can require: a ``Capability`` or the name of a boolean ``Requirements`` property."""

_R = TypeVar("_R", bound="Requirements")

FROM_BEHAVIOUR = frozenset(
    {
        "real_empty_folders",
        "file_folder_conflicts_rejected",
        "missing_ok_delete_detects_folders",
        "storage_faults_surface",
        "thread_safe",
    }
)
"""The properties read from the backend's ``Behaviour``, which no subclass may override (CONF-012)."""


class Requirements:
    """What the backend under test supports, one documented property per capability or behaviour.

    In the manner of SQLAlchemy's requirements classes: the suite asks these properties, never the
    backend, which tests to run. The ``can_*`` properties are the capabilities the backend
    declares, and the behaviour properties (``real_empty_folders``, ...) the facts its
    ``Backend.behaviour`` declares to users: a backend cannot tell the suite one thing and its
    users another, and a subclass overriding one of them is refused (``TypeError``, CONF-012). A
    backend author subclasses only to change what the suite tests (``large_files``,
    ``modified_at_tolerance``, ...) and returns an instance from the ``conformance_requirements``
    fixture::

        class SlowServerRequirements(Requirements):
            large_listings = False  # 1,100 files take minutes on this server

    The plugin binds the instance to the backend under test (``bind``) before any test asks it.
    """

    def __init__(self) -> None:
        self._capabilities: CapabilitySet | None = None
        self._behaviour: Behaviour | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = sorted(FROM_BEHAVIOUR.intersection(vars(cls)))
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(overridden)}: the suite reads these from the "
                "backend's Behaviour; declare them by overriding Backend.behaviour instead"
            )

    def bind(self: _R, backend: Backend) -> _R:
        """A copy of these requirements bound to ``backend``'s declared capabilities and behaviour."""
        bound = copy.copy(self)
        bound._capabilities = backend.capabilities
        bound._behaviour = backend.behaviour
        return bound

    @property
    def capabilities(self) -> CapabilitySet:
        """The capabilities the backend declares.

        Raises:
            RuntimeError: the requirements are not bound to a backend yet (see ``bind``).
        """
        if self._capabilities is None:
            raise RuntimeError("Requirements are not bound to a backend; use requirements.bind(backend)")
        return self._capabilities

    @property
    def behaviour(self) -> Behaviour:
        """The behaviour the backend declares (``Backend.behaviour``).

        Raises:
            RuntimeError: the requirements are not bound to a backend yet (see ``bind``).
        """
        if self._behaviour is None:
            raise RuntimeError("Requirements are not bound to a backend; use requirements.bind(backend)")
        return self._behaviour

    def declares(self, capability: Capability) -> bool:
        """True if the backend declares ``capability``.

        Raises:
            RuntimeError: the requirements are not bound to a backend yet.
        """
        return capability in self.capabilities

    def has(self, need: Need) -> bool:
        """True if ``need`` (a ``Capability`` or a property name) holds for this backend.

        Raises:
            AttributeError: ``need`` is a string that names no boolean property of this class.
            RuntimeError: the requirements are not bound to a backend yet.
        """
        if isinstance(need, Capability):
            return self.declares(need)
        value = getattr(self, need)
        if not isinstance(value, bool):
            raise AttributeError(f"Requirements.{need} is not a boolean requirement")
        return value

    def describe(self, need: Need) -> str:
        """A short phrase naming ``need``, as skip reasons show it."""
        if isinstance(need, Capability):
            return f"capability {need.value!r}"
        return f"Requirements.{need}"

    # -- capabilities: default to what the backend declares --------------------------------

    @property
    def can_read(self) -> bool:
        """``read`` and ``read_bytes`` work (``Capability.READ``)."""
        return self.declares(Capability.READ)

    @property
    def can_seekable_read(self) -> bool:
        """``read`` streams seek and ``read_range`` works (``Capability.SEEKABLE_READ``)."""
        return self.declares(Capability.SEEKABLE_READ)

    @property
    def can_write(self) -> bool:
        """``write`` works (``Capability.WRITE``)."""
        return self.declares(Capability.WRITE)

    @property
    def can_atomic_write(self) -> bool:
        """``write_atomic`` works: readers see the old or the whole new file (``Capability.ATOMIC_WRITE``)."""
        return self.declares(Capability.ATOMIC_WRITE)

    @property
    def can_delete(self) -> bool:
        """``delete`` and ``delete_folder`` work (``Capability.DELETE``)."""
        return self.declares(Capability.DELETE)

    @property
    def can_list(self) -> bool:
        """``list_files``, ``list_folders`` and ``glob`` work (``Capability.LIST``)."""
        return self.declares(Capability.LIST)

    @property
    def can_move(self) -> bool:
        """``move`` works (``Capability.MOVE``)."""
        return self.declares(Capability.MOVE)

    @property
    def can_atomic_move(self) -> bool:
        """``move`` replaces its destination in one atomic step (``Capability.ATOMIC_MOVE``)."""
        return self.declares(Capability.ATOMIC_MOVE)

    @property
    def can_copy(self) -> bool:
        """``copy`` works (``Capability.COPY``)."""
        return self.declares(Capability.COPY)

    @property
    def can_metadata(self) -> bool:
        """``get_file_info`` and ``get_folder_info`` work (``Capability.METADATA``)."""
        return self.declares(Capability.METADATA)

    @property
    def can_content_type(self) -> bool:
        """``write(..., content_type=)`` is kept in ``FileInfo.content_type`` (``CONTENT_TYPE``)."""
        return self.declares(Capability.CONTENT_TYPE)

    @property
    def can_user_metadata(self) -> bool:
        """``write(..., metadata=)`` stores it for ``FileInfo.metadata`` (``Capability.USER_METADATA``)."""
        return self.declares(Capability.USER_METADATA)

    @property
    def can_conditional_write(self) -> bool:
        """``write(..., if_match=)`` replaces only the version named (``Capability.CONDITIONAL_WRITE``)."""
        return self.declares(Capability.CONDITIONAL_WRITE)

    @property
    def can_presigned_url(self) -> bool:
        """``url`` mints GET and PUT URLs for plain HTTP clients (``Capability.PRESIGNED_URL``)."""
        return self.declares(Capability.PRESIGNED_URL)

    # -- behaviours: what the backend declares in Backend.behaviour (CONF-012) ---------------

    @property
    def real_empty_folders(self) -> bool:
        """Folders exist on their own: one stays after its last file is deleted or moved away.

        ``Behaviour.real_empty_folders`` of the backend: true for file systems (local, memory).
        Object stores (S3, Azure blobs) have only key prefixes, so a folder vanishes with its last
        file; the suite checks that instead (STORE-016).
        """
        return self.behaviour.real_empty_folders

    @property
    def file_folder_conflicts_rejected(self) -> bool:
        """Writing a file where a folder is, or below a file, raises ``InvalidPath`` (STORE-007).

        ``Behaviour.file_folder_conflicts_rejected`` of the backend: true for file systems. An
        object store can hold key ``a`` and key ``a/b`` side by side and cannot refuse that
        without extra round trips per write.
        """
        return self.behaviour.file_folder_conflicts_rejected

    @property
    def missing_ok_delete_detects_folders(self) -> bool:
        """``delete(folder, missing_ok=True)`` raises ``InvalidPath`` rather than doing nothing (STORE-012).

        ``Behaviour.missing_ok_delete_detects_folders`` of the backend: true for file systems,
        where telling costs nothing. An object store that deletes with ``missing_ok=True`` in one
        request (no file there: nothing to do) declares ``False``; the suite then checks that the
        call deletes nothing.
        """
        return self.behaviour.missing_ok_delete_detects_folders

    @property
    def storage_faults_surface(self) -> bool:
        """Every failed storage call the backend meets raises: it neither retries nor works around one.

        The negation of ``Behaviour.retries_storage_faults``. Checked by the storage-fault tests
        (BACKEND-013, CONF-009) when the backend's tests give a ``FaultInjector``. True for a file
        system, where nothing is retried. For a backend that retries (S3 over HTTP) a call that
        met a fault may succeed, and the suite checks its result instead.
        """
        return not self.behaviour.retries_storage_faults

    @property
    def unicode_paths(self) -> bool:
        """Names with non-ASCII letters, emoji, spaces and punctuation are stored verbatim (STORE-024)."""
        return True

    @property
    def metadata_underscores_kept(self) -> bool:
        """A ``_`` in a metadata key reads back as ``_`` (STORE-040); follows ``can_user_metadata``.

        Declare ``False`` for a server that returns it as ``-`` (Ceph radosgw, S3-035).
        """
        return self.can_user_metadata

    @property
    def large_listings(self) -> bool:
        """Listing a folder of more than 1,000 entries is tested (STORE-023); it writes ~1,100 files."""
        return True

    @property
    def large_files(self) -> bool:
        """Streaming files of 16 MiB and more is tested (STREAM-004, STREAM-010)."""
        return True

    @property
    def thread_safe(self) -> bool:
        """One backend instance may be used from several threads at once (BACKEND-007).

        ``Behaviour.thread_safe`` of the backend. Every backend of this project is; the
        concurrency tests are skipped when ``False``.
        """
        return self.behaviour.thread_safe

    @property
    def race_free_create(self) -> bool:
        """Of concurrent ``write(..., overwrite=False)`` calls to one new path, one wins (ATOMIC-004)."""
        return self.can_write

    @property
    def atomic_conditional_write(self) -> bool:
        """Concurrent ``write(..., if_match=)`` calls with one ETag have one winner (STORE-042).

        Follows ``can_conditional_write``. Declare ``False`` for a test server that checks the
        condition but not atomically (moto: of 20 concurrent replaces with one ETag, two can win),
        which skips the concurrent counter test; the other conditional-write tests still run.
        """
        return self.can_conditional_write

    @property
    def entry_point_registered(self) -> bool:
        """The backend class is registered under the ``remote_store.backends`` entry points (BACKEND-010).

        Declare ``False`` for a backend class that exists only in tests.
        """
        return True

    @property
    def secret_values(self) -> tuple[str, ...]:
        """The values of the secret options (CONFIG-007) the backend under test was built with.

        None by default: a backend author returns them (e.g. the test server's password) so that
        the suite checks that no ``repr`` or ``str`` of the backend or a store shows one
        (BACKEND-001).
        """
        return ()

    @property
    def declares_secrets(self) -> bool:
        """``secret_values`` names at least one value: the test that no ``repr`` shows one runs."""
        return any(self.secret_values)

    @property
    def modified_at_tolerance(self) -> float:
        """Seconds ``FileInfo.modified_at`` may differ from the local clock at write time (STORE-025).

        Raise it for a server whose clock is known to drift or whose times are coarse.
        """
        return 60.0

    @property
    def url_put_headers(self) -> dict[str, str]:
        """Headers an HTTP PUT to a URL of ``url(..., method="PUT")`` must carry (URL-001).

        None for S3; a backend whose storage needs some (Azure: ``x-ms-blob-type: BlockBlob``)
        names them, as its spec does.
        """
        return {}

    def __repr__(self) -> str:
        bound = "unbound" if self._capabilities is None else repr(self._capabilities)
        return f"<{type(self).__name__} {bound}>"
