"""The generated capability matrix shows what every backend declares, behaviour facts included."""

from __future__ import annotations

import re

import gen_capability_matrix as matrix
import pytest


@pytest.mark.spec("BACKEND-019")
def test_the_matrix_shows_each_backends_declared_behaviour() -> None:
    backends = matrix.collect()
    names = [backend.declared.type_name for backend in backends]
    assert {"local", "memory", "s3"} <= set(names)
    from remote_store import Behaviour

    facts = matrix.behaviour_descriptions()
    assert [fact for fact, _, _ in facts] == list(Behaviour().as_dict())
    assert all(description for _, _, description in facts), facts
    page = matrix.render(backends)
    for fact, strict, _ in facts:
        row = re.search(rf"^\| `{fact}` \|.*$", page, flags=re.MULTILINE)
        assert row, f"no row for {fact}"
        cells = [cell.strip() for cell in row[0].split(" | ")[1 : 1 + len(backends)]]
        for backend, cell in zip(backends, cells, strict=True):
            value = backend.behaviour[fact]
            assert cell.strip("*") == ("yes" if value else "no")
            assert cell.startswith("**") == (value != strict), (backend.declared.type_name, fact, cell)
    s3 = next(backend for backend in backends if backend.declared.type_name == "s3")
    assert s3.behaviour["real_empty_folders"] is False and s3.behaviour["retries_storage_faults"] is True


def test_the_committed_page_is_up_to_date() -> None:
    assert matrix.OUTPUT.read_text(encoding="utf-8") == matrix.render(matrix.collect())


@pytest.mark.spec("URL-009", "URL-003")
def test_a_capability_that_follows_the_options_names_them() -> None:
    backends = {backend.declared.type_name: backend for backend in matrix.collect()}
    row = re.search(r"^\| `PRESIGNED_URL` \|.*$", matrix.render(list(backends.values())), flags=re.MULTILINE)
    assert row
    cells = dict(
        zip(backends, [cell.strip() for cell in row[0].split(" | ")[1 : 1 + len(backends)]], strict=True)
    )
    assert cells["azure"] == "with `account_key`"
    assert cells["s3"] == "yes"
    assert cells["local"] == cells["memory"] == cells["sftp"] == "**no**"
