"""Typed place names -> places, through geopy's Geocoder interface.

The default is an offline geocoder over the region's own kelurahan, kecamatan and kota names (the NLU
gazetteer: exact, then fuzzy with rapidfuzz). A deployment with its own Nominatim server switches to
geopy's Nominatim with `ADUAN_GEOCODER=nominatim` and `ADUAN_NOMINATIM_URL`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from backend.config import Settings
from nlu.base import PlaceRecord
from nlu.gazetteer import Gazetteer

# Nominatim answers only with matches, best first: its candidates count as found.
NOMINATIM_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Place:
    """One candidate for what a person typed: a point, and the area when the geocoder knows it."""

    label: str
    latitude: float
    longitude: float
    area_id: int | None
    confidence: float


class GazetteerGeocoder(Geocoder):
    """A geopy geocoder that never leaves the machine: it answers from the region's area names."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        super().__init__(user_agent="aduan-gazetteer")
        self.gazetteer = gazetteer

    def geocode(
        self, query: str, *, exactly_one: bool = True, limit: int = 5
    ) -> Location | list[Location] | None:
        found = []
        for place in self.gazetteer.lookup(query, limit=limit):
            if place.lat is None or place.lon is None:
                continue
            label = _label(place.level, place.name, place.kecamatan, place.kota)
            raw = {"area_id": place.area_id, "level": place.level, "confidence": place.confidence}
            found.append(Location(label, (place.lat, place.lon), raw))
        if not found:
            return None
        return found[0] if exactly_one else found


def _label(level: str, name: str, kecamatan: str | None, kota: str | None) -> str:
    if level == "kelurahan":
        return f"Kelurahan {name}, Kecamatan {kecamatan}, {kota}"
    if level == "kecamatan":
        return f"Kecamatan {name}, {kota}"
    return name


class PlaceFinder:
    """What the dialog uses: candidates for a typed place name, from whichever geocoder is configured."""

    def __init__(
        self, geocoder: Geocoder, *, bounds: tuple[float, float, float, float] | None = None
    ) -> None:
        self.geocoder = geocoder
        self.bounds = bounds  # (min_lon, min_lat, max_lon, max_lat) of the region, for Nominatim

    def find(self, query: str, limit: int = 5) -> list[Place]:
        query = (query or "").strip()
        if len(query) < 3:
            return []
        if isinstance(self.geocoder, GazetteerGeocoder):
            results = self.geocoder.geocode(query, exactly_one=False, limit=limit) or []
        else:
            results = self._nominatim(query, limit)
        return [
            Place(
                label=loc.address,
                latitude=loc.latitude,
                longitude=loc.longitude,
                area_id=(loc.raw or {}).get("area_id") if isinstance(loc.raw, dict) else None,
                confidence=float((loc.raw or {}).get("confidence", NOMINATIM_CONFIDENCE))
                if isinstance(loc.raw, dict)
                else NOMINATIM_CONFIDENCE,
            )
            for loc in results
        ]

    def _nominatim(self, query: str, limit: int) -> list[Location]:
        kwargs: dict[str, object] = {"exactly_one": False, "limit": limit, "country_codes": "id"}
        if self.bounds:
            min_lon, min_lat, max_lon, max_lat = self.bounds
            kwargs.update(viewbox=[(max_lat, min_lon), (min_lat, max_lon)], bounded=True)
        return list(self.geocoder.geocode(query, **kwargs) or [])


def build_place_finder(
    settings: Settings, places: list[PlaceRecord], bounds: tuple[float, float, float, float] | None = None
) -> PlaceFinder:
    if settings.geocoder == "nominatim":
        url = urlparse(settings.nominatim_url)
        geocoder: Geocoder = Nominatim(
            domain=url.netloc + url.path.rstrip("/"),
            scheme=url.scheme or "https",
            user_agent=settings.nominatim_user_agent,
        )
        return PlaceFinder(geocoder, bounds=bounds)
    return PlaceFinder(GazetteerGeocoder(Gazetteer(places)), bounds=bounds)
