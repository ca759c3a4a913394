"""The asset kinds: one :class:`Kind` per kind, registered here and nowhere else.

Every built-in kind is a module of this package. A kind defined elsewhere joins
through :func:`register` (or, for an installed package, an entry point in the
group ``greenpark.kinds`` naming its :class:`Kind` object); the park schema, the
model, the results, the report and the rolling-horizon simulation then know it
like a built-in one.

>>> from greenpark import kinds
>>> [k.name for k in kinds.with_role("stores")]
['battery', 'thermal_store']
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points

from greenpark.kinds.base import KIND_ROLES, AssetSpec, CarryView, Commitment, Kind, kind_name

ENTRY_POINT_GROUP = "greenpark.kinds"

_KINDS: dict[str, Kind] = {}
_listeners: list = []

BUILT_IN = (
    "grid",
    "pv",
    "wind",
    "renewable_generator",
    "battery",
    "thermal_store",
    "cold_store",
    "heat_pump",
    "gas_boiler",
    "electric_boiler",
    "chp",
    "extraction_chp",
    "orc",
    "electric_chiller",
    "absorption_chiller",
    "electric_load",
    "heat_load",
    "cooling_load",
    "interruptible_load",
    "flexible_load",
    "batch_job",
    "production_line",
)
"""Built-in kinds in build order (the order of the model's columns)."""


def register(kind: Kind, *, replace: bool = False) -> Kind:
    """Add ``kind``: park files may use it from now on (the ``Asset`` union and schema are rebuilt).

    Raises ``ValueError`` when a kind of that name exists (unless ``replace``).
    """
    if not isinstance(kind, Kind):
        raise TypeError(f"register() takes a greenpark.kinds.Kind, not {type(kind).__name__}")
    if kind.name in _KINDS and not replace:
        raise ValueError(f"an asset kind {kind.name!r} is registered already")
    _KINDS[kind.name] = kind
    _changed()
    return kind


def unregister(name: str) -> None:
    """Remove a kind added by :func:`register` (built-in kinds stay)."""
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in kind")
    if _KINDS.pop(name, None) is not None:
        _changed()


def _changed() -> None:
    for fn in _listeners:
        fn()


def on_change(fn) -> None:
    """Call ``fn()`` whenever a kind is registered or removed (the park model rebuilds its union)."""
    _listeners.append(fn)


def get(name: str) -> Kind:
    """The kind named ``name`` (``KeyError`` if none)."""
    return _KINDS[name]


def all_kinds() -> list[Kind]:
    """Every registered kind, built-in ones first in build order."""
    return list(_KINDS.values())


def names() -> list[str]:
    return list(_KINDS)


def with_role(role: str) -> list[Kind]:
    """The kinds that declare ``role`` (one of :data:`KIND_ROLES`)."""
    if role not in KIND_ROLES:
        raise ValueError(f"unknown role {role!r} (known: {', '.join(KIND_ROLES)})")
    return [k for k in _KINDS.values() if role in k.roles]


def of(asset) -> Kind:
    """The kind of an asset spec."""
    return _KINDS[asset.kind]


def has_role(asset, role: str) -> bool:
    """Whether ``asset``'s kind declares ``role``."""
    name = asset.get("kind") if isinstance(asset, dict) else getattr(asset, "kind", None)
    k = _KINDS.get(name) if isinstance(name, str) else None
    return k is not None and role in k.roles


def load_entry_points() -> list[str]:
    """Register every kind installed packages offer in the entry-point group ``greenpark.kinds``."""
    added = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        kind = ep.load()
        if kind.name not in _KINDS:
            register(kind)
            added.append(kind.name)
    return added


for _module in BUILT_IN:
    _KINDS[_module] = import_module(f"greenpark.kinds.{_module}").KIND
_changed()  # a module that read the registry while the built-in kinds were still loading reads it again

__all__ = [
    "BUILT_IN",
    "ENTRY_POINT_GROUP",
    "KIND_ROLES",
    "AssetSpec",
    "CarryView",
    "Commitment",
    "Kind",
    "all_kinds",
    "get",
    "has_role",
    "kind_name",
    "load_entry_points",
    "names",
    "of",
    "on_change",
    "register",
    "unregister",
    "with_role",
]
