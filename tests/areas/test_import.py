import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.areas.models import Area
from backend.areas.service import AreaError, ImportSpec, import_geojson, locate


def square(x0: float, y0: float, size: float = 0.01) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def toy_region() -> dict:
    """Two kecamatan of a made-up city, with Bandung-style field names."""
    features = [
        ("Sukamaju", "Cidadap", (110.00, -7.00)),
        ("Sukasari", "Cidadap", (110.01, -7.00)),
        ("Cipaku", "Coblong", (110.00, -7.01)),
    ]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"village": v, "district": d, "regency": "Kota Toy", "village_code": f"T{i}"},
                "geometry": square(*xy),
            }
            for i, (v, d, xy) in enumerate(features)
        ],
    }


def test_import_builds_the_tree_with_configured_field_names(session: Session) -> None:
    spec = ImportSpec(
        region="toy",
        level="kelurahan",
        name_field="village",
        code_field="village_code",
        parent_fields=["district", "regency"],
    )
    counts = import_geojson(session, data=toy_region(), spec=spec)
    assert counts == {"kota": 1, "kecamatan": 2, "kelurahan": 3}
    kel = session.scalar(select(Area).where(Area.region == "toy", Area.name == "Sukasari"))
    assert kel is not None and kel.code == "T1"
    assert kel.parent is not None and kel.parent.name == "Cidadap"
    assert kel.parent.parent is not None and kel.parent.parent.name == "Kota Toy"
    # The parent's polygon is the union of its children: both halves of Cidadap are inside it.
    cidadap = json.loads(kel.parent.geometry or "{}")
    assert cidadap["type"] in ("Polygon", "MultiPolygon")
    found = locate(session, region="toy", lat=-6.995, lon=110.015)
    assert found is not None and (found.kelurahan, found.kecamatan, found.kota) == (
        "Sukasari",
        "Cidadap",
        "Kota Toy",
    )


def test_import_is_idempotent(session: Session) -> None:
    spec = ImportSpec(region="toy", name_field="village", parent_fields=["district", "regency"])
    import_geojson(session, data=toy_region(), spec=spec)
    import_geojson(session, data=toy_region(), spec=spec)
    assert len(list(session.scalars(select(Area).where(Area.region == "toy")))) == 6


def test_import_names_the_missing_field(session: Session) -> None:
    spec = ImportSpec(region="toy", name_field="kelurahan", parent_fields=["district"])
    with pytest.raises(AreaError, match="kelurahan"):
        import_geojson(session, data=toy_region(), spec=spec)


def test_jakarta_tree_is_complete(session: Session) -> None:
    counts = {
        lvl: len(list(session.scalars(select(Area).where(Area.region == "jakarta", Area.level == lvl))))
        for lvl in ("kota", "kecamatan", "kelurahan")
    }
    assert counts == {"kota": 6, "kecamatan": 44, "kelurahan": 267}
