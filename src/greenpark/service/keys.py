"""API keys: each bound to a client and optionally to a park; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from greenpark.service.db import api_keys, now


@dataclass(frozen=True)
class Client:
    """Who is calling: the client name and the park its key is limited to (if any)."""

    name: str
    park: str | None = None
    key_id: str = ""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, client: str, park: str | None = None) -> str:
    """Create a key for ``client``; the key itself is returned once and never stored."""
    key_id = secrets.token_hex(6)
    key = f"gp_{key_id}_{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(id=key_id, client=client, park=park, key_hash=_hash(key), created_at=now())
        )
    return key


def revoke_key(engine: Engine, key_id: str) -> bool:
    with engine.begin() as conn:
        res = conn.execute(
            update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=now())
        )
    return res.rowcount > 0


def list_keys(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).mappings().all()
    return [{k: v for k, v in r.items() if k != "key_hash"} for r in rows]


def lookup(engine: Engine, key: str) -> Client | None:
    with engine.connect() as conn:
        row = (
            conn.execute(select(api_keys).where(api_keys.c.key_hash == _hash(key), api_keys.c.revoked_at.is_(None)))
            .mappings()
            .first()
        )
    return Client(row["client"], row["park"], row["id"]) if row else None
