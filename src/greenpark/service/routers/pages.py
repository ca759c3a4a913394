"""Pages for browsers, opened through signed links (no API key): a client's job list and a job's report,
and plotly.js for the reports. Not part of the API's contract."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from greenpark.service.deps import LinksDep, StoreDep
from greenpark.service.pages import PLOTLY_PATH, page, report_page
from greenpark.service.states import JobState

router = APIRouter(include_in_schema=False)

_EXPIRED = ("Link expired", "<h1>This link is invalid or has expired.</h1>", 403)


@router.get(PLOTLY_PATH)
def plotly_js() -> Response:
    from plotly.offline import get_plotlyjs

    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(get_plotlyjs(), media_type="application/javascript", headers=headers)


@router.get("/ui/jobs")
def job_list(client: str, expires: int, sig: str, store: StoreDep, links: LinksDep) -> HTMLResponse:
    if not links.valid(client, "*", expires, sig):
        return page(*_EXPIRED)
    items = []
    for row in store.jobs_of(client, limit=200):
        link = links.to(client, row["id"])
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
    return page(f"Jobs of {client}", body)


@router.get("/ui/jobs/{job_id}")
def job_page(
    job_id: str, client: str, expires: int, sig: str, store: StoreDep, links: LinksDep, lang: str = "en"
) -> HTMLResponse:
    if not links.valid(client, job_id, expires, sig):
        return page(*_EXPIRED)
    row = store.job(job_id, client)
    if row is None:
        return page("Not found", "<h1>No such job.</h1>", 404)
    if row["status"] != JobState.COMPLETED or not row["summary"]:
        msg = html.escape(row["message"] or "")
        head = f"<h1>Job {html.escape(job_id[:8])}: {html.escape(row['status'])}</h1>"
        return page(f"Job {job_id[:8]}", f"{head}<p>{msg}</p>")
    return report_page(store, row, lang)
