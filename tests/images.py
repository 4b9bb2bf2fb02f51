"""Real image bytes for tests, made with Pillow (optionally with an EXIF GPS position)."""

from __future__ import annotations

import io
from fractions import Fraction

from PIL import Image


def jpeg(
    width: int = 64, height: int = 48, color: str = "red", gps: tuple[float, float] | None = None
) -> bytes:
    image = Image.new("RGB", (width, height), color)
    buffer = io.BytesIO()
    if gps is None:
        image.save(buffer, "JPEG")
        return buffer.getvalue()
    exif = Image.Exif()
    exif[0x8825] = {
        1: "S" if gps[0] < 0 else "N",
        2: _dms(abs(gps[0])),
        3: "W" if gps[1] < 0 else "E",
        4: _dms(abs(gps[1])),
    }
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return Fraction(degrees), Fraction(minutes), Fraction(seconds).limit_denominator(10000)
