"""The area tree: kota > kecamatan > kelurahan (> rw > rt), per region."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow

LEVELS = ("kota", "kecamatan", "kelurahan", "rw", "rt")


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("region", "level", "name", "parent_id", name="uq_areas_region_level_name_parent"),
        Index("ix_areas_region_level", "region", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    # GeoJSON geometry (WGS84); kept as text so SQLite and PostgreSQL store it alike. Deferred: areas are
    # joined into units and reports everywhere, and only the locator and the maps read the polygons.
    geometry: Mapped[str | None] = mapped_column(Text, deferred=True)
    centroid_lat: Mapped[float | None]
    centroid_lon: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    def ancestor(self, level: str) -> Area | None:
        node: Area | None = self
        while node is not None and node.level != level:
            node = node.parent
        return node
