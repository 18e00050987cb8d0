"""The README quick start: write a file to a local folder through a Store and read it back.

Run it with ``python examples/quickstart.py`` (needs remote-store-core and remote-store-local) or
``nox -s quickstart``. It prints ``b'Hello, world!'``; any error ends it with a non-zero status.
"""

import tempfile

from remote_store import BackendConfig, Registry, RegistryConfig, StoreProfile

with tempfile.TemporaryDirectory() as tmp:
    config = RegistryConfig(
        backends={"local": BackendConfig(type="local", options={"root": tmp})},
        stores={"data": StoreProfile(backend="local", root_path="data")},
    )
    with Registry(config) as registry:
        store = registry.get_store("data")
        store.write("hello.txt", b"Hello, world!")
        print(store.read_bytes("hello.txt"))  # b'Hello, world!'
