"""Hypothesis strategies: random but valid park documents, small enough to solve in a blink.

``parks(steps)`` draws a park document (a dict for
``gp.park_from_dict(doc, base_dir=ROOT / "models")``) for a horizon of ``steps``
hourly steps from :data:`START`; every per-step list has ``steps`` values.
``cases()`` draws ``(doc, steps)`` with 4–12 steps.

Every asset kind of :mod:`greenpark.spec` appears, with the options that make
models differ (lists or scalars, export above the import price, demand charges,
PV forecasts above the inverter, commitment, batteries without simultaneous
charge and discharge, batch windows, precedence, lines with shifts and
deliveries, tenants with connection limits and caps, carbon policies). Parks may
well be infeasible (caps, limits, must-run units): that is wanted. They are meant
to pass validation, including the horizon checks made before a solve (job windows
long enough, deliveries a line can make, a renewable share PV can reach, minimum
up/down times within the horizon); a ``ParkValidationError`` is a generator bug.

Values are whole kW and prices in cents, so that shrunk examples read well.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import strategies as st

from greenpark import kinds

START = "2026-07-15"
"""First step (local midnight, Asia/Shanghai); a Wednesday."""

MIN_STEPS, MAX_STEPS = 4, 12

ASSET_KINDS = tuple(k.name for k in kinds.all_kinds() if "grid" not in k.roles)
"""Every kind the registry builds (a kind added there without a generator here fails loudly)."""
"""Every asset kind but the grid (drawn separately: at most one per park)."""

LOAD_KINDS = tuple(k.name for k in kinds.with_role("load"))
"""Kinds that always carry an explicit ``owner``."""

GAS_KINDS = tuple(k.name for k in kinds.with_role("burns_fuel"))


# --------------------------------------------------------------------------- small value strategies
@cache
def _cents(lo: float, hi: float) -> st.SearchStrategy[float]:
    """A multiple of 0.01 in [lo, hi]."""
    return st.integers(round(lo * 100), round(hi * 100)).map(lambda k: k / 100)


@cache
def _kw(lo: int, hi: int) -> st.SearchStrategy[float]:
    return st.integers(lo, hi).map(float)


def _series(values: st.SearchStrategy[float], n: int) -> st.SearchStrategy[float | list[float]]:
    """A scalar or a list of ``n`` values."""
    return st.one_of(values, st.lists(values, min_size=n, max_size=n))


def _per_step(value: float | list[float], n: int) -> list[float]:
    return list(value) if isinstance(value, list) else [float(value)] * n


def _hhmm(h: int) -> str:
    return f"{h:02d}:00"


def _maybe(draw, strategy: st.SearchStrategy):
    """``strategy``'s value or None (an optional field left out)."""
    return draw(st.one_of(st.none(), strategy))


def _put(d: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Add the fields that are not None (optional fields are left out, as a park file would)."""
    d.update({k: v for k, v in fields.items() if v is not None})
    return d


# --------------------------------------------------------------------------- sections
@st.composite
def _tenants(draw) -> list[dict[str, Any]]:
    n = draw(st.integers(0, 3))
    out = []
    for i in range(n):
        t: dict[str, Any] = {"id": f"t{i}"}
        _put(
            t,
            electric_connection_kw=_maybe(draw, _kw(10, 2000)),
            heat_connection_kw=_maybe(draw, _kw(0, 1500)),
        )
        out.append(t)
    return out


@st.composite
def _grid(draw, n: int) -> dict[str, Any]:
    imp_price = draw(_series(_cents(0.05, 1.5), n))
    g: dict[str, Any] = {
        "id": "grid",
        "kind": "grid",
        "owner": "park",
        "import_limit_kw": draw(_kw(50, 4000)),
        "import_price_cny_per_kwh": imp_price,
        "co2_kg_per_kwh": draw(_series(_cents(0.0, 0.9), n)),
    }
    if draw(st.integers(0, 4)) == 0:  # a factor written as a calendar (weekday, weekend, months, a holiday)
        day = st.lists(_cents(0.0, 0.9), min_size=24, max_size=24)
        g["co2_kg_per_kwh"] = _put({"weekday": draw(day)}, weekend=_maybe(draw, day), holiday=_maybe(draw, day),
                                   holidays=_maybe(draw, st.just([START])),
                                   months=_maybe(draw, st.builds(lambda d: {"7": d}, day)))  # fmt: skip
    export = draw(st.sampled_from(["none", "below", "series", "above"]))
    if export != "none":
        g["export_limit_kw"] = draw(_kw(0, 2000))
        if export == "below":
            g["export_price_cny_per_kwh"] = draw(_cents(0.0, 0.3))
        elif export == "series":
            g["export_price_cny_per_kwh"] = draw(_series(_cents(0.0, 1.0), n))
        else:  # above the import price in some steps
            imp = _per_step(imp_price, n)
            above = draw(st.lists(st.booleans(), min_size=n, max_size=n))
            above[draw(st.integers(0, n - 1))] = True  # in one step at least
            delta = draw(st.lists(_cents(0.01, 0.5), min_size=n, max_size=n))
            g["export_price_cny_per_kwh"] = [
                round(p + d, 2) if up else round(max(0.0, p - d), 2) for p, d, up in zip(imp, delta, above, strict=True)
            ]
        _put(g, meter_binaries=_maybe(draw, st.sampled_from(["where_export_pays_more", "every_step"])))
    if draw(st.integers(0, 3)) == 0:  # a demand-response event of the grid company
        h0 = draw(st.integers(0, n - 1))
        h1 = draw(st.integers(h0 + 1, n))
        g["dr_events"] = [_put({"start": f"{START}T{h0:02d}:00", "end": f"{START}T{h1:02d}:00",
                                "baseline_kw": draw(_kw(0, 2000)), "max_reduction_kw": draw(_kw(1, 500))},
                               payment_cny_per_kwh=_maybe(draw, _cents(0.0, 5.0)),
                               payment_cny_per_kw=_maybe(draw, _cents(0.0, 20.0)),
                               shortfall_penalty_cny_per_kwh=_maybe(draw, _cents(0.0, 10.0)))]  # fmt: skip
    if draw(st.booleans()):
        g["demand_charge_cny_per_kw_month"] = draw(_kw(1, 60))
        # a billed peak above the import limit is an input error (tests/integration/test_books.py)
        g["peak_billed_kw"] = draw(st.one_of(st.just(0.0), _kw(0, round(g["import_limit_kw"]))))
    return g


@st.composite
def _commitment(draw, n: int, max_out: float) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    c: dict[str, Any] = {}
    _put(
        c,
        min_load_fraction=_maybe(draw, _cents(0.0, 0.9)),
        no_load_input_kw=_maybe(draw, _kw(0, 50)),
        min_up_h=_maybe(draw, _kw(0, n)),
        min_down_h=_maybe(draw, _kw(0, n)),
        startup_cost_cny=_maybe(draw, _kw(0, 200)),
        max_starts=_maybe(draw, st.integers(0, 3)),
        ramp_up_kw_per_h=_maybe(draw, _kw(1, max(1, round(max_out)))),
        ramp_down_kw_per_h=_maybe(draw, _kw(1, max(1, round(max_out)))),
        initially_on=_maybe(draw, st.booleans()),
        initial_state_h=_maybe(draw, _kw(0, 12)),
    )
    if c.get("initially_on"):  # a unit that is off had no output (an input error otherwise)
        _put(c, initial_output_kw=_maybe(draw, _kw(0, round(max_out))))
    return c


def _owner_field(draw, kind: str, owners: list[str]) -> dict[str, str]:
    """Loads always name their owner; other assets sometimes leave the default (the park)."""
    if kind in LOAD_KINDS or draw(st.booleans()):
        return {"owner": draw(st.sampled_from(owners))}
    return {}


def _wind_limit(a: dict[str, Any]) -> float:
    """A generated wind farm's nameplate: turbines × its curve's top, or no limit without a curve."""
    curve = a.get("power_curve")
    return a.get("turbines", 1) * max(curve["power_kw"]) if curve else float("inf")


@st.composite
def _asset(draw, kind: str, aid: str, n: int, owners: list[str]) -> dict[str, Any]:
    a: dict[str, Any] = {"id": aid, "kind": kind, **_owner_field(draw, kind, owners)}
    if kind == "pv":
        cap = draw(_kw(10, 800))
        inverter = _maybe(draw, _kw(5, round(cap)))
        ac = inverter if inverter is not None else cap / 1.1
        # forecasts sometimes above the inverter's AC limit (up to 1.3 × it)
        forecast = draw(_series(_kw(0, round(ac * 1.3)), n))
        _put(a, capacity_kwp=cap, inverter_kw=inverter, forecast_kw=forecast,
             om_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)))  # fmt: skip
    elif kind == "renewable_generator":
        a["forecast_kw"] = draw(_series(_kw(0, 500), n))
        technology = _maybe(draw, st.sampled_from(["small hydro", "biogas"]))
        _put(a, capacity_kw=_maybe(draw, _kw(10, 500)), technology=technology)
    elif kind == "wind":
        rated = draw(_kw(10, 800))
        a["forecast_kw"] = draw(_series(_kw(0, round(rated * 1.3)), n))  # sometimes above the nameplate
        if draw(st.booleans()):  # with a curve, the forecast is clipped at turbines × its rated power
            a["power_curve"] = {"wind_speed_m_per_s": [3.0, 12.0, 25.0], "power_kw": [0.0, rated, rated]}
        _put(a, turbines=_maybe(draw, st.integers(1, 3)), om_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)))
    elif kind in ("battery", "thermal_store", "cold_store"):
        _put(
            a,
            power_kw=draw(_kw(10, 600)),
            energy_kwh=draw(_kw(10, 2000)),
            charge_efficiency=_maybe(draw, _cents(0.7, 1.0)),
            discharge_efficiency=_maybe(draw, _cents(0.7, 1.0)),
        )
        if kind == "battery":
            lo, hi = sorted(draw(st.lists(_cents(0.0, 1.0), min_size=2, max_size=2)))
            inside = _cents(lo, hi)
            _put(
                a,
                soc_min_fraction=lo,
                soc_max_fraction=hi,
                soc_initial_fraction=draw(inside),
                soc_final_fraction=_maybe(draw, inside),
                self_discharge_fraction_per_h=_maybe(draw, _cents(0.0, 0.05)),
                throughput_cost_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)),
            )
        else:
            _put(
                a,
                soc_initial_fraction=_maybe(draw, _cents(0.0, 1.0)),
                soc_final_fraction=_maybe(draw, _cents(0.0, 1.0)),
                loss_fraction_per_h=_maybe(draw, _cents(0.0, 0.05)),
                om_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)),
            )
        _put(a, no_simultaneous=_maybe(draw, st.booleans()),
             end_state=_maybe(draw, st.sampled_from(["at_least", "equal", "cyclic"])))  # fmt: skip
        if draw(st.integers(0, 3)) == 0:  # hourly limits of the state
            cap = a["energy_kwh"]
            _put(a, soc_min_kwh=_maybe(draw, _series(_kw(0, round(cap / 4)), n)),
                 soc_max_kwh=_maybe(draw, _series(_kw(round(cap / 2), round(cap)), n)))  # fmt: skip
        if a.get("end_state") == "cyclic":
            a.pop("soc_final_fraction", None)
    elif kind in ("heat_pump", "gas_boiler", "electric_boiler"):
        heat = draw(_kw(10, 1000))
        a["heat_kw"] = heat
        if kind == "heat_pump":
            a["cop"] = draw(_series(_cents(1.5, 5.0), n))
            if draw(st.booleans()):  # rated by its electric input too
                a["electric_kw"] = draw(_kw(5, 300))
        elif kind == "gas_boiler":
            _put(a, efficiency=_maybe(draw, _cents(0.6, 1.1)))
        else:
            _put(a, efficiency=_maybe(draw, _cents(0.8, 1.0)))
        _put(a, om_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)), commitment=draw(_commitment(n, heat)),
             om_basis=_maybe(draw, st.sampled_from(["output", "input"])))  # fmt: skip
    elif kind == "chp":
        el = draw(_kw(20, 1000))
        eta_e = draw(_cents(0.2, 0.45))
        _put(
            a,
            electric_kw=el,
            min_electric_kw=_maybe(draw, _kw(0, round(el))),
            electric_efficiency=eta_e,
            heat_efficiency=draw(_cents(0.0, min(0.55, 1.0 - eta_e))),
            om_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)),
            heat_rejection=_maybe(draw, st.booleans()),
            commitment=draw(_commitment(n, el)),
        )
    elif kind == "extraction_chp":
        pmax = draw(_kw(40, 800))
        pmin = round(pmax * draw(_cents(0.2, 0.6)), 2)
        qmax = round(pmax * draw(_cents(0.5, 1.5)), 2)
        fmax = round(pmax / draw(_cents(0.3, 0.45)), 2)
        fmin = round(fmax * pmin / pmax * 1.1, 2)
        a["corners"] = [{"electric_kw": pmax, "heat_kw": 0.0, "fuel_kw": fmax},
                        {"electric_kw": round(pmax * 0.8, 2), "heat_kw": qmax, "fuel_kw": fmax},
                        {"electric_kw": pmin, "heat_kw": 0.0, "fuel_kw": fmin}]  # fmt: skip
        _put(a, om_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)), commitment=draw(_commitment(n, pmax)))
    elif kind == "orc":
        el = draw(_kw(5, 300))
        _put(a, electric_kw=el, efficiency=draw(_cents(0.08, 0.2)), commitment=draw(_commitment(n, el)))
    elif kind in ("electric_chiller", "absorption_chiller"):
        cooling = draw(_kw(10, 1000))
        cop = _cents(2.0, 6.0) if kind == "electric_chiller" else _cents(0.5, 1.3)
        _put(a, cooling_kw=cooling, cop=draw(_series(cop, n)), om_cny_per_kwh=_maybe(draw, _cents(0.0, 0.05)),
             commitment=draw(_commitment(n, cooling)))  # fmt: skip
    elif kind in ("electric_load", "heat_load", "cooling_load"):
        a["power_kw"] = draw(_series(_kw(0, 500), n))
        if draw(st.booleans()):
            a["curtailable"] = True
            a["value_of_lost_load_cny_per_kwh"] = draw(_cents(0.5, 20.0))
    elif kind == "interruptible_load":
        a["power_kw"] = draw(_series(_kw(0, 500), n))
        a["max_shed_kwh_per_day"] = draw(_kw(0, 1000))
        a["shed_price_cny_per_kwh"] = draw(_cents(0.0, 3.0))
    elif kind == "flexible_load":
        h0 = draw(st.integers(0, n - 2))
        h1 = draw(st.integers(h0 + 1, n))
        hours = h1 - h0
        pmax = draw(_kw(1, 300))
        pmin = draw(st.sampled_from([0.0, round(pmax / 4, 2)]))
        energy = draw(st.floats(max(pmin * hours, 0.01), pmax * hours)).__round__(2)
        a.update(earliest_start=_hhmm(h0), latest_end=_hhmm(h1), max_power_kw=pmax, min_power_kw=pmin,
                 energy_kwh=min(max(energy, pmin * hours), pmax * hours))  # fmt: skip
    elif kind == "batch_job":
        a.update(draw(_batch_job(n)))
    elif kind == "production_line":
        a.update(draw(_production_line(n)))
    else:  # pragma: no cover - a kind added to ASSET_KINDS without a generator
        raise AssertionError(kind)
    return a


@st.composite
def _batch_job(draw, n: int) -> dict[str, Any]:
    length = draw(st.integers(1, min(3, n)))
    runs = 2 if n // length >= 2 and draw(st.integers(0, 2)) == 0 else 1
    need = length * runs
    a: dict[str, Any] = {"profile_kw": draw(st.lists(_kw(0, 400), min_size=length, max_size=length))}
    if draw(st.booleans()):
        a["heat_profile_kw"] = draw(st.lists(_kw(0, 400), min_size=length, max_size=length))
    window = draw(st.sampled_from(["daily", "iso", "outside"]))
    if window == "outside":  # no window inside the horizon: nothing is asked
        lo, hi = 20, 23
    else:
        lo = draw(st.integers(0, n - need))
        hi = draw(st.integers(lo + need, n))
    if window == "iso":
        a["earliest_start"] = f"{START}T{_hhmm(lo)}"
        a["latest_end"] = f"{START}T{_hhmm(hi)}"
    else:
        a["earliest_start"], a["latest_end"] = _hhmm(lo), _hhmm(hi)
    if runs > 1:
        a["runs_per_window"] = runs
    _put(a, line=_maybe(draw, st.sampled_from(["L1", "L2"])))
    if draw(st.integers(0, 3)) == 0:
        a["required"] = False
        _put(a, skip_penalty_cny=_maybe(draw, _kw(0, 1000)))
    if length > 1 and draw(st.integers(0, 4)) == 0:
        a["running_since_h"] = float(draw(st.integers(0, length - 1)))
    return a


@st.composite
def _production_line(draw, n: int) -> dict[str, Any]:
    pmax = draw(_kw(10, 500))
    pmin = draw(st.one_of(st.just(0.0), _kw(0, round(pmax))))
    energy = draw(_cents(0.5, 5.0))
    inv_max = draw(_kw(10, 2000))
    inv_min = draw(st.one_of(st.just(0.0), _kw(0, round(inv_max))))
    inv0 = draw(_kw(round(inv_min), round(inv_max)))
    a: dict[str, Any] = {
        "min_power_kw": pmin,
        "max_power_kw": pmax,
        "specific_energy_kwh_per_unit": energy,
        "inventory_initial_units": inv0,
        "inventory_min_units": inv_min,
        "inventory_max_units": inv_max,
    }
    shifts = None
    if draw(st.booleans()):
        shifts = []
        for _ in range(draw(st.integers(1, 2))):
            sh: dict[str, Any] = {"start": _hhmm(draw(st.integers(0, 23))), "end": _hhmm(draw(st.integers(0, 24)))}
            if draw(st.booleans()):
                sh["weekdays"] = draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True))
            shifts.append(sh)
        a["shifts"] = shifts
    # deliveries the line can always make: from the buffer, plus full output before them when it may run anytime
    deliveries, due = [], 0.0
    for hour in sorted(draw(st.lists(st.integers(1, n), max_size=2))):
        room = inv0 - inv_min - due + (pmax * hour / energy if shifts is None else 0.0)
        if room >= 1:
            units = float(draw(st.integers(1, int(room))))
            deliveries.append({"at": _hhmm(hour), "units": units})
            due += units
    if deliveries:
        a["deliveries"] = deliveries
    _put(
        a,
        inventory_final_min_units=_maybe(draw, _kw(0, round(inv_max))),
        co2_kg_per_unit_max=_maybe(draw, _cents(0.0, 3.0)),
        min_run_h=_maybe(draw, _kw(0, n)),
        max_starts=_maybe(draw, st.integers(0, 3)),
        initially_on=_maybe(draw, st.booleans()),
        initial_state_h=_maybe(draw, _kw(0, 12)),
    )
    if a.get("initially_on") and a.get("shifts") is not None:  # a run going at the start has done its minimum
        a["initial_state_h"] = max(a.get("initial_state_h", 1000.0), a.get("min_run_h", 0.0))
    return a


def _precedence(draw, assets: list[dict[str, Any]], n: int) -> None:
    """Some batch jobs run after an earlier required single-run job of the same owner.

    A required single-run job sometimes gets a follower (``<id>-next``) so that precedence is common.
    """
    for a in [a for a in assets if a["kind"] == "batch_job"]:
        if a.get("runs_per_window", 1) == 1 and a.get("required", True) and draw(st.booleans()):
            follower = draw(_batch_job(n))
            for key in ("runs_per_window", "required", "skip_penalty_cny"):
                follower.pop(key, None)
            assets.append(
                {"id": f"{a['id']}-next", "kind": "batch_job", "owner": a["owner"], **follower, "after": a["id"]}
            )
    jobs = [a for a in assets if a["kind"] == "batch_job"]
    for j, a in enumerate(jobs):
        if "after" in a or a.get("runs_per_window", 1) != 1 or not a.get("required", True):
            continue
        earlier = [
            b["id"]
            for b in jobs[:j]
            if b["owner"] == a["owner"] and b.get("runs_per_window", 1) == 1 and b.get("required", True)
        ]
        if earlier and draw(st.booleans()):
            a["after"] = draw(st.sampled_from(earlier))
    # runs already going: one per line, and never a job together with the one it must follow (input errors)
    busy: set[tuple[str, str]] = set()
    going = set()
    for a in jobs:
        if "running_since_h" not in a:
            continue
        line = (a["owner"], a.get("line") or f"#{a['id']}")
        if line in busy or a.get("after") in going:
            del a["running_since_h"]
            continue
        busy.add(line)
        going.add(a["id"])


@st.composite
def _carbon(draw, n: int, tenants: list[dict[str, Any]], assets: list[dict[str, Any]]) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    c: dict[str, Any] = {}
    _put(
        c,
        price_cny_per_t=_maybe(draw, _series(_kw(0, 300), n)),
        cap_t=_maybe(draw, _cents(0.0, 10.0)),
        scope2_basis=_maybe(draw, st.sampled_from(["location", "market"])),
        market_residual_co2_kg_per_kwh=_maybe(draw, _cents(0.0, 1.0)),
        heat_co2_kg_per_kwh=_maybe(draw, _cents(0.0, 0.4)),
    )
    caps = {}
    for t in tenants:
        where = draw(st.sampled_from(["none", "tenant", "carbon"]))
        if where == "tenant":
            t["carbon_cap_t"] = draw(_cents(0.0, 3.0))
        elif where == "carbon":
            caps[t["id"]] = draw(_cents(0.0, 3.0))
    if caps:
        c["tenant_caps_t"] = caps
    if draw(st.booleans()):
        edges = sorted(draw(st.lists(_cents(0.0, 10.0), min_size=1, max_size=3, unique=True)))
        prices = sorted(draw(st.lists(_kw(0, 500), min_size=len(edges), max_size=len(edges))))
        c["tiers"] = [{"above_t": e, "price_cny_per_t": p} for e, p in zip(edges, prices, strict=True)]
    if draw(st.booleans()):
        c["trading"] = _put(
            {"allowance_t": draw(_cents(0.0, 5.0)), "price_cny_per_t": draw(_kw(0, 300))},
            sell_surplus=_maybe(draw, st.booleans()),
        )
    if draw(st.booleans()):
        share = draw(_cents(0.0, 1.0))
        if draw(st.booleans()):
            c["green_certificates"] = _put(
                {"price_cny_per_mwh": draw(_kw(0, 100))}, max_mwh=_maybe(draw, _cents(0.0, 5.0))
            )
        else:
            # without certificates the share must be one PV could reach (a horizon check, else invalid);
            # PV forecasts count clipped to the AC limit
            pv = sum(
                sum(min(f, a.get("inverter_kw", a["capacity_kwp"] / 1.1)) for f in _per_step(a["forecast_kw"], n))
                for a in assets
                if a["kind"] == "pv"
            ) + sum(sum(min(f, _wind_limit(a)) for f in _per_step(a["forecast_kw"], n))
                    for a in assets if a["kind"] == "wind") + sum(
                sum(min(f, a.get("capacity_kw", float("inf"))) for f in _per_step(a["forecast_kw"], n))
                for a in assets if a["kind"] == "renewable_generator")  # fmt: skip
            fixed = sum(
                sum(_per_step(a["power_kw"], n))
                for a in assets
                if a["kind"] in ("electric_load", "interruptible_load") and not a.get("curtailable", False)
            )
            if fixed > 0:
                share = min(share, int(pv / fixed * 100) / 100)
        c["min_renewable_share"] = share
    return c


# --------------------------------------------------------------------------- the park
@st.composite
def parks(draw, steps: int | None = None) -> dict[str, Any]:
    """A valid park document for ``steps`` hourly steps from :data:`START` (drawn in 4–12 when not given).

    The park is named ``generated-<steps>h`` (see :func:`steps_of`).
    """
    n = steps if steps is not None else draw(st.integers(MIN_STEPS, MAX_STEPS))
    tenants = draw(_tenants())
    owners = ["park", *(t["id"] for t in tenants)]
    kinds = draw(st.lists(st.sampled_from(ASSET_KINDS), min_size=1, max_size=8))
    assets = []
    if draw(st.integers(0, 9)) > 0:  # a park without a grid connection now and then
        assets.append(draw(_grid(n)))
    for i, kind in enumerate(kinds):
        assets.append(draw(_asset(kind, f"{kind.replace('_', '-')}-{i}", n, owners)))
    _precedence(draw, assets, n)
    heat_sources = ("heat_pump", "gas_boiler", "electric_boiler", "chp")
    needs_heat = any(a["kind"] in ("heat_load", "thermal_store") or "heat_profile_kw" in a for a in assets)
    if needs_heat and not any(a["kind"] in heat_sources for a in assets) and draw(st.integers(0, 3)) > 0:
        # most parks that use heat can make some (else nearly all are infeasible, and little is tested)
        assets.append({"id": "boiler", "kind": "gas_boiler", "heat_kw": draw(_kw(200, 2000))})
    doc: dict[str, Any] = {
        "park": {"name": f"generated-{n}h", "timezone": "Asia/Shanghai", "latitude": 31.3, "longitude": 120.6},
        "tenants": tenants,
        "assets": assets,
    }
    if any(a["kind"] in GAS_KINDS for a in assets) or draw(st.integers(0, 3)) == 0:
        doc["gas"] = _put(
            {"price_cny_per_kwh": draw(_series(_cents(0.05, 0.6), n))},
            co2_kg_per_kwh=_maybe(draw, _cents(0.0, 0.3)),
        )
    burners = [a for a in assets if a["kind"] in GAS_KINDS]
    if burners and draw(st.booleans()):  # some burn diesel priced per tonne, some with their own factor
        doc["fuels"] = {"diesel": {"price_cny_per_t": draw(st.integers(5000, 9000))}}
        for a in burners:
            if draw(st.booleans()):
                _put(a, fuel="diesel", fuel_co2_kg_per_kwh=_maybe(draw, _cents(0.2, 0.3)))
    if assets and draw(st.integers(0, 4)) == 0:  # a limit on one asset's emissions or energy
        target = draw(st.sampled_from([a["id"] for a in assets]))
        quantity = draw(st.sampled_from(["co2_t", "energy_kwh"]))
        bound = draw(_cents(0.0, 1.0) if quantity == "co2_t" else _kw(0, 2000))
        doc["limits"] = [{"name": "lim", "assets": [target], "quantity": quantity,
                          draw(st.sampled_from(["max", "min"])): bound}]  # fmt: skip
    carbon = draw(_carbon(n, tenants, assets))
    if carbon is not None:
        doc["carbon"] = carbon
        if carbon.get("trading") is not None:  # units earn allowances by benchmark (ETS allocation)
            for a in burners:
                if draw(st.booleans()):
                    a["allowance_benchmark"] = _put({}, electricity_t_per_mwh=_maybe(draw, _cents(0.3, 0.9)),
                                                    heat_t_per_gj=_maybe(draw, _cents(0.02, 0.12)))  # fmt: skip
    return doc


def steps_of(doc: dict[str, Any]) -> int:
    """The number of steps a document from :func:`parks` was drawn for."""
    return int(doc["park"]["name"].removeprefix("generated-").removesuffix("h"))


def cases() -> st.SearchStrategy[tuple[dict[str, Any], int]]:
    """``(doc, steps)``: a park document and its horizon in hourly steps from :data:`START`."""
    return st.integers(MIN_STEPS, MAX_STEPS).flatmap(lambda n: parks(n).map(lambda doc: (doc, n)))
