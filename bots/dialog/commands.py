"""Words that work at any point of a conversation: batal, cek KODE, bantuan, petugas, /start."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.reports.tickets import looks_like_ticket, normalise_ticket

_CANCEL = re.compile(r"^\s*/?(batal|batalkan|cancel|stop)\s*[.!]*\s*$", re.I)
_HELP = re.compile(r"^\s*/?(bantuan|help|tolong bantu|menu|\?)\s*[.!?]*\s*$", re.I)
_HUMAN = re.compile(
    r"^\s*/?(petugas|operator|admin|cs|agent|human|manusia|bicara dengan (petugas|orang|manusia)|"
    r"minta petugas|talk to (a )?(human|person|agent))\s*[.!]*\s*$",
    re.I,
)
_STATUS = re.compile(r"^\s*/?(cek|check|status|lacak|track)\b\s*(?P<code>[A-Za-z0-9 \-#]*)$", re.I)
_START = re.compile(r"^\s*/start(?:\s+(?P<payload>\S+))?\s*$", re.I)
_REGISTER = re.compile(r"^\s*/?(daftar|register)\b\s*(?P<code>\S*)\s*$", re.I)


@dataclass(frozen=True)
class Command:
    name: str  # cancel | help | human | status | start | register
    argument: str | None = None


def recognise(text: str | None) -> Command | None:
    if not text:
        return None
    if match := _START.match(text):
        payload = match.group("payload")
        return Command("register", payload) if payload else Command("start")
    if match := _REGISTER.match(text):
        return Command("register", match.group("code") or None)
    if _CANCEL.match(text):
        return Command("cancel")
    if _HELP.match(text):
        return Command("help")
    if _HUMAN.match(text):
        return Command("human")
    if match := _STATUS.match(text):
        code = match.group("code").strip()
        return Command("status", normalise_ticket(code) or (code or None))
    words = text.split()
    if len(words) == 1 and looks_like_ticket(words[0]):
        return Command("status", normalise_ticket(words[0]))
    return None
