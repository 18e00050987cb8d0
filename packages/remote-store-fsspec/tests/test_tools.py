"""pandas, pyarrow, polars, dask and duckdb read back exactly what they wrote, through ``rstore://``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from remote_store.fsspec import RegistryFileSystem


@pytest.fixture(params=["local", "s3"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "local":
        backend = {"type": "local", "options": {"root": str(tmp_path / "root")}}
    else:
        backend = {"type": "s3", "options": request.getfixturevalue("s3_options")}
    return {
        "backends": {"main": backend},
        "stores": {"data": {"backend": "main", "root_path": f"t-{uuid.uuid4().hex[:12]}"}},
    }


@pytest.fixture
def fs(config: dict[str, Any]) -> Iterator[RegistryFileSystem]:
    filesystem = RegistryFileSystem(config=config)
    yield filesystem
    filesystem.close()


def frame() -> Any:
    return pd.DataFrame(
        {
            "id": list(range(1000)),
            "name": [f"row {i}" for i in range(1000)],
            "x": [i / 7 for i in range(1000)],
        }
    )


@pytest.mark.spec("FSSPEC-030")
def test_pandas_csv_and_parquet_round_trip(config: dict[str, Any], fs: RegistryFileSystem) -> None:
    options = {"config": config}
    data = frame()
    data.to_csv("rstore://data/reports/2024.csv", index=False, storage_options=options)
    data.to_parquet("rstore://data/reports/2024.parquet", storage_options=options)
    pd.testing.assert_frame_equal(
        pd.read_csv("rstore://data/reports/2024.csv", storage_options=options), data
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet("rstore://data/reports/2024.parquet", storage_options=options), data
    )
    assert fs.cat_file("data/reports/2024.csv").startswith(b"id,name,x\n0,row 0,0.0\n")


@pytest.mark.spec("FSSPEC-030")
def test_pyarrow_dataset_over_a_folder(fs: RegistryFileSystem) -> None:
    parts = [pa.table({"part": [p] * 100, "value": list(range(p * 100, p * 100 + 100))}) for p in range(3)]
    for number, table in enumerate(parts):
        with fs.open(f"data/events/part-{number}.parquet", "wb") as handle:
            pq.write_table(table, handle)
    dataset = ds.dataset("data/events", filesystem=fs, format="parquet")
    read = dataset.to_table().sort_by("value")
    assert read.equals(pa.concat_tables(parts))
    only = dataset.to_table(columns=["value"], filter=ds.field("part") == 1)
    assert only.column("value").to_pylist() == list(range(100, 200))


@pytest.mark.spec("FSSPEC-030")
def test_polars_parquet_round_trip(fs: RegistryFileSystem) -> None:
    data = pl.DataFrame({"id": list(range(500)), "label": [f"l{i % 7}" for i in range(500)]})
    with fs.open("data/polars/frame.parquet", "wb") as handle:
        data.write_parquet(handle)
    with fs.open("data/polars/frame.parquet", "rb") as handle:
        assert pl.read_parquet(handle).equals(data)


def _as_written(read: Any, data: Any) -> Any:
    """``read`` in ``data``'s row order and dtypes: dask reads strings as pyarrow-backed strings."""
    return read.sort_values("id").reset_index(drop=True).astype(data.dtypes.to_dict())


@pytest.mark.spec("FSSPEC-030")
def test_dask_parquet_and_csv_round_trip(config: dict[str, Any], fs: RegistryFileSystem) -> None:
    options = {"config": config}
    data = frame()
    # Threads, dask's default for dataframes: partitions are written and read concurrently.
    with dask.config.set(scheduler="threads"):
        dd.from_pandas(data, npartitions=4).to_parquet(
            "rstore://data/dask/parquet", storage_options=options, write_index=False
        )
        written = sorted(info["name"] for info in fs.find("data/dask/parquet", detail=True).values())
        assert len([name for name in written if name.endswith(".parquet")]) == 4, written
        read = dd.read_parquet("rstore://data/dask/parquet", storage_options=options).compute()
        pd.testing.assert_frame_equal(_as_written(read, data), data)

        dd.from_pandas(data, npartitions=3).to_csv(
            "rstore://data/dask/csv/part-*.csv", storage_options=options, index=False
        )
        assert len(fs.glob("data/dask/csv/part-*.csv")) == 3
        csv = dd.read_csv("rstore://data/dask/csv/part-*.csv", storage_options=options).compute()
        pd.testing.assert_frame_equal(_as_written(csv, data), data)


@pytest.mark.spec("FSSPEC-030")
def test_duckdb_reads_through_register_filesystem(fs: RegistryFileSystem) -> None:
    table = pa.table({"id": list(range(300)), "x": [i * 2 for i in range(300)]})
    with fs.open("data/duck/t.parquet", "wb") as handle:
        pq.write_table(table, handle)
    connection = duckdb.connect()
    try:
        connection.register_filesystem(fs)
        rows = connection.sql(
            "SELECT count(*), sum(x) FROM read_parquet('rstore://data/duck/t.parquet')"
        ).fetchall()
        assert rows == [(300, sum(i * 2 for i in range(300)))]
        connection.sql("COPY (SELECT 7 AS seven) TO 'rstore://data/duck/out.csv' (HEADER)")
        assert fs.cat_file("data/duck/out.csv").split() == [b"seven", b"7"]
    finally:
        connection.close()
