import numpy as np
from sqlalchemy.orm import Session

from backend.areas.service import get_locator, locate

LANDMARKS = {
    "Monas": ((-6.1754, 106.8272), "Gambir", "Gambir", "Jakarta Pusat"),
    "Blok M": ((-6.2443, 106.8003), "Melawai", "Kebayoran Baru", "Jakarta Selatan"),
    "Bundaran HI": ((-6.1950, 106.8230), "Menteng", "Menteng", "Jakarta Pusat"),
}


def test_landmarks_are_located_in_their_kelurahan(session: Session) -> None:
    for (lat, lon), kel, kec, kota in LANDMARKS.values():
        found = locate(session, region="jakarta", lat=lat, lon=lon)
        assert found is not None
        assert (found.kelurahan, found.kecamatan, found.kota) == (kel, kec, kota)


def test_point_outside_jakarta_is_not_located(session: Session) -> None:
    assert locate(session, region="jakarta", lat=-6.9175, lon=107.6191) is None  # Bandung
    assert locate(session, region="jakarta", lat=-6.0, lon=107.5) is None  # open sea


def test_locator_is_built_once_per_process(session: Session) -> None:
    assert get_locator(session, region="jakarta") is get_locator(session, region="jakarta")
    assert len(get_locator(session, region="jakarta")) == 267


def test_vectorised_lookup_agrees_with_single_lookups(session: Session) -> None:
    locator = get_locator(session, region="jakarta")
    rng = np.random.default_rng(7)
    lats = rng.uniform(-6.37, -6.09, 300)
    lons = rng.uniform(106.69, 106.97, 300)
    many = locator.locate_many(lats, lons)
    single = [locator.locate(float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
    assert many == single
    assert sum(1 for x in many if x is not None) > 200
