"""Areas: import boundaries, build the tree, locate points, name places."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
import yaml
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased, undefer
from sqlalchemy.orm.attributes import set_committed_value

from backend.areas.locator import AreaLocator, LocatedArea
from backend.areas.models import LEVELS, Area
from nlu.base import PlaceRecord

DATA_DIR = Path(__file__).parent / "data"


class AreaError(Exception):
    """Bad input to an import: a missing field, an unknown level."""


@dataclass
class ImportSpec:
    region: str
    level: str = "kelurahan"
    name_field: str = "name"
    code_field: str | None = None
    parent_fields: list[str] = field(default_factory=list)  # nearest parent first: kecamatan, then kota
    where: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionInfo:
    region: str
    title: str
    file: Path
    spec: ImportSpec
    kota_office_prefix: dict[str, str]
    attribution: str


def shipped_region(region: str) -> RegionInfo:
    """The import settings of a region shipped with the project (backend/areas/data/<region>/region.yml)."""
    folder = DATA_DIR / region
    manifest = folder / "region.yml"
    if not manifest.exists():
        raise AreaError(f"no shipped data for region {region!r}; import it with `aduan areas import`")
    raw = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    spec = ImportSpec(
        region=raw["region"],
        level=raw.get("level", "kelurahan"),
        name_field=raw["name_field"],
        code_field=raw.get("code_field"),
        parent_fields=list(raw.get("parent_fields", [])),
        where=dict(raw.get("where") or {}),
    )
    return RegionInfo(
        region=raw["region"],
        title=raw.get("title", raw["region"]),
        file=folder / raw["file"],
        spec=spec,
        kota_office_prefix=dict(raw.get("kota_office_prefix") or {"default": "Kota"}),
        attribution=raw.get("attribution", ""),
    )


def region_title(region: str) -> str:
    try:
        return shipped_region(region).title
    except AreaError:
        return region.title()


def count_areas(session: Session, *, region: str, level: str | None = None) -> int:
    stmt = select(func.count()).select_from(Area).where(Area.region == region)
    if level:
        stmt = stmt.where(Area.level == level)
    return session.scalar(stmt) or 0


def import_geojson(session: Session, *, data: dict[str, Any], spec: ImportSpec) -> dict[str, int]:
    """Import polygons at `spec.level` and create their parents by name; returns counts per level."""
    if spec.level not in LEVELS:
        raise AreaError(f"unknown level {spec.level!r}; use one of {', '.join(LEVELS)}")
    own_index = LEVELS.index(spec.level)
    if len(spec.parent_fields) > own_index:
        raise AreaError(f"level {spec.level} has at most {own_index} parent levels")
    parent_levels = [LEVELS[own_index - 1 - i] for i in range(len(spec.parent_fields))]

    features = [f for f in data.get("features", []) if _matches(f.get("properties") or {}, spec.where)]
    if not features:
        raise AreaError("no feature in the file matches the import settings")
    counts = dict.fromkeys(LEVELS, 0)
    parents_cache: dict[tuple[str, ...], Area] = {}
    children_geoms: dict[int, list[BaseGeometry]] = {}

    for feature in features:
        props = feature.get("properties") or {}
        name = _required(props, spec.name_field)
        parent = _ensure_parents(
            session, spec.region, props, spec.parent_fields, parent_levels, parents_cache, counts
        )
        geom = shape(feature["geometry"])
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        area = _upsert_area(
            session,
            region=spec.region,
            level=spec.level,
            name=name,
            parent=parent,
            code=str(props[spec.code_field]) if spec.code_field and props.get(spec.code_field) else None,
            geom=geom,
        )
        counts[spec.level] += 1
        for ancestor in _ancestors(area):
            children_geoms.setdefault(ancestor.id, []).append(geom)

    for ancestor in parents_cache.values():
        _set_geometry(ancestor, shapely.union_all(children_geoms.get(ancestor.id, [])))
    session.flush()
    invalidate_locators()
    return {level: n for level, n in counts.items() if n}


def import_geojson_file(session: Session, *, path: Path, spec: ImportSpec) -> dict[str, int]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AreaError(f"cannot read {path}: {exc}") from exc
    return import_geojson(session, data=data, spec=spec)


def load_shipped_region(session: Session, *, region: str) -> dict[str, int]:
    info = shipped_region(region)
    return import_geojson_file(session, path=info.file, spec=info.spec)


def _matches(props: dict[str, Any], where: dict[str, Any]) -> bool:
    return all(props.get(key) == value for key, value in where.items())


def _required(props: dict[str, Any], key: str) -> str:
    value = props.get(key)
    if value in (None, ""):
        raise AreaError(f"a feature has no {key!r} field (fields present: {', '.join(sorted(props))})")
    return str(value).strip()


def _ensure_parents(
    session: Session,
    region: str,
    props: dict[str, Any],
    fields: list[str],
    levels: list[str],
    cache: dict[tuple[str, ...], Area],
    counts: dict[str, int],
) -> Area | None:
    """Create (or find) the chain of parents named by the feature, top level first."""
    parent: Area | None = None
    names = [_required(props, f) for f in fields]
    for depth in range(len(fields) - 1, -1, -1):
        key = tuple(names[depth:])
        if key not in cache:
            existing = session.scalar(
                select(Area).where(
                    Area.region == region,
                    Area.level == levels[depth],
                    Area.name == names[depth],
                    _parent_clause(parent),
                )
            )
            if existing is None:
                existing = Area(region=region, level=levels[depth], name=names[depth], parent=parent)
                session.add(existing)
                session.flush()
                counts[levels[depth]] += 1
            cache[key] = existing
        parent = cache[key]
    return parent


def _upsert_area(
    session: Session,
    *,
    region: str,
    level: str,
    name: str,
    parent: Area | None,
    code: str | None,
    geom: BaseGeometry,
) -> Area:
    area = session.scalar(
        select(Area).where(
            Area.region == region,
            Area.level == level,
            Area.name == name,
            _parent_clause(parent),
        )
    )
    if area is None:
        area = Area(region=region, level=level, name=name, parent=parent)
        session.add(area)
    area.code = code
    _set_geometry(area, geom)
    session.flush()
    return area


def _parent_clause(parent: Area | None) -> Any:
    return Area.parent_id == parent.id if parent is not None else Area.parent_id.is_(None)


def _set_geometry(area: Area, geom: BaseGeometry) -> None:
    if geom is None or geom.is_empty:
        return
    area.geometry = json.dumps(mapping(geom), separators=(",", ":"))
    point = geom.representative_point()
    area.centroid_lat, area.centroid_lon = round(point.y, 6), round(point.x, 6)


def _ancestors(area: Area) -> list[Area]:
    out: list[Area] = []
    node = area.parent
    while node is not None:
        out.append(node)
        node = node.parent
    return out


# --- locating -------------------------------------------------------------------------------------

_locators: dict[tuple[str, str], AreaLocator] = {}
_locator_lock = threading.Lock()


def invalidate_locators() -> None:
    with _locator_lock:
        _locators.clear()


def get_locator(session: Session, *, region: str) -> AreaLocator:
    """The region's locator, built once per process (per database) from the stored polygons."""
    key = (str(session.get_bind().engine.url), region)
    locator = _locators.get(key)
    if locator is None:
        with _locator_lock:
            locator = _locators.get(key) or build_locator(session, region=region)
            _locators[key] = locator
    return locator


def build_locator(session: Session, *, region: str) -> AreaLocator:
    leaves = _leaf_areas(session, region=region)
    located = [
        LocatedArea(
            area_id=a.id,
            kelurahan=a.name,
            kecamatan=(a.ancestor("kecamatan").name if a.ancestor("kecamatan") else None),
            kota=(a.ancestor("kota").name if a.ancestor("kota") else None),
        )
        for a in leaves
    ]
    return AreaLocator(located, [shape(json.loads(a.geometry or "{}")) for a in leaves])


def _leaf_areas(session: Session, *, region: str) -> list[Area]:
    """The finest level that has polygons (kelurahan for Jakarta)."""
    for level in reversed(LEVELS):
        rows = list(
            session.scalars(
                select(Area)
                .options(undefer(Area.geometry))
                .where(Area.region == region, Area.level == level, Area.geometry.is_not(None))
            )
        )
        if rows:
            return rows
    return []


def locate(session: Session, *, region: str, lat: float, lon: float) -> LocatedArea | None:
    return get_locator(session, region=region).locate(lat, lon)


# --- names ---------------------------------------------------------------------------------------


_PARENT, _GRANDPARENT = aliased(Area), aliased(Area)
# An area with its kecamatan and kota in one query: routing walks up the tree. (Plain columns and
# set_committed_value: contains_eager's loader cost more than the two queries it saved.)
_AREA_WITH_PARENTS = (
    select(Area, _PARENT, _GRANDPARENT)
    .outerjoin(_PARENT, Area.parent_id == _PARENT.id)
    .outerjoin(_GRANDPARENT, _PARENT.parent_id == _GRANDPARENT.id)
    .where(Area.id == bindparam("area_id"))
)


def get_area(session: Session, *, area_id: int) -> Area | None:
    row = session.execute(_AREA_WITH_PARENTS, {"area_id": area_id}).first()
    if row is None:
        return None
    area, parent, grandparent = row
    if parent is not None:
        # The parents, held by the area: `area.parent` no longer needs a query of its own.
        set_committed_value(area, "parent", parent)
        if grandparent is not None:
            set_committed_value(parent, "parent", grandparent)
    return area


def find_area(session: Session, *, region: str, level: str, name: str) -> Area | None:
    return session.scalar(
        select(Area).where(Area.region == region, Area.level == level, func.lower(Area.name) == name.lower())
    )


def list_areas(session: Session, *, region: str, level: str) -> list[Area]:
    return list(
        session.scalars(select(Area).where(Area.region == region, Area.level == level).order_by(Area.name))
    )


def place_records(session: Session, *, region: str) -> list[PlaceRecord]:
    """Every named kota, kecamatan and kelurahan of the region, for the NLU gazetteer and the geocoder."""
    records: list[PlaceRecord] = []
    for area in session.scalars(
        select(Area).where(Area.region == region, Area.level.in_(("kota", "kecamatan", "kelurahan")))
    ):
        kec = area.ancestor("kecamatan")
        kota = area.ancestor("kota")
        records.append(
            PlaceRecord(
                area_id=area.id,
                name=area.name,
                level=area.level,
                kecamatan=kec.name if kec else None,
                kota=kota.name if kota else None,
                lat=area.centroid_lat,
                lon=area.centroid_lon,
            )
        )
    return records
