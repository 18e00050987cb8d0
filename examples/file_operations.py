"""File operations: write, read, list, inspect, copy, move and delete through a Store.

Run it with ``python examples/file_operations.py`` (needs remote-store-core and
remote-store-local; ``pip install remote-store``). It works in a temporary folder, prints what
each step shows, and exits with a non-zero status if anything behaves unexpectedly.
"""

from __future__ import annotations

import tempfile

from remote_store import Store
from remote_store.backends.local import LocalBackend


def check(condition: bool, what: str) -> None:
    """Stop with exit status 1 when what the example shows does not hold."""
    if not condition:
        raise SystemExit(f"unexpected: {what}")


def main() -> None:
    """Walk through every file operation of the Store API."""
    with tempfile.TemporaryDirectory() as tmp, Store(LocalBackend(root=tmp), "project") as store:
        # Writing creates parent folders as needed.
        store.write("data/2024/january.csv", b"day,sales\n1,100\n2,120\n")
        store.write("data/2024/february.csv", b"day,sales\n1,90\n")
        store.write("README.txt", b"Sales figures by month.\n")
        print("wrote 3 files")

        # Reading: all at once, or as a stream.
        content = store.read_bytes("data/2024/january.csv")
        print(f"read_bytes: {content!r}")
        check(content == b"day,sales\n1,100\n2,120\n", "read_bytes returns what was written")
        with store.read("data/2024/january.csv") as stream:
            header = stream.readline()
        print(f"first line through read(): {header!r}")
        check(header == b"day,sales\n", "the stream starts with the header")

        # Queries never raise for a missing path.
        print(f"exists('data/2024'): {store.exists('data/2024')}, is_folder: {store.is_folder('data/2024')}")
        print(f"is_file('data/2025/march.csv'): {store.is_file('data/2025/march.csv')}")
        check(store.is_folder("data/2024") and not store.is_file("data/2024"), "data/2024 is a folder")
        check(not store.exists("data/2025/march.csv"), "a missing path does not exist")

        # Listing: lazy iterators, store-relative paths, no promised order.
        top = sorted(str(info.path) for info in store.list_files())
        everything = sorted(str(info.path) for info in store.list_files("", recursive=True))
        folders = sorted(store.list_folders("data"))
        print(f"list_files(''): {top}")
        print(f"list_files('', recursive=True): {everything}")
        print(f"list_folders('data'): {folders}")
        check(top == ["README.txt"], "only README.txt lies directly in the root")
        check(len(everything) == 3, "the recursive listing finds all three files")
        check(folders == ["2024"], "data holds one folder, listed by its name")

        # Metadata of one file, and a summary of a folder.
        info = store.get_file_info("data/2024/january.csv")
        print(f"get_file_info: name={info.name} size={info.size} modified_at={info.modified_at.isoformat()}")
        check(info.size == len(content) and info.modified_at.tzinfo is not None, "size and aware time")
        summary = store.get_folder_info("data")
        print(f"get_folder_info('data'): {summary.file_count} files, {summary.total_size} bytes")
        check(summary.file_count == 2, "data holds two files at any depth")

        # Copy and move; the destination's parent folders are created.
        store.copy("data/2024/january.csv", "archive/2024/january.csv")
        store.move("data/2024/february.csv", "archive/2024/february.csv")
        print(
            f"after copy and move: {sorted(str(i.path) for i in store.list_files('archive', recursive=True))}"
        )
        check(store.is_file("data/2024/january.csv"), "copy keeps the source")
        check(not store.is_file("data/2024/february.csv"), "move removes the source")
        check(store.read_bytes("archive/2024/february.csv") == b"day,sales\n1,90\n", "move keeps content")

        # Deleting files and folders.
        store.delete("README.txt")
        store.delete("README.txt", missing_ok=True)  # already gone: nothing to do
        store.delete_folder("archive", recursive=True)
        print(f"after deletes: {sorted(str(i.path) for i in store.list_files('', recursive=True))}")
        check(not store.exists("archive"), "the archive folder is gone")
        check(store.is_file("data/2024/january.csv"), "unrelated files survive")

    print("file_operations: OK")


if __name__ == "__main__":
    main()
