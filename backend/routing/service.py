"""Category + area -> the responsible unit and the units informed (rules from the routing table)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from backend.areas.models import LEVELS, Area
from backend.officials.models import Unit
from backend.officials.service import agency_unit_for, city_unit, office_of
from backend.routing.table import RoutingError, load_routing_table


@dataclass(frozen=True)
class Route:
    responsible: Unit
    informed: list[Unit]


def route_report(session: Session, *, region: str, category: str, area: Area | None) -> Route:
    """Where a report goes. Without a located area it goes to the region's monitoring unit."""
    if area is None:
        return Route(responsible=city_unit(session, region=region, kind="monitoring"), informed=[])
    return _find_route(session, region=region, category=category, area=area)


def _find_route(session: Session, *, region: str, category: str, area: Area) -> Route:
    table = load_routing_table(region)
    names = [a.name for a in _lineage(area)]
    rule = table.rule_for(category, names)
    responsible = _resolve_target(session, region=region, target=rule.responsible, area=area)
    if responsible is None:
        # A missing office in the roster must not lose the report: the monitoring unit takes it.
        responsible = city_unit(session, region=region, kind="monitoring")
    informed = [
        unit
        for target in rule.inform
        if (unit := _resolve_target(session, region=region, target=target, area=area)) is not None
        and unit.id != responsible.id
    ]
    return Route(responsible=responsible, informed=informed)


def _lineage(area: Area) -> list[Area]:
    out: list[Area] = []
    node: Area | None = area
    while node is not None:
        out.append(node)
        node = node.parent
    return out


def _resolve_target(session: Session, *, region: str, target: str, area: Area) -> Unit | None:
    if target.startswith("agency:"):
        agency = load_routing_table(region).agencies[target.split(":", 1)[1]]
        return agency_unit_for(session, agency=agency, area=area)
    if target in ("kelurahan", "kecamatan", "kota"):
        level_area = area.ancestor(target)
        if level_area is None and LEVELS.index(area.level) < LEVELS.index(target):
            # The place is only known at a coarser level (a kecamatan named in chat): its office answers.
            level_area = area
        return office_of(session, area=level_area) if level_area is not None else None
    if target == "monitoring":
        return city_unit(session, region=region, kind="monitoring")
    raise RoutingError(f"unknown routing target {target!r}")
