"""Scoring an NLU engine on a labelled CSV (text,label[,kelurahan,kecamatan])."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from nlu.base import NluEngine, ResolvedPlace
from nlu.gazetteer import name_key

CATEGORIES_FILE = Path(__file__).resolve().parent.parent / "backend" / "reports" / "data" / "categories.yml"


@dataclass(frozen=True)
class EvalRow:
    text: str
    label: str
    kelurahan: str = ""
    kecamatan: str = ""


class EvalDataError(ValueError):
    pass


def taxonomy_codes(path: Path = CATEGORIES_FILE) -> list[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [str(c["code"]) for c in doc["categories"]]


def read_rows(path: str | Path, codes: Sequence[str] | None = None) -> list[EvalRow]:
    """Read an evaluation CSV; a label outside the taxonomy is an error naming its row."""
    allowed = set(codes or taxonomy_codes())
    rows: list[EvalRow] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"text", "label"} - set(reader.fieldnames or [])
        if missing:
            raise EvalDataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line_no, raw in enumerate(reader, start=2):
            label = (raw.get("label") or "").strip()
            if label not in allowed:
                raise EvalDataError(
                    f"{path}, row {line_no}: label {label!r} is not a taxonomy code "
                    f"(expected one of: {', '.join(sorted(allowed))}); text: {raw.get('text', '')[:60]!r}"
                )
            rows.append(
                EvalRow(
                    text=raw.get("text") or "",
                    label=label,
                    kelurahan=(raw.get("kelurahan") or "").strip(),
                    kecamatan=(raw.get("kecamatan") or "").strip(),
                )
            )
    return rows


def _kecamatan_of(place: ResolvedPlace | None) -> str:
    if place is None:
        return ""
    if place.level == "kecamatan":
        return place.name
    return place.kecamatan or ""


def evaluate(
    engine: NluEngine, rows: Sequence[EvalRow], on_row: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """n, accuracy, macro_f1, per_label, location and parse_ms of `engine` on `rows`."""
    y_true: list[str] = []
    y_pred: list[str] = []
    times: list[float] = []
    n_kec = ok_kec = n_kel = ok_kel = 0
    for i, row in enumerate(rows):
        start = time.perf_counter()
        result = engine.parse(row.text)
        times.append((time.perf_counter() - start) * 1000)
        y_true.append(row.label)
        y_pred.append(result.category)
        place = result.location
        if row.kecamatan:
            n_kec += 1
            ok_kec += int(name_key(_kecamatan_of(place)) == name_key(row.kecamatan))
        if row.kelurahan:
            n_kel += 1
            ok_kel += int(
                place is not None
                and place.level == "kelurahan"
                and name_key(place.name) == name_key(row.kelurahan)
            )
        if on_row:
            on_row(i + 1)
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "n": len(rows),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4) if rows else 0.0,
        "macro_f1": round(float(np.mean(f)), 4) if rows else 0.0,
        "per_label": {
            label: {
                "precision": round(float(p[k]), 4),
                "recall": round(float(r[k]), 4),
                "f1": round(float(f[k]), 4),
                "support": int(s[k]),
            }
            for k, label in enumerate(labels)
        },
        "location": {
            "n_kecamatan": n_kec,
            "kecamatan_accuracy": round(ok_kec / n_kec, 4) if n_kec else None,
            "n_kelurahan": n_kel,
            "kelurahan_accuracy": round(ok_kel / n_kel, 4) if n_kel else None,
        },
        "parse_ms": {
            "p50": round(float(np.percentile(times, 50)), 3) if times else None,
            "p99": round(float(np.percentile(times, 99)), 3) if times else None,
        },
    }
