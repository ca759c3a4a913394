"""Example requests: a park file turned into a self-contained request body (series inline).

``greenpark schema`` writes them to ``api/examples/`` from the bundled reference parks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

EXAMPLE_START = "2026-07-15T00:00:00"


def inline_park(park_file: str | Path, start: str = EXAMPLE_START, horizon: str = "48h") -> dict[str, Any]:
    """The park document of ``park_file`` with every dataset series replaced by its values on the horizon.

    PV assets get their pvlib output as ``forecast_kw`` and the weather section is dropped, so
    the document reads no file.
    """
    from greenpark.inputs import resolve_inputs
    from greenpark.spec import load_park

    park_file = Path(park_file)
    park = load_park(park_file)
    inputs = resolve_inputs(park, start, horizon)
    doc = yaml.safe_load(park_file.read_text())

    def values(arr: np.ndarray) -> list[float]:
        return [round(float(v), 4) for v in arr]

    for a in doc["assets"]:
        for (asset_id, name), arr in inputs.series.items():
            if asset_id != a["id"]:
                continue
            if name == "available_kw":
                a["forecast_kw"] = values(arr)
            elif isinstance(a.get(name), dict):
                a[name] = values(arr)
    doc.pop("weather", None)
    if isinstance((doc.get("gas") or {}).get("price_cny_per_kwh"), dict):
        doc["gas"]["price_cny_per_kwh"] = values(inputs.gas_price_cny_per_kwh)
    if isinstance((doc.get("carbon") or {}).get("price_cny_per_t"), dict):
        doc["carbon"]["price_cny_per_t"] = values(inputs.carbon_price_cny_per_t)
    return doc


def example_requests(models_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Request bodies for ``POST /v1/solve-jobs`` on the bundled parks, by file stem."""
    models_dir = Path(models_dir)
    out: dict[str, dict[str, Any]] = {}
    for stem in ("reference-park", "reference-park-milp"):
        path = models_dir / f"{stem}.yaml"
        if path.exists():
            out[stem] = {
                "park": inline_park(path),
                "start": EXAMPLE_START,
                "horizon": "48h",
                "options": {"time_limit_s": 60, "mip_rel_gap": 0.005},
            }
    return out
