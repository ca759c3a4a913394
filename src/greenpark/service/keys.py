"""API keys: each bound to a client and optionally to a park; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from greenpark.service.store import Store


@dataclass(frozen=True)
class Client:
    """Who is calling: the client name and the park its key is limited to (if any)."""

    name: str
    park: str | None = None
    key_id: str = ""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _store(where: Engine | Store) -> Store:
    return where if isinstance(where, Store) else Store(where)


def create_key(where: Engine | Store, client: str, park: str | None = None) -> str:
    """Create a key for ``client``; the key itself is returned once and never stored."""
    key_id = secrets.token_hex(6)
    key = f"gp_{key_id}_{secrets.token_urlsafe(32)}"
    _store(where).add_key(key_id, client, park, _hash(key))
    return key


def revoke_key(where: Engine | Store, key_id: str) -> bool:
    return _store(where).revoke_key(key_id)


def list_keys(where: Engine | Store) -> list[dict]:
    return [dict(r) for r in _store(where).api_keys()]


def lookup(where: Engine | Store, key: str) -> Client | None:
    row = _store(where).active_key(_hash(key))
    return Client(row["client"], row["park"], row["id"]) if row else None


class KeyCache:
    """API key lookups remembered for ``ttl_s`` seconds (a revoked key stops working within that time)."""

    def __init__(self, store: Store, ttl_s: float) -> None:
        self.store, self.ttl_s = store, ttl_s
        self._seen: dict[str, tuple[float, Client | None]] = {}

    def get(self, key: str) -> Client | None:
        t = time.monotonic()
        hit = self._seen.get(key)
        if hit is not None and t - hit[0] < self.ttl_s:
            return hit[1]
        found = lookup(self.store, key)
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[key] = (t, found)
        return found
