"""The routing table of a region, read from data/<region>.yml."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data"


class RoutingError(Exception):
    pass


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    level: str  # kota | kecamatan


@dataclass(frozen=True)
class Rule:
    responsible: str
    inform: tuple[str, ...] = ()


@dataclass(frozen=True)
class Override:
    category: str
    area: str
    rule: Rule


@dataclass(frozen=True)
class RoutingTable:
    region: str
    agencies: dict[str, Agency]
    defaults: dict[str, Rule]
    overrides: tuple[Override, ...] = ()
    monitoring_unit: str = "Unit Pemantau"
    call_center_unit: str = "Call Center"
    extra: dict[str, str] = field(default_factory=dict)

    def rule_for(self, category: str, area_names: list[str]) -> Rule:
        lowered = {n.lower() for n in area_names}
        for override in self.overrides:
            if override.category == category and override.area.lower() in lowered:
                return override.rule
        if category in self.defaults:
            return self.defaults[category]
        if "lainnya" in self.defaults:
            return self.defaults["lainnya"]
        raise RoutingError(f"no routing rule for category {category!r}")


def _rule(raw: dict) -> Rule:
    return Rule(responsible=raw["responsible"], inform=tuple(raw.get("inform") or ()))


@lru_cache
def load_routing_table(region: str) -> RoutingTable:
    path = DATA_DIR / f"{region}.yml"
    if not path.exists():
        path = DATA_DIR / "default.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    agencies = {
        code: Agency(code=code, name=item["name"], level=item.get("level", "kota"))
        for code, item in (raw.get("agencies") or {}).items()
    }
    table = RoutingTable(
        region=region,
        agencies=agencies,
        defaults={code: _rule(item) for code, item in (raw.get("defaults") or {}).items()},
        overrides=tuple(
            Override(category=o["category"], area=o["area"], rule=_rule(o))
            for o in raw.get("overrides") or ()
        ),
        monitoring_unit=raw.get("monitoring_unit", f"Unit Pemantau {region.title()}"),
        call_center_unit=raw.get("call_center_unit", f"Call Center {region.title()}"),
    )
    for rule in [*table.defaults.values(), *(o.rule for o in table.overrides)]:
        for target in (rule.responsible, *rule.inform):
            if target.startswith("agency:") and target.split(":", 1)[1] not in agencies:
                raise RoutingError(f"{path.name}: unknown agency in {target!r}")
    return table
