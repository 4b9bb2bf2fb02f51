"""Photos: checked with Pillow, stored under the media dir by sha256, EXIF GPS read when present."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, UnidentifiedImageError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.reports.models import Photo

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
    "HEIF": ("image/heif", "heic"),
    "MPO": ("image/jpeg", "jpg"),
}
Image.MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs


class PhotoRejected(Exception):
    def __init__(self, reason: str) -> None:  # reason: "too_large" | "not_image" | "unsupported"
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    extension: str
    width: int
    height: int
    gps: tuple[float, float] | None  # (lat, lon)


def check_image(data: bytes, *, max_bytes: int) -> CheckedImage:
    if len(data) > max_bytes:
        raise PhotoRejected("too_large")
    if not data:
        raise PhotoRejected("not_image")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            width, height = image.size
            gps = _exif_gps(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoRejected("not_image") from exc
    if fmt not in FORMATS:
        raise PhotoRejected("unsupported")
    content_type, extension = FORMATS[fmt]
    return CheckedImage(content_type, extension, width, height, gps)


def _exif_gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    try:
        lat = _dms(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _dms(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 7), round(lon, 7)


def _dms(value: tuple) -> float:
    degrees, minutes, seconds = (float(v) for v in value)
    return degrees + minutes / 60 + seconds / 3600


def store_photo(
    session: Session, *, data: bytes, media_dir: Path, max_bytes: int
) -> tuple[Photo, CheckedImage]:
    """Check and store an image; the same bytes are stored once on disk."""
    checked = check_image(data, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(digest[:2]) / f"{digest}.{checked.extension}"
    target = Path(media_dir) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    photo = Photo(
        sha256=digest,
        content_type=checked.content_type,
        size=len(data),
        path=relative.as_posix(),
        width=checked.width,
        height=checked.height,
    )
    session.add(photo)
    session.flush([photo])  # only the photo (its id is needed now); the turn's other writes go at its end
    return photo, checked


_PHOTOS_BY_IDS = select(Photo).where(Photo.id.in_(bindparam("ids", expanding=True))).order_by(Photo.id)


def photos_by_ids(session: Session, *, ids: list[int]) -> list[Photo]:
    if not ids:
        return []
    with session.no_autoflush:  # photos are flushed when stored; the turn's other writes wait for its end
        return list(session.scalars(_PHOTOS_BY_IDS, {"ids": list(ids)}))
