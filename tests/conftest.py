"""Shared helpers: small parks written as dicts, solved over a few hourly steps."""

from __future__ import annotations

from pathlib import Path

import pytest

import greenpark as gp

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
START = "2026-07-15"


def tiny_park(assets: list[dict], tenants: list[dict] | None = None, **sections) -> gp.Park:
    """A park at Suzhou with the given assets; ``sections`` adds gas/carbon/weather."""
    doc = {
        "park": {"name": "test", "timezone": "Asia/Shanghai", "latitude": 31.3, "longitude": 120.6},
        "tenants": tenants if tenants is not None else [{"id": "a"}],
        "assets": assets,
        **sections,
    }
    return gp.park_from_dict(doc, base_dir=ROOT / "models")


def grid(price, co2=0.0, **kw) -> dict:
    return {
        "id": "grid",
        "kind": "grid",
        "import_limit_kw": 1e4,
        "import_price_cny_per_kwh": price,
        "co2_kg_per_kwh": co2,
        **kw,
    }


def load(power, owner="a", id="load", kind="electric_load", **kw) -> dict:
    return {"id": id, "kind": kind, "owner": owner, "power_kw": power, **kw}


def solve(park: gp.Park, steps: int, **kw) -> gp.Schedule:
    return gp.solve(park, start=START, horizon=f"{steps}h", **kw)


@pytest.fixture
def models_dir() -> Path:
    return MODELS


def battery(**kw) -> dict:
    """A lossy 100 kW / 200 kWh battery, empty at the start, free to use its whole range."""
    base = {"id": "bess", "kind": "battery", "power_kw": 100, "energy_kwh": 200, "charge_efficiency": 0.9,
            "discharge_efficiency": 0.9, "soc_min_fraction": 0.0, "soc_max_fraction": 1.0,
            "soc_initial_fraction": 0.0}  # fmt: skip
    return {**base, **kw}
