"""Public copies of report photos: decoded and encoded again by Pillow, so no EXIF (GPS, camera,
owner) and no other metadata leaves the server. Copies are cached next to the originals."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.reports.models import Photo

PUBLIC_DIR = "public"  # under the media dir
MAX_SIDE = 2048


@dataclass(frozen=True)
class PublicPhoto:
    path: Path
    content_type: str


def published_photo(session: Session, *, photo_id: int) -> Photo | None:
    """A photo attached to a report (photos of unfinished conversations are never served)."""
    return session.scalar(select(Photo).where(Photo.id == photo_id, Photo.report_id.is_not(None)))


def clean_copy(photo: Photo, *, media_dir: Path) -> PublicPhoto | None:
    """The metadata-free copy of a stored photo, made on first use; None when the file is gone."""
    has_alpha_hint = photo.content_type in ("image/png", "image/gif", "image/webp")
    folder = Path(media_dir) / PUBLIC_DIR
    for ext, content_type in (("jpg", "image/jpeg"), ("png", "image/png")):
        cached = folder / f"{photo.sha256}.{ext}"
        if cached.exists():
            return PublicPhoto(cached, content_type)
    source = Path(media_dir) / photo.path
    if not source.exists():
        return None
    data, ext, content_type = strip_metadata(source.read_bytes(), keep_alpha=has_alpha_hint)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{photo.sha256}.{ext}"
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return PublicPhoto(target, content_type)


def strip_metadata(data: bytes, *, keep_alpha: bool = False) -> tuple[bytes, str, str]:
    """Re-encode pixels only: JPEG, or PNG when the image has transparency. Returns (bytes, ext, type)."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)  # keep the picture upright once the orientation tag is gone
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        transparent = keep_alpha and (image.mode in ("RGBA", "LA") or "transparency" in image.info)
        out = io.BytesIO()
        if transparent:
            clean = _pixels_only(image, "RGBA")
            clean.save(out, "PNG", optimize=True)
            return out.getvalue(), "png", "image/png"
        clean = _pixels_only(image, "RGB")
        clean.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue(), "jpg", "image/jpeg"


def _pixels_only(image: Image.Image, mode: str) -> Image.Image:
    """A new image holding only the pixels: no info dict, so nothing (EXIF, XMP, ICC, text) is carried."""
    converted = image.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean
