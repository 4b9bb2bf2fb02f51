"""Ticket codes a person can read out and type: no 0/O, 1/I/L."""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
TICKET_RE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_ticket() -> str:
    """Six characters with at least one digit, so a bare code is never mistaken for a word ("BANJIR")."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if any(ch.isdigit() for ch in code):
            return code


def normalise_ticket(text: str) -> str | None:
    """The ticket a person typed (any case, with stray spaces), or None if it cannot be one."""
    candidate = re.sub(r"[\s\-#]", "", text or "").upper()
    if TICKET_RE.match(candidate):
        return candidate
    return None


def looks_like_ticket(word: str) -> bool:
    """A bare word that is a ticket code: six letters/digits from the alphabet, with a digit in it."""
    code = normalise_ticket(word)
    return code is not None and any(ch.isdigit() for ch in code)
