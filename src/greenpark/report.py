"""Reports people can look at: one self-contained HTML file per schedule, and an Excel workbook.

The HTML embeds plotly.js (it opens offline) and a JSON block
``<script type="application/json" id="greenpark-data">`` with the numbers shown
(KPIs, totals), so tests and tools read the figures without scraping pixels.
Labels in English or Simplified Chinese; times in the park's time zone.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from greenpark import kinds
from greenpark.results import Schedule, load_schedule

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Schedule report",
        "cost": "Total cost",
        "co2": "Total CO₂",
        "renewable": "Renewable share",
        "self_consumption": "PV self-consumption",
        "peak": "Peak grid import",
        "saving": "Saving vs business as usual",
        "co2_saving": "CO₂ saving vs business as usual",
        "electricity": "Electricity dispatch",
        "heat": "Heat dispatch",
        "cooling": "Cooling dispatch",
        "demand": "Demand",
        "storage": "Storage levels",
        "grid": "Grid exchange, time-of-use tariff and marginal price",
        "import": "Import",
        "export": "Export",
        "tariff": "Time-of-use tariff",
        "marginal": "Marginal price (park node)",
        "emissions": "Emissions and carbon intensity",
        "co2_step": "CO₂ per step",
        "intensity": "Grid carbon intensity",
        "tenants": "Tenants and the park's own row: bills (marginal method) and attributed emissions",
        "tenant_cost": "Bill",
        "tenant_co2": "CO₂",
        "tenant_co2_ledger": "CO₂ counted by the tenant cap",
        "park_row": "park (own use)",
        "production": "Production runs",
        "frontier": "Cost–carbon frontier",
        "status": "Status",
        "horizon": "Horizon",
        "explanation": "Why the park is infeasible",
        "kw": "kW",
        "kwh": "kWh",
        "cny": "CNY",
        "t": "t",
        "cny_per_kwh": "CNY/kWh",
        "kg": "kg",
        "kg_per_kwh": "kg/kWh",
        "overview": "Batch overview",
        "run": "Run",
        "report": "Report",
    },
    "zh": {
        "title": "调度报告",
        "cost": "总成本",
        "co2": "总碳排放",
        "renewable": "可再生能源占比",
        "self_consumption": "光伏自用率",
        "peak": "电网最大进线功率",
        "saving": "相比常规运行节省",
        "co2_saving": "相比常规运行减排",
        "electricity": "电力调度",
        "heat": "热力调度",
        "cooling": "供冷调度",
        "demand": "负荷",
        "storage": "储能状态",
        "grid": "电网交换、分时电价与边际电价",
        "import": "购电",
        "export": "售电",
        "tariff": "分时电价",
        "marginal": "园区节点边际电价",
        "emissions": "碳排放与碳强度",
        "co2_step": "每时段碳排放",
        "intensity": "电网碳强度",
        "tenants": "企业及园区自身：账单（边际电价法）与分摊碳排放",
        "tenant_cost": "账单",
        "tenant_co2": "碳排放",
        "tenant_co2_ledger": "碳排放（限额口径）",
        "park_row": "园区自身",
        "production": "生产批次",
        "frontier": "成本—碳排放前沿",
        "status": "状态",
        "horizon": "时段",
        "explanation": "不可行原因",
        "kw": "千瓦",
        "kwh": "千瓦时",
        "cny": "元",
        "t": "吨",
        "cny_per_kwh": "元/千瓦时",
        "kg": "千克",
        "kg_per_kwh": "千克/千瓦时",
        "overview": "批量运行总览",
        "run": "运行",
        "report": "报告",
    },
}


def _block_style(block: str, lang: str) -> tuple[str, str | None]:
    """A chart series' name in ``lang`` and colour: the asset kind's own (:mod:`greenpark.kinds`), else the block."""
    if block in kinds.names():
        k = kinds.get(block)
        return k.label(lang), k.colour
    return block, None


def _number(v: float, lang: str, digits: int = 0) -> str:
    return f"{v:,.{digits}f}"


def kpi_values(s: Schedule) -> dict[str, float]:
    """The headline numbers of a schedule (what the KPI cards show)."""
    k = s.kpis
    out = {
        "total_cost_cny": float(k.get("total_cost_cny", s.objective_cny or 0.0)),
        "total_co2_t": float(k.get("total_co2_t", 0.0)),
        "renewable_share": float(k.get("renewable_share", 0.0)),
        "pv_self_consumption": float(k.get("pv_self_consumption", 0.0)),
        "peak_grid_import_kw": float(k.get("peak_grid_import_kw", 0.0)),
    }
    if s.bau and "saving_cny" in s.bau:
        out["saving_cny"] = float(s.bau["saving_cny"])
        out["saving_co2_t"] = float(s.bau["saving_co2_t"])
    return out


def _carrier_flows(s: Schedule, carrier: str) -> tuple[pd.DataFrame, pd.Series]:
    """Supply by technology (stacked) and the demand line, summed over nodes (links cancel out)."""
    bal = s.balances
    if bal.empty or carrier not in bal.columns.get_level_values(0):
        return pd.DataFrame(), pd.Series(dtype=float)
    sub = bal[carrier]
    supply: dict[str, pd.Series] = {}
    demand = pd.Series(0.0, index=sub.index)
    for (_node, term), col in sub.items():
        if term == "residual" or term.startswith("link["):
            continue
        block = "demand" if term == "demand" else term.split("[")[0]
        pos, neg = col.clip(lower=0), (-col).clip(lower=0)
        if block != "demand" and pos.abs().sum() > 1e-9:
            supply[block] = supply.get(block, 0.0) + pos
        demand = demand + neg
    return pd.DataFrame(supply), demand


def _figures(s: Schedule, lang: str, frontier: pd.DataFrame | None) -> list[tuple[str, Any]]:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    L = LABELS[lang]
    figs: list[tuple[str, Any]] = []
    x = s.dispatch.index
    for carrier in ("electricity", "heat", "cooling"):
        supply, demand = _carrier_flows(s, carrier)
        if supply.empty:
            continue
        fig = go.Figure()
        for block, series in supply.items():
            name, colour = _block_style(block, lang)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=series.to_numpy().tolist(),
                    name=name,
                    stackgroup="supply",
                    mode="lines",
                    line={"width": 0.5, "color": colour},
                )
            )
        fig.add_trace(
            go.Scatter(x=x, y=demand.to_numpy().tolist(), name=L["demand"], mode="lines", line={"color": "black"})
        )
        fig.update_layout(title=L[carrier], yaxis_title=L["kw"])
        figs.append((f"dispatch-{carrier}", fig))
    soc = s.storage
    if not soc.empty:
        fig = go.Figure()
        for col in soc.columns:
            block, key = col.split("]")[0].split("[", 1)
            name = _block_style(block, lang)[0]  # the default palette tells stores apart, even of one kind
            fig.add_trace(go.Scatter(x=x, y=soc[col].to_numpy().tolist(), name=f"{name} {key}", mode="lines"))
        fig.update_layout(title=L["storage"], yaxis_title=L["kwh"])
        figs.append(("storage", fig))
    imp = [c for c in s.dispatch.columns if c.startswith("grid[") and c.endswith(".import_kw")]
    if imp:
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        exp = [c.replace(".import_kw", ".export_kw") for c in imp]
        fig.add_trace(
            go.Bar(x=x, y=s.dispatch[imp].sum(axis=1).to_numpy().tolist(), name=L["import"], marker_color="#7f8c8d")
        )
        fig.add_trace(
            go.Bar(x=x, y=(-s.dispatch[exp].sum(axis=1)).to_numpy().tolist(), name=L["export"], marker_color="#f1c40f")
        )
        if "import_tariff_cny_per_kwh" in s.prices:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=s.prices["import_tariff_cny_per_kwh"].to_numpy().tolist(),
                    name=L["tariff"],
                    line={"shape": "hv", "color": "#c0392b"},
                ),
                secondary_y=True,
            )
        if "electricity_cny_per_kwh" in s.prices:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=s.prices["electricity_cny_per_kwh"].to_numpy().tolist(),
                    name=L["marginal"],
                    line={"dash": "dot", "color": "#2c3e50"},
                ),
                secondary_y=True,
            )
        fig.update_yaxes(title_text=L["kw"], secondary_y=False)
        fig.update_yaxes(title_text=L["cny_per_kwh"], secondary_y=True)
        fig.update_layout(title=L["grid"], barmode="relative")
        figs.append(("grid", fig))
    if "co2_kg" in s.prices:
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_trace(go.Bar(x=x, y=s.prices["co2_kg"].to_numpy().tolist(), name=L["co2_step"], marker_color="#34495e"))
        if "grid_co2_kg_per_kwh" in s.prices:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=s.prices["grid_co2_kg_per_kwh"].to_numpy().tolist(),
                    name=L["intensity"],
                    line={"color": "#e74c3c"},
                ),
                secondary_y=True,
            )
        fig.update_yaxes(title_text=L["kg"], secondary_y=False)
        fig.update_yaxes(title_text=L["kg_per_kwh"], secondary_y=True)
        fig.update_layout(title=L["emissions"])
        figs.append(("emissions", fig))
    if not s.tenants.empty:
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        t = s.tenants.rename(index={"park": L["park_row"]})
        fig.add_trace(
            go.Bar(
                x=list(t.index),
                y=t["bill_cny"].to_numpy().tolist(),
                name=L["tenant_cost"],
                offsetgroup=0,
                marker_color="#2980b9",
            )
        )
        fig.add_trace(
            go.Bar(
                x=list(t.index),
                y=t["co2_t"].to_numpy().tolist(),
                name=L["tenant_co2"],
                offsetgroup=1,
                marker_color="#7f8c8d",
            ),
            secondary_y=True,
        )
        if "carbon_cap_price_cny_per_t" in t:  # a tenant cap exists: show what it counts beside the attributed CO2
            fig.add_trace(
                go.Bar(
                    x=list(t.index),
                    y=t["co2_cap_ledger_t"].fillna(0.0).to_numpy().tolist(),
                    name=L["tenant_co2_ledger"],
                    offsetgroup=2,
                    marker_color="#bdc3c7",
                ),
                secondary_y=True,
            )
        fig.update_yaxes(title_text=L["cny"], secondary_y=False)
        fig.update_yaxes(title_text=L["t"], secondary_y=True)
        fig.update_layout(title=L["tenants"])
        figs.append(("tenants", fig))
    runs = _runs(s)
    if runs:
        fig = go.Figure()
        for job, start, end in runs:
            fig.add_trace(
                go.Bar(
                    x=[(end - start) / pd.Timedelta("1ms")],
                    y=[job],
                    base=[start],
                    orientation="h",
                    name=job,
                    showlegend=False,
                    marker_color="#8e44ad",
                )
            )
        fig.update_layout(title=L["production"], xaxis={"type": "date"})
        figs.append(("production", fig))
    if frontier is not None and not frontier.empty:
        mac = [f"MAC {m:,.0f} CNY/t" for m in frontier["marginal_abatement_cost_cny_per_t"]]
        fig = go.Figure(go.Scatter(x=frontier["co2_t"], y=frontier["cost_cny"], mode="lines+markers", text=mac))
        fig.update_layout(title=L["frontier"], xaxis_title=f"CO₂ [{L['t']}]", yaxis_title=f"{L['cost']} [{L['cny']}]")
        figs.append(("frontier", fig))
    return figs


def _runs(s: Schedule) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    out = []
    step = pd.Timedelta(hours=s.step_h)
    for col in s.dispatch.columns:
        if not (col.startswith("batch_job[") and col.endswith(".power_kw")):
            continue
        job = col[len("batch_job[") : col.index("]")]
        on = s.dispatch[col].to_numpy() > 1e-6
        idx = s.dispatch.index
        i = 0
        while i < len(on):
            if on[i]:
                j = i
                while j < len(on) and on[j]:
                    j += 1
                out.append((job, idx[i], idx[j - 1] + step))
                i = j
            else:
                i += 1
    return out


def _series(s: Schedule) -> dict[str, list]:
    """Per-step numbers behind the grid and emissions charts (times in the park's zone)."""
    d = s.dispatch
    imp = [c for c in d.columns if c.startswith("grid[") and c.endswith(".import_kw")]
    out: dict[str, list] = {"time": [t.isoformat() for t in d.index]}
    if imp:
        out["grid_import_kw"] = [round(float(v), 6) for v in d[imp].sum(axis=1)]
        exp = [c.replace(".import_kw", ".export_kw") for c in imp]
        out["grid_export_kw"] = [round(float(v), 6) for v in d[exp].sum(axis=1)]
    if "co2_kg" in s.prices:
        out["co2_kg"] = [round(float(v), 6) for v in s.prices["co2_kg"]]
    return out


def render_html(
    s: Schedule, *, lang: str = "en", frontier: pd.DataFrame | None = None, plotly_src: str | None = None
) -> str:
    """One self-contained HTML page (plotly.js inline) for a schedule.

    ``plotly_src`` instead references a local copy of plotly.js by a relative
    path (batch nights share one copy: still offline, far smaller per run).
    """
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    if lang not in LABELS:
        raise ValueError(f"lang must be one of {sorted(LABELS)}")
    L = LABELS[lang]
    kpis = kpi_values(s) if s.ok else {}
    cards = []
    shown = [
        ("cost", "total_cost_cny", L["cny"], 0),
        ("co2", "total_co2_t", L["t"], 1),
        ("renewable", "renewable_share", "%", 1),
        ("self_consumption", "pv_self_consumption", "%", 1),
        ("peak", "peak_grid_import_kw", L["kw"], 0),
        ("saving", "saving_cny", L["cny"], 0),
        ("co2_saving", "saving_co2_t", L["t"], 2),
    ]
    for label, key, unit, digits in shown:
        if key not in kpis:
            continue
        v = kpis[key] * (100 if unit == "%" else 1)
        cards.append(
            f'<div class="card" data-kpi="{key}"><div class="label">{html.escape(L[label])}</div>'
            f'<div class="value">{_number(v, lang, digits)} {html.escape(unit)}</div></div>'
        )
    figs = _figures(s, lang, frontier) if s.ok else []
    divs = [
        f'<section id="{name}">'
        + pio.to_html(
            fig,
            include_plotlyjs=False,
            full_html=False,
            div_id=f"plot-{name}",
            config={"displaylogo": False, "responsive": True},
        )
        + "</section>"
        for name, fig in figs
    ]
    start = s.index[0].strftime("%Y-%m-%d %H:%M %Z") if len(s.index) else ""
    horizon = f"{len(s.index) * s.step_h:g} h"
    explanation = ""
    if s.explanation:
        items = "".join(f"<li>{html.escape(f.get('message', ''))}</li>" for f in s.explanation)
        explanation = f'<section id="explanation"><h2>{html.escape(L["explanation"])}</h2><ul>{items}</ul></section>'
    data = {
        "park": s.park,
        "status": s.status.value,
        "start": s.index[0].isoformat() if len(s.index) else None,
        "horizon_h": len(s.index) * s.step_h,
        "kpis": kpis,
        "costs_cny": {k: float(v) for k, v in s.costs_cny.items()},
        "tenants": {
            str(t): {
                "bill_cny": float(r["bill_cny"]),
                "co2_t": float(r["co2_t"]),
                "co2_market_t": float(r["co2_market_t"]),
                **({"co2_cap_ledger_t": float(r["co2_cap_ledger_t"])} if "carbon_cap_price_cny_per_t" in r else {}),
            }
            for t, r in s.tenants.iterrows()
        }
        if not s.tenants.empty
        else {},
        "figures": [name for name, _ in figs],
        "lang": lang,
        "series": _series(s) if s.ok else {},
    }
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{html.escape(L["title"])} — {html.escape(s.park)}</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5rem; color: #2c3e50; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1rem 0; }}
.card {{ border: 1px solid #dfe6e9; border-radius: 8px; padding: 0.6rem 1rem; min-width: 11rem; }}
.card .label {{ font-size: 0.85rem; color: #636e72; }} .card .value {{ font-size: 1.35rem; font-weight: 600; }}
section {{ margin: 1.5rem 0; }}
</style>
{f'<script src="{html.escape(plotly_src)}"></script>' if plotly_src else f"<script>{get_plotlyjs()}</script>"}
</head>
<body>
<h1>{html.escape(L["title"])}: {html.escape(s.park)}</h1>
<p>{html.escape(L["status"])}: <b>{html.escape(s.status.value)}</b> — {html.escape(s.message)}<br>
{html.escape(L["horizon"])}: {html.escape(start)} + {html.escape(horizon)}</p>
<div class="cards">{"".join(cards)}</div>
{explanation}
{"".join(divs)}
<script type="application/json" id="greenpark-data">{payload}</script>
</body>
</html>
"""


def write_report(result_dir: str | Path, out: str | Path | None = None, *, lang: str = "en") -> Path:
    """Render the report of a result folder (a ``frontier.csv`` beside it is drawn too)."""
    result_dir = Path(result_dir)
    s = load_schedule(result_dir)
    frontier = None
    for candidate in (result_dir / "frontier.csv", result_dir.parent / "frontier.csv"):
        if candidate.exists():
            frontier = pd.read_csv(candidate)
            break
    out = Path(out) if out is not None else result_dir / "report.html"
    out.write_text(render_html(s, lang=lang, frontier=frontier), encoding="utf-8")
    return out


def write_workbook(s: Schedule, path: str | Path) -> Path:
    """One Excel workbook: summary, dispatch, tenants, prices (times without zone, in park local time)."""
    path = Path(path)
    summary = pd.DataFrame(
        [
            (k, v)
            for k, v in {
                **kpi_values(s),
                **{f"cost_{k}_cny": float(v) for k, v in s.costs_cny.items()},
                "status": s.status.value,
                "objective_cny": s.objective_cny,
            }.items()
        ],
        columns=["item", "value"],
    )

    def local(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        if isinstance(out.index, pd.DatetimeIndex) and out.index.tz is not None:
            out.index = out.index.tz_localize(None)
        return out

    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        summary.to_excel(xl, sheet_name="summary", index=False)
        if s.ok:
            local(s.dispatch).to_excel(xl, sheet_name="dispatch")
            s.tenants.to_excel(xl, sheet_name="tenants")
            local(s.prices).to_excel(xl, sheet_name="prices")
    return path


def write_plotlyjs(folder: str | Path) -> Path:
    """A local copy of plotly.js (for reports that reference it with ``plotly_src``)."""
    from plotly.offline import get_plotlyjs

    path = Path(folder) / "plotly.min.js"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".plotly.min.js.{os.getpid()}")
        tmp.write_text(get_plotlyjs(), encoding="utf-8")
        os.replace(tmp, path)  # several processes may race: each writes whole, one wins
    return path


def batch_overview(day_dir: str | Path, *, lang: str = "en") -> Path:
    """An overview page of one night: every run with its status, cost and CO₂, linked to its report."""
    day_dir = Path(day_dir)
    L = LABELS[lang]
    manifest = json.loads((day_dir / "manifest.json").read_text())
    rows = []
    for run_id, rec in sorted(manifest["runs"].items()):
        rel = "/".join(run_id.split("/")[1:])
        link = (
            f'<a href="{html.escape(rel)}/report.html">{html.escape(L["report"])}</a>'
            if (day_dir / rel / "report.html").exists()
            else ""
        )
        cost = rec.get("objective_cny")
        co2 = rec.get("co2_t")
        rows.append(
            f"<tr><td>{html.escape(run_id)}</td><td>{html.escape(str(rec.get('status')))}</td>"
            f"<td>{'' if cost is None else f'{cost:,.0f}'}</td><td>{'' if co2 is None else f'{co2:,.1f}'}</td>"
            f"<td>{link}</td></tr>"
        )
    style = (
        "body{font-family:system-ui,sans-serif;margin:1.5rem}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd}"
    )
    title = f"{L['overview']} — {manifest.get('batch', '')} {manifest['date']}"
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (L["run"], L["status"], f"{L['cost']} [{L['cny']}]", f"{L['co2']} [{L['t']}]", "")
    )
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<table><tr>{head}</tr>{''.join(rows)}</table></body></html>"
    )
    out = day_dir / "index.html"
    out.write_text(page, encoding="utf-8")
    return out


__all__ = ["LABELS", "batch_overview", "kpi_values", "render_html", "write_report", "write_workbook"]
