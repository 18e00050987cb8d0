"""The record of one mutant: what it breaks, where, and how to build it."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One deliberately broken backend.

    Attributes:
        name: unique within its base (``memory``, ``local`` or ``s3``).
        requirement: the one requirement ID of ``specs/`` that the mutant violates.
        description: how it violates it, in a sentence.
        factory: the backend class (a subclass of, or wrapper around, the base backend), built
            with the base's options.
        note: where the spec is ambiguous or the violation needs a condition to show, say so.
    """

    name: str
    requirement: str
    description: str
    factory: Any
    note: str = ""
