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
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from greenpark.service.db import jobs

PLOTLY_PATH = "/ui/static/plotly.min.js"


def sign(secret: str, client: str, target: str, expires: int) -> str:
    msg = f"{client}|{target}|{expires}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def signed_link(secret: str, client: str, target: str, ttl_s: float) -> str:
    """``/ui/jobs`` (``target='*'``) or ``/ui/jobs/{id}`` with ``client``, ``expires`` and ``sig``."""
    expires = int(time.time() + ttl_s)
    query = urlencode({"client": client, "expires": expires, "sig": sign(secret, client, target, expires)})
    path = "/ui/jobs" if target == "*" else f"/ui/jobs/{target}"
    return f"{path}?{query}"


def _check(secret: str, client: str, target: str, expires: int, sig: str) -> bool:
    return expires >= time.time() and hmac.compare_digest(sign(secret, client, target, expires), sig)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
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


def report_page(engine, row, lang: str = "en") -> HTMLResponse:
    """The HTML report of a completed job (plotly.js served from ``/ui/static``)."""
    from greenpark.report import render_html
    from greenpark.service.jobs import stored_tables

    schedule = schedule_from_store(row["summary"], stored_tables(engine, row["id"]))
    return HTMLResponse(render_html(schedule, lang="zh" if lang == "zh" else "en", plotly_src=PLOTLY_PATH))


def router(get_engine, get_secret, ttl_s: float) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get(PLOTLY_PATH)
    def plotly_js() -> Response:
        from plotly.offline import get_plotlyjs

        headers = {"Cache-Control": "public, max-age=86400"}
        return Response(get_plotlyjs(), media_type="application/javascript", headers=headers)

    @r.get("/ui/jobs")
    def job_list(client: str, expires: int, sig: str) -> HTMLResponse:
        secret = get_secret()
        if not _check(secret, client, "*", expires, sig):
            return _page("Link expired", "<h1>This link is invalid or has expired.</h1>", 403)
        with get_engine().connect() as conn:
            rows = (
                conn.execute(select(jobs).where(jobs.c.client == client).order_by(jobs.c.created_at.desc()).limit(200))
                .mappings()
                .all()
            )
        items = []
        for row in rows:
            link = signed_link(secret, client, row["id"], ttl_s)
            obj = (row["summary"] or {}).get("objective_cny")
            items.append(
                f'<tr><td><a href="{html.escape(link)}">{html.escape(row["id"][:8])}</a></td>'
                f"<td>{html.escape(row['park_name'] or '')}</td><td>{html.escape(row['status'])}</td>"
                f"<td>{html.escape(row['outcome'] or '')}</td><td>{'' if obj is None else f'{obj:,.0f}'}</td>"
                f"<td>{html.escape(str(row['created_at'])[:19])}</td></tr>"
            )
        body = (
            f"<h1>Jobs of {html.escape(client)}</h1><table><tr><th>job</th><th>park</th><th>status</th>"
            f"<th>outcome</th><th>cost CNY</th><th>created (UTC)</th></tr>{''.join(items)}</table>"
        )
        return _page(f"Jobs of {client}", body)

    @r.get("/ui/jobs/{job_id}")
    def job_page(job_id: str, client: str, expires: int, sig: str, lang: str = "en") -> HTMLResponse:
        if not _check(get_secret(), client, job_id, expires, sig):
            return _page("Link expired", "<h1>This link is invalid or has expired.</h1>", 403)
        with get_engine().connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id, jobs.c.client == client)).mappings().first()
        if row is None:
            return _page("Not found", "<h1>No such job.</h1>", 404)
        if row["status"] != "completed" or not row["summary"]:
            msg = html.escape(row["message"] or "")
            head = f"<h1>Job {html.escape(job_id[:8])}: {html.escape(row['status'])}</h1>"
            return _page(f"Job {job_id[:8]}", f"{head}<p>{msg}</p>")
        return report_page(get_engine(), row, lang)

    return r
