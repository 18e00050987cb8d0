"""fsspec over remote-store: a store as an fsspec filesystem, and the ``rstore://`` protocol.

Run it with ``python examples/fsspec_bridge.py`` (needs remote-store-core, remote-store-local and
remote-store-fsspec). Data tools (pandas, pyarrow, polars, duckdb) take the same URLs and
filesystems; this example uses fsspec alone so that it runs without them. Any error ends it with
a non-zero status.
"""

import csv
import io
import tempfile

import fsspec

from remote_store import Store
from remote_store.backends.local import LocalBackend
from remote_store.fsspec import RemoteStoreFileSystem

with tempfile.TemporaryDirectory() as tmp:
    # One store, store-relative paths.
    with Store(LocalBackend(root=tmp), "data") as store:
        fs = RemoteStoreFileSystem(store)
        with fs.open("reports/2024.csv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([["month", "total"], ["jan", 10], ["feb", 12]])
        print(fs.ls("reports", detail=False))  # ['reports/2024.csv']
        print(fs.cat_file("reports/2024.csv", start=0, end=11))  # b'month,total'

        # A write that fails publishes nothing: the file keeps its old content.
        try:
            with fs.open("reports/2024.csv", "wb") as handle:
                handle.write(b"half a fi")
                raise RuntimeError("the producer failed")
        except RuntimeError:
            pass
        print(store.read_bytes("reports/2024.csv").splitlines()[0])  # b'month,total'

    # Named stores: rstore://<store-name>/<path>, configured once (here inline; in an application
    # usually the TOML file named by REMOTE_STORE_CONFIG). pandas.read_csv takes the same URL.
    config = {
        "backends": {"disk": {"type": "local", "options": {"root": tmp}}},
        "stores": {"reports": {"backend": "disk", "root_path": "data/reports"}},
    }
    with fsspec.open("rstore://reports/2024.csv", "r", config=config) as text:
        rows = list(csv.DictReader(io.StringIO(text.read())))
    print(sum(int(row["total"]) for row in rows))  # 22
    fsspec.filesystem("rstore", config=config).close()
