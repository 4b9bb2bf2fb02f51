"""Entities by rules: street (jalan), RT, RW, flood depth (kedalaman) and ticket code (tiket).

Every entity carries start/end offsets into the ORIGINAL text, so `text[start:end] == value`.
The place phrase (lokasi) comes from the gazetteer (see nlu.builtin), which knows the names.
"""

from __future__ import annotations

import re

from nlu.base import Entity
from nlu.language import COMMON_WORDS
from nlu.normalize import word_set

TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

_BODY_PARTS = (
    r"mata\s*kaki|semata\s*kaki|betis|lutut|dengkul|dengkol|paha|pinggang|pinggul|perut|dada|"
    r"leher|dagu|kepala|atap|ban|ban\s+motor|knalpot|pusar|bokong|jidat|orang\s+dewasa"
)
_KEDALAMAN = re.compile(
    rf"\b(?:se-?\s?(?:{_BODY_PARTS})|setinggi\s+(?:{_BODY_PARTS})"
    r"|(?:\d+(?:[.,]\d+)?\s*(?:-|s/?d|sampai|sampe|smp)\s*)?\d+(?:[.,]\d+)?\s*"
    r"(?:cm|centi(?:meter)?|senti(?:meter)?|meter|mtr|m)\b"
    r"|(?:ankle|knee|waist|chest|neck|thigh)[- ]?(?:deep|high)"
    r"|(?:ankle|knee|waist|chest|neck|thigh)[- ]level)",
    re.IGNORECASE,
)
_RT_RW_PAIR = re.compile(
    r"\brt\s*[.:]?\s*(?P<rt>\d{1,3})\s*(?:/|\\|-|,)?\s*(?:rw\s*[.:]?\s*)?(?P<rw>\d{1,3})\b"
    r"|\brt\s*/\s*rw\s*[.:]?\s*(?P<rt2>\d{1,3})\s*/\s*(?P<rw2>\d{1,3})\b",
    re.IGNORECASE,
)
_RT = re.compile(r"\brt\s*[.:]?\s*(?P<n>\d{1,3})\b", re.IGNORECASE)
_RW = re.compile(r"\brw\s*[.:]?\s*(?P<n>\d{1,3})\b", re.IGNORECASE)
_TICKET_CUE = re.compile(
    r"(?:tiket|ticket|kode|code|no\.?|nomor|nomer|laporan|report|id|#)\s*[:.#]?\s*$", re.IGNORECASE
)
_TICKET = re.compile(rf"(?<![A-Za-z0-9])[{TICKET_ALPHABET}{TICKET_ALPHABET.lower()}]{{6}}(?![A-Za-z0-9])")

_STREET = re.compile(
    r"\b(?P<prefix>(?:jl|jln|gg|st)\.\s*(?:raya\s+)?"
    r"|(?:jalan\s+raya|jl\s+raya|jln\s+raya|jalan|jln|jl|gang|gg|street|road|flyover|fly\s+over|"
    r"underpass|tol|jembatan)\s+)"
    r"(?P<name>[A-Za-z0-9][\w.'-]*(?:\s+[\w.'-]+){0,4})",
    re.IGNORECASE,
)
# words that end a street name
_STREET_STOP = word_set(
    """
    di dkt deket dekat depan dpn samping sblh sebelah belakang arah menuju ke dari sampai sampe
    smp rt rw no nomor kel kelurahan kec kecamatan yg yang udh udah sudah sdh ga gak gk nggak
    tidak tdk banjir macet rusak berlubang ada lagi masih mohon tolong pak bu min ya dan atau
    tapi tp, sepaha selutut sepinggang semata sebetis sedada karena krn soalnya jam sejak dari
    tadi kemarin kmrn skrg sekarang mulai itu ini nih tuh bnyk banyak penuh parah bgt banget lg
    near in at on is are was the and please hari pagi siang sore malam tiap setiap tergenang
    genangan air terus trus sehingga jadi bikin mobil motor orang warga sangat cm
    """
)
_STREET_WORD_MIN = 2


def _rt_rw(text: str) -> list[Entity]:
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for m in _RT_RW_PAIR.finditer(text):
        rt_group = "rt" if m.group("rt") is not None else "rt2"
        rw_group = "rw" if m.group("rw") is not None else "rw2"
        found.append(Entity("rt", m.group(rt_group), m.start(rt_group), m.end(rt_group)))
        found.append(Entity("rw", m.group(rw_group), m.start(rw_group), m.end(rw_group)))
        taken.append((m.start(), m.end()))
    for pattern, name in ((_RT, "rt"), (_RW, "rw")):
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            found.append(Entity(name, m.group("n"), m.start("n"), m.end("n")))
    return found


def _kedalaman(text: str) -> list[Entity]:
    out = []
    for m in _KEDALAMAN.finditer(text):
        value = m.group(0).strip()
        # "2 m" of a street width or "500 m" of a distance is not a depth when no flood word is near
        if re.fullmatch(r"\d+\s*(m|meter|mtr)", value, re.IGNORECASE):
            window = text[max(0, m.start() - 40) : m.end() + 10].lower()
            if not re.search(r"banjir|genang|air|rob|tinggi|dalam|deep|water|flood|bnjr", window):
                continue
        out.append(Entity("kedalaman", value, m.start(), m.start() + len(value)))
    return out


def _tiket(text: str) -> list[Entity]:
    out = []
    for m in _TICKET.finditer(text):
        token = m.group(0)
        has_digit = any(ch.isdigit() for ch in token)
        cue = _TICKET_CUE.search(text[max(0, m.start() - 12) : m.start()]) is not None
        upper = token == token.upper()
        letters = sum(ch.isalpha() for ch in token)
        if (cue and (has_digit or upper)) or (has_digit and letters >= 2 and upper):
            out.append(Entity("tiket", token, m.start(), m.end()))
    return out


def _street_at(text: str, m: re.Match[str]) -> Entity | None:
    words = list(re.finditer(r"[\w'-]+", m.group("name")))
    kept_end = None
    for i, w in enumerate(words):
        word = w.group(0).lower().strip(".")
        if word in _STREET_STOP or (i > 0 and re.fullmatch(r"\d{3,}", word)):
            break
        kept_end = m.start("name") + w.end()
        if text[kept_end : kept_end + 1] in {",", ";", "!", "?", "\n"}:
            break
    if kept_end is None:
        return None
    first = words[0].group(0).lower()
    if not m.group("prefix").rstrip().endswith(".") and first in COMMON_WORDS and not first[0].isdigit():
        return None  # "jalan mati", "gang sebelah": an ordinary word, not a street name
    value = text[m.start() : kept_end].rstrip(".-'")
    if len(value) - (m.start("name") - m.start()) < _STREET_WORD_MIN:
        return None
    return Entity("jalan", value, m.start(), m.start() + len(value))


def _jalan(text: str) -> list[Entity]:
    out = []
    pos = 0
    while True:
        m = _STREET.search(text, pos)
        if m is None:
            return out
        ent = _street_at(text, m)
        if ent is None:
            pos = m.start() + 1
        else:
            out.append(ent)
            pos = ent.end


def extract(text: str) -> list[Entity]:
    """The rule-based entities of a text, ordered by position, without overlaps."""
    if not text:
        return []
    return without_overlaps(_kedalaman(text) + _rt_rw(text) + _tiket(text) + _jalan(text))


def without_overlaps(entities: list[Entity]) -> list[Entity]:
    entities = sorted(entities, key=lambda e: (e.start, -(e.end - e.start)))
    result: list[Entity] = []
    for ent in entities:
        if any(ent.start < r.end and r.start < ent.end for r in result):
            continue
        result.append(ent)
    return result
