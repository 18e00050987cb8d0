"""Pattern listing, text, child stores and random access: the conveniences of the Store API.

Run it with ``python examples/glob_text_and_ranges.py`` (needs remote-store-core and
remote-store-local; ``pip install remote-store``). It works in a temporary folder, prints what
each step shows, and exits with a non-zero status if anything behaves unexpectedly.
"""

from __future__ import annotations

import io
import tempfile

from remote_store import Capability, InvalidPath, InvalidRange, RemotePath, Store
from remote_store.backends import LocalBackend  # imported on first use of the name


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def main() -> None:
    """Show glob, list_folders, read_text/write_text, child, seekable reads and read_range."""
    with tempfile.TemporaryDirectory() as tmp, Store(LocalBackend(root=tmp)) as store:
        # Text in and out (UTF-8 unless told otherwise).
        for month, total in (("01", 100), ("02", 90), ("03", 120)):
            store.write_text(f"reports/2024/{month}.csv", f"month,total\n{month},{total}\n")
        store.write_text("reports/2024/q1/summary.md", "Q1: 310 in total ✓\n")
        store.write_text("reports/2023/12.csv", "month,total\n12,80\n")
        print(f"read_text: {store.read_text('reports/2024/q1/summary.md')!r}")
        check(store.read_text("reports/2024/q1/summary.md") == "Q1: 310 in total ✓\n", "text round-trips")

        # list_folders yields names; join them to the folder listed for paths.
        names = sorted(store.list_folders("reports"))
        paths = [str(RemotePath("reports") / name) for name in names]
        print(f"list_folders('reports'): {names} -> {paths}")
        check(names == ["2023", "2024"], "list_folders yields folder names")

        # glob: *, ? and [...] within a segment, ** across segments; only the literal prefix
        # (reports/2024 here) is listed.
        csvs = sorted(str(info.path) for info in store.glob("reports/2024/*.csv"))
        everything = sorted(str(info.path) for info in store.glob("reports/**/*.[cm][sd]*"))
        print(f"glob('reports/2024/*.csv'): {csvs}")
        print(f"glob('reports/**/*.[cm][sd]*'): {everything}")
        check(csvs == ["reports/2024/01.csv", "reports/2024/02.csv", "reports/2024/03.csv"], "one level")
        check(len(everything) == 5, "** matches at any depth")
        try:
            store.glob("reports/**x")
        except InvalidPath as error:
            print(f"a bad pattern: {error}")

        # A child store is the folder below, on the same backend (closing it leaves the parent open).
        year = store.child("reports/2024")
        print(f"child('reports/2024').glob('*.csv'): {sorted(str(i.path) for i in year.glob('*.csv'))}")
        check(year.read_text("01.csv") == store.read_text("reports/2024/01.csv"), "the same file")
        year.close()
        check(store.exists("reports"), "the parent store is still open")

        # Random access: the stream seeks, and read_range fetches one range in one request.
        check(store.supports(Capability.SEEKABLE_READ), "the local backend declares SEEKABLE_READ")
        store.write("blob.bin", bytes(range(256)) * 1024)
        with store.read("blob.bin") as stream:
            stream.seek(-3, io.SEEK_END)
            tail = stream.read()
            print(f"last 3 bytes after seek: {tail!r}, position {stream.tell()}")
        check(tail == b"\xfd\xfe\xff", "seek from the end")
        piece = store.read_range("blob.bin", 1000, 1004)
        print(f"read_range('blob.bin', 1000, 1004): {piece!r}")
        check(piece == bytes([232, 233, 234, 235]), "a range is data[start:end]")
        check(store.read_range("blob.bin", 262_140, 999_999) == b"\xfc\xfd\xfe\xff", "past the end")
        try:
            store.read_range("blob.bin", 10, 5)
        except InvalidRange as error:
            print(f"a reversed range: {error}")

    print("glob_text_and_ranges: OK")


if __name__ == "__main__":
    main()
