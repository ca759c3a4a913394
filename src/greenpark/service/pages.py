"""Server-rendered pages for browsers: a client's job list and each finished job's report.

A browser cannot send an API key header, so pages open through signed,
expiring links (HMAC-SHA256 over client, target and expiry, with a secret kept in
the job store) that a job's status returns — never a key in the URL.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse

from greenpark.service.jobs import stored_tables
from greenpark.service.store import Record, Store

PLOTLY_PATH = "/ui/static/plotly.min.js"


def sign(secret: str, client: str, target: str, expires: int) -> str:
    msg = f"{client}|{target}|{expires}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PageLinks:
    """Signed, expiring browser links of one service: its secret (kept in the store, shared by every replica)
    and how long a link stays valid."""

    secret: str
    ttl_s: float

    def to(self, client: str, target: str) -> str:
        """``/ui/jobs`` (``target='*'``) or ``/ui/jobs/{id}`` with ``client``, ``expires`` and ``sig``."""
        expires = int(time.time() + self.ttl_s)
        query = urlencode({"client": client, "expires": expires, "sig": sign(self.secret, client, target, expires)})
        path = "/ui/jobs" if target == "*" else f"/ui/jobs/{target}"
        return f"{path}?{query}"

    def valid(self, client: str, target: str, expires: int, sig: str) -> bool:
        """Whether ``sig`` signs a link to ``target`` for ``client`` that has not expired."""
        return expires >= time.time() and hmac.compare_digest(sign(self.secret, client, target, expires), sig)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:1.5rem}td,th{padding:.3rem .8rem;"
        "border-bottom:1px solid #ddd;text-align:left}</style></head>"
        f"<body>{body}</body></html>",
        status_code=status,
    )


def schedule_from_store(summary: dict, tables: dict):
    """A :class:`~greenpark.results.Schedule` rebuilt from a stored job (summary and typed tables, name → frame,
    as :func:`greenpark.service.jobs.stored_tables` reads them)."""
    from greenpark.results import load_schedule
    from greenpark.tables import frame_to_parquet

    with tempfile.TemporaryDirectory(prefix="greenpark-page-") as tmp:
        folder = Path(tmp)
        (folder / "summary.json").write_text(json.dumps(summary))
        for name, frame in tables.items():
            (folder / f"{name}.parquet").write_bytes(frame_to_parquet(frame))
        return load_schedule(folder)


def report_page(store: Store, row: Record, lang: str = "en") -> HTMLResponse:
    """The HTML report of a completed job (plotly.js served from ``/ui/static``)."""
    from greenpark.report import render_html

    schedule = schedule_from_store(row["summary"], stored_tables(store, row["id"]))
    return HTMLResponse(render_html(schedule, lang="zh" if lang == "zh" else "en", plotly_src=PLOTLY_PATH))
