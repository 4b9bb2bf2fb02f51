"""Place names -> areas: the kelurahan, kecamatan and kota a message names.

Matching works on lower-case word tokens with their offsets in the original text. Exact
n-grams come first (names are compared without spaces, so "Kali Deres" == "kalideres"), then
landmark aliases, then fuzzy matches (rapidfuzz) for the n-grams left over, against names of
similar length that start with the same letter. A name that is both a kecamatan and a
kelurahan (Gambir, Menteng, Koja, ...) means the kelurahan only after "kel."/"kelurahan",
otherwise the kecamatan; the other is listed in `alternatives`. Short forms of name parts
("Kp. Melayu", "Pd. Labu", "Kb. Kacang") are written out before exact matching. Of several
unrelated mentions, one after "kel."/"kec." wins over a bare one, and a bare one over a street or
river named after a place ("Jl. Cipinang Jaya", "Kali Sunter").
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from nlu.base import PlaceRecord, ResolvedPlace
from nlu.normalize import word_set
from nlu.places import ABBREVIATIONS, ALIASES, GENERIC_WORDS, OTHER_CITIES, WEAK_NAMES

COMPASS = frozenset({"utara", "selatan", "barat", "timur"})
PLACE_CUES = frozenset(
    {"di", "daerah", "wilayah", "sekitar", "dekat", "dkt", "deket", "kawasan", "in", "at", "near"}
)
LEVEL_RANK = {"kelurahan": 3, "kecamatan": 2, "kota": 1}
KEL_WORDS = frozenset({"kel", "kelurahan", "kelurhan", "klurahan", "kelurahn", "desa", "village"})
KEC_WORDS = frozenset({"kec", "kecamatan", "kecamatn", "kcmtn", "kecamtan", "district"})
# a name right after these is a street or a river named after the place, weaker than a plain mention
STREET_WORDS = frozenset({"jl", "jln", "jalan", "gg", "gang", "street", "road"})
RIVER_WORDS = frozenset({"kali", "sungai", "kanal", "situ", "setu", "waduk", "river"})
_NAME_PREFIX = re.compile(r"^(kota administrasi|kabupaten administrasi|kota adm\.?|kab\.? adm\.?)\s+")
_TOKEN = re.compile(r"[a-z0-9]+")
_MAX_N = 4
_FUZZY_CUTOFF = 88.0
# small function words that never begin a fuzzy window
_STOP = word_set(
    """
    di ke dari dan yang yg ada ini itu dekat dkt deket depan sama dengan dgn ga gak gk tidak
    udah sudah banjir macet sampah jalan jl jln gang gg rt rw no air mobil motor orang warga
    tolong mohon pak bu the in at on near of to and is are was
    """
)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    # ASCII-only tokens so offsets in the lower-cased text are offsets in the original text
    lowered = "".join(ch.lower() if ch.isascii() else " " for ch in text)
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]


def name_key(name: str) -> str:
    """A name compared without case, spaces or punctuation: "Kali Deres" -> "kalideres"."""
    name = _NAME_PREFIX.sub("", name.lower().strip())
    return "".join(_TOKEN.findall(name))


@dataclass
class _Match:
    records: list[PlaceRecord]
    start: int
    end: int
    score: float  # 0..1
    prefix: str | None  # "kel" | "kec" | None
    named_after: bool = False  # the name is part of a street or river name ("Jl. Tomang Raya")


class Gazetteer:
    """Resolves the place a message names to one area of the region."""

    def __init__(self, places: list[PlaceRecord]) -> None:
        self.places = list(places)
        self.by_id = {p.area_id: p for p in self.places}
        self._exact: dict[str, list[PlaceRecord]] = defaultdict(list)
        self._alias: dict[str, tuple[list[PlaceRecord], float]] = {}
        for place in self.places:
            self._exact[name_key(place.name)].append(place)
        self._add_aliases()
        self._fuzzy_choices: dict[str, list[str]] = defaultdict(list)
        for key in list(self._exact) + list(self._alias):
            if len(key) >= 5 and key not in WEAK_NAMES:
                self._fuzzy_choices[key[0]].append(key)

    # ----------------------------------------------------------------- building
    def _find(self, target: str) -> PlaceRecord | None:
        level, _, rest = target.partition(":")
        name, _, kecamatan = rest.partition("@")
        for place in self._exact.get(name_key(name), []):
            if place.level != level:
                continue
            if kecamatan and place.kecamatan and name_key(place.kecamatan) != name_key(kecamatan):
                continue
            return place
        return None

    def _add_aliases(self) -> None:
        for alias, targets in ALIASES.items():
            found = [p for p in (self._find(t) for t in targets) if p is not None]
            key = name_key(alias)
            if found and key in self._exact:
                # an official name that also means other areas ("tanjung priok": the kecamatan, and
                # after "kel." the kelurahan Tanjung Priuk): the others become alternatives
                self._exact[key].extend(p for p in found if p not in self._exact[key])
            elif found:
                self._alias[key] = (found, 0.9 if len(found) == 1 else 0.8)
        # "cipete" for Cipete Utara and Cipete Selatan, when "cipete" is not itself a name
        by_base: dict[str, list[PlaceRecord]] = defaultdict(list)
        for place in self.places:
            words = place.name.split()
            if (
                place.level == "kelurahan"
                and len(words) >= 2
                and words[-1].lower()
                in {
                    "utara",
                    "selatan",
                    "barat",
                    "timur",
                    "tengah",
                }
            ):
                by_base[name_key(" ".join(words[:-1]))].append(place)
        for key, found in by_base.items():
            if key in self._exact or key in self._alias or key in WEAK_NAMES or key in GENERIC_WORDS:
                continue
            self._alias[key] = (found, 0.8)

    # ----------------------------------------------------------------- matching
    def _lookup_exact(self, key: str) -> tuple[list[PlaceRecord], float] | None:
        if key in self._exact:
            return self._exact[key], 1.0
        return self._alias.get(key)

    def _matches(self, text: str, fuzzy: bool = True) -> list[_Match]:
        toks = _tokens(text[:5000])
        keys = _expanded(toks)
        matches: list[_Match] = []
        covered = [False] * len(toks)
        i = 0
        while i < len(toks):
            found = None
            for n in range(min(_MAX_N, len(toks) - i), 0, -1):
                # a short form counts only with the rest of a name after it ("kp melayu", not "kp")
                key = "".join(keys[i : i + n]) if n > 1 else toks[i][0]
                hit = self._lookup_exact(key)
                if hit is None:
                    continue
                prefix = _prefix(toks, i)
                if n == 1 and key in WEAK_NAMES and prefix is None and not _cued_capital(text, toks, i):
                    continue
                found = (n, hit, prefix)
                break
            if found is None:
                i += 1
                continue
            n, (records, score), prefix = found
            start = toks[i - 1][1] if prefix else toks[i][1]
            # "Jl. Raya Cakung Cilincing": a name right after a street's name is part of that street
            after_street = bool(matches) and matches[-1].named_after and matches[-1].end == toks[i - 1][2]
            matches.append(
                _Match(
                    list(records),
                    start,
                    toks[i + n - 1][2],
                    score,
                    prefix,
                    _named_after(toks, i) or (after_street and prefix is None),
                )
            )
            for j in range(i, i + n):
                covered[j] = True
            i += n
        if fuzzy and not any(m.records[0].level != "kota" for m in matches):
            matches.extend(self._fuzzy(toks, covered))
        return matches

    def _fuzzy(self, toks: list[tuple[str, int, int]], covered: list[bool]) -> list[_Match]:
        out: list[_Match] = []
        i = 0
        while i < len(toks):
            best: tuple[float, int, str] | None = None
            first = toks[i][0]
            if covered[i] or first in _STOP or len(first) < 3 or first.isdigit():
                i += 1
                continue
            for n in range(min(3, len(toks) - i), 0, -1):
                window = toks[i : i + n]
                if any(covered[i + k] for k in range(n)) or any(t in OTHER_CITIES for t, _, _ in window):
                    continue
                if n == 1 and first in GENERIC_WORDS:
                    continue
                query = "".join(t for t, _, _ in window)
                if len(query) < 5:
                    continue
                choices = [c for c in self._fuzzy_choices.get(query[0], ()) if abs(len(c) - len(query)) <= 2]
                if not choices:
                    continue
                hit = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
                if hit is not None and (best is None or hit[1] > best[0]):
                    best = (hit[1], n, hit[0])
            if best is None:
                i += 1
                continue
            score, n, key = best
            records, base = self._lookup_exact(key) or ([], 0.0)
            prefix = _prefix(toks, i)
            start = toks[i - 1][1] if prefix else toks[i][1]
            confidence = base * score / 100 * 0.95
            out.append(
                _Match(list(records), start, toks[i + n - 1][2], confidence, prefix, _named_after(toks, i))
            )
            i += n
        return out

    # ----------------------------------------------------------------- choosing
    def _choose(self, match: _Match, text: str) -> ResolvedPlace:
        records = match.records
        if match.prefix == "kel":
            order = {"kelurahan": 0, "kecamatan": 1, "kota": 2}
        elif match.prefix == "kec":
            order = {"kecamatan": 0, "kelurahan": 1, "kota": 2}
        else:
            order = {"kecamatan": 0, "kelurahan": 1, "kota": 2}
        ranked = sorted(records, key=lambda p: order.get(p.level, 3))
        if len({p.level for p in records}) == 1:
            ranked = records  # several areas of one level (an alias): keep the alias's own order
        primary = ranked[0]
        return ResolvedPlace(
            area_id=primary.area_id,
            name=primary.name,
            level=primary.level,
            kecamatan=primary.kecamatan
            if primary.level != "kecamatan"
            else (primary.kecamatan or primary.name),
            kota=primary.kota,
            confidence=round(match.score, 3),
            matched_text=text[match.start : match.end],
            lat=primary.lat,
            lon=primary.lon,
            alternatives=[p.area_id for p in ranked[1:]],
        )

    def _best(self, matches: list[_Match], text: str) -> ResolvedPlace | None:
        if not matches:
            return None
        resolved = [(m, self._choose(m, text)) for m in matches]

        def support(place: ResolvedPlace) -> int:
            count = 0
            for _, other in resolved:
                if other is place:
                    continue
                if other.kota and place.kota and name_key(other.kota) != name_key(place.kota):
                    continue
                if (
                    other.level == "kota"
                    or place.level == "kota"
                    or (
                        other.kecamatan
                        and place.kecamatan
                        and name_key(other.kecamatan) == name_key(place.kecamatan)
                    )
                ):
                    count += 1
            return count

        def rank(item: tuple[_Match, ResolvedPlace]) -> tuple[float, ...]:
            # consistent mentions ("kel. X, kec. Y"): the most specific; unrelated ones: one written
            # with "kel."/"kec." before a bare one, a bare one before a street or river name
            # ("Kali Sunter meluap ke Kel. Cipinang Muara"), then the first
            match, place = item
            backed = support(place)
            return (
                backed,
                LEVEL_RANK.get(place.level, 0) if backed else 0,
                match.prefix is not None,
                not match.named_after,
                -match.start,
                match.score,
            )

        return max(resolved, key=rank)[1]

    def match_span(
        self, text: str, lokasi_phrase: str | None = None
    ) -> tuple[ResolvedPlace, int, int] | None:
        """The resolved place and the span of `text` that names it."""
        try:
            if lokasi_phrase:
                place = self._best(self._matches(lokasi_phrase), lokasi_phrase)
                if place is not None:
                    pos = text.find(place.matched_text)
                    if pos < 0:
                        return place, -1, -1
                    return place, pos, pos + len(place.matched_text)
            matches = self._matches(text)
            place = self._best(matches, text)
            if place is None:
                return None
            for m in matches:
                if text[m.start : m.end] == place.matched_text:
                    return place, m.start, m.end
            return place, -1, -1
        except Exception:  # pragma: no cover - resolution must never break a parse
            return None

    def resolve(self, text: str, lokasi_phrase: str | None = None) -> ResolvedPlace | None:
        """The area the text (or its place phrase) names, or None."""
        hit = self.match_span(text or "", lokasi_phrase)
        return hit[0] if hit else None

    # ----------------------------------------------------------------- geocoder use
    def lookup(self, name: str, limit: int = 5) -> list[ResolvedPlace]:
        """Ranked candidate areas for a typed place name ("kemang", "kel. gambir", "cempaka putih")."""
        toks = _tokens(name or "")
        prefix = None
        if toks and toks[0][0] in KEL_WORDS | KEC_WORDS:
            prefix = "kel" if toks[0][0] in KEL_WORDS else "kec"
            toks = toks[1:]
        if not toks:
            return []
        key = "".join(t for t, _, _ in toks)
        text = " ".join(t for t, _, _ in toks)
        out: list[ResolvedPlace] = []
        seen: set[int] = set()

        def add(records: list[PlaceRecord], score: float) -> None:
            if not records:
                return
            place = self._choose(_Match(records, 0, len(text), score, prefix), text)
            ordered = [place.area_id, *place.alternatives]
            for rank, area_id in enumerate(ordered):
                if area_id in seen:
                    continue
                seen.add(area_id)
                rec = self.by_id[area_id]
                out.append(_as_resolved(rec, round(score * (1 - 0.05 * rank), 3), text))

        hit = self._lookup_exact(key)
        if hit:
            add(hit[0], hit[1])
        # names that start with the text: "cempaka putih" -> Cempaka Putih Timur, Cempaka Putih Barat
        for other_key, records in self._exact.items():
            if other_key != key and other_key.startswith(key) and len(key) >= 4:
                add(records, 0.7)
        if len(out) < limit:
            choices = list(self._exact) + list(self._alias)
            for cand, score, _ in process.extract(
                key, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=70
            ):
                found = self._lookup_exact(cand)
                if found:
                    add(found[0], found[1] * score / 100 * 0.9)
        return out[:limit]


def _cued_capital(text: str, toks: list[tuple[str, int, int]], i: int) -> bool:
    """A one-word name that is also a common word counts when capitalised after "di"/"dekat"/..."""
    return i > 0 and toks[i - 1][0] in PLACE_CUES and text[toks[i][1]].isupper()


def _expanded(toks: list[tuple[str, int, int]]) -> list[str]:
    """Tokens with the short forms of name parts written out when a name part follows ("kp melayu")."""
    last = len(toks) - 1
    return [ABBREVIATIONS.get(t, t) if k < last else t for k, (t, _, _) in enumerate(toks)]


def _named_after(toks: list[tuple[str, int, int]], i: int) -> bool:
    """The name at token i follows "jl."/"jl. raya"/"kali"/...: a street or river named after a place."""
    before = [t for t, _, _ in toks[max(0, i - 2) : i]]
    if before and before[-1] in RIVER_WORDS | STREET_WORDS:
        return True
    return len(before) == 2 and before[1] == "raya" and before[0] in STREET_WORDS


def _prefix(toks: list[tuple[str, int, int]], i: int) -> str | None:
    if i == 0:
        return None
    word = toks[i - 1][0]
    if word in KEL_WORDS:
        return "kel"
    if word in KEC_WORDS:
        return "kec"
    return None


def _as_resolved(rec: PlaceRecord, confidence: float, matched: str) -> ResolvedPlace:
    return ResolvedPlace(
        area_id=rec.area_id,
        name=rec.name,
        level=rec.level,
        kecamatan=rec.kecamatan if rec.level != "kecamatan" else (rec.kecamatan or rec.name),
        kota=rec.kota,
        confidence=confidence,
        matched_text=matched,
        lat=rec.lat,
        lon=rec.lon,
    )


@lru_cache(maxsize=4)
def _records_cached(path: str, include_non_kelurahan: bool) -> tuple[PlaceRecord, ...]:
    from shapely.geometry import shape

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    kel_rows: list[tuple[dict, float, float]] = []
    for feature in data["features"]:
        props = feature["properties"]
        if not props.get("is_kelurahan", True) and not include_non_kelurahan:
            continue
        point = shape(feature["geometry"]).representative_point()
        kel_rows.append((props, point.y, point.x))

    def mean(points: list[tuple[float, float]]) -> tuple[float, float]:
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)

    kota_pts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    kec_pts: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for props, lat, lon in kel_rows:
        kota_pts[props["kota"]].append((lat, lon))
        kec_pts[(props["kecamatan"], props["kota"])].append((lat, lon))
    records: list[PlaceRecord] = []
    next_id = 1
    for kota, pts in kota_pts.items():
        lat, lon = mean(pts)
        records.append(PlaceRecord(next_id, kota, "kota", None, None, lat, lon))
        next_id += 1
    for (kec, kota), pts in kec_pts.items():
        lat, lon = mean(pts)
        records.append(PlaceRecord(next_id, kec, "kecamatan", kec, kota, lat, lon))
        next_id += 1
    for props, lat, lon in kel_rows:
        records.append(
            PlaceRecord(next_id, props["kelurahan"], "kelurahan", props["kecamatan"], props["kota"], lat, lon)
        )
        next_id += 1
    return tuple(records)


def records_from_geojson(path: str | Path, include_non_kelurahan: bool = False) -> list[PlaceRecord]:
    """PlaceRecords (kota, then kecamatan, then kelurahan; ids by that order) from a kelurahan file."""
    return list(_records_cached(str(path), include_non_kelurahan))


DEFAULT_GEOJSON = (
    Path(__file__).resolve().parent.parent
    / "backend"
    / "areas"
    / "data"
    / "jakarta"
    / "jakarta_kelurahan.geojson"
)
