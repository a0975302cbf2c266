"""The value transformer: what happens to a value between the API and the bytes at rest.

kube-apiserver encrypts Secrets (and whatever else an ``EncryptionConfiguration`` names) by passing
every value through a transformer on its way into storage and back out. The store calls it for
every value it writes and every value it hands back, so what sits in memory, in the log and in
snapshots is exactly what the transformer produced. The key is passed along because kube-apiserver
binds ciphertext to its key as authenticated data: a value copied to another key must not decrypt.

The identity transformer is represented by ``None`` in the store, which then skips the calls.
"""

from __future__ import annotations

from typing import Protocol


class Transformer(Protocol):
    """Turns plaintext values into their stored form and back (``value.Transformer`` upstream)."""

    def to_storage(self, data: bytes, key: str) -> bytes:
        """The bytes to keep at rest for ``data`` written under ``key``."""
        ...

    def from_storage(self, data: bytes, key: str) -> tuple[bytes, bool]:
        """The plaintext for stored ``data`` under ``key``, and whether it is *stale*: readable,
        but written with a key or provider that is no longer the first one, so a rewrite would
        change it."""
        ...


class IdentityTransformer:
    """Stores values as they are; useful to test the transformer path itself."""

    def to_storage(self, data: bytes, key: str) -> bytes:
        return data

    def from_storage(self, data: bytes, key: str) -> tuple[bytes, bool]:
        return data, False
