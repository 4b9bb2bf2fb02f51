"""The report status life cycle, enforced here and nowhere else."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    MENUNGGU = "menunggu"  # received, waiting for the responsible unit
    DIPROSES = "diproses"  # accepted, being handled
    SELESAI = "selesai"  # done, with a note
    DITOLAK = "ditolak"  # rejected with a reason


ALLOWED: dict[Status, frozenset[Status]] = {
    # An official may accept, reject, or finish at once a report that needed no separate acceptance.
    Status.MENUNGGU: frozenset({Status.DIPROSES, Status.DITOLAK, Status.SELESAI}),
    # Being handled: finished, rejected after a look, or sent back to waiting when rerouted.
    Status.DIPROSES: frozenset({Status.SELESAI, Status.DITOLAK, Status.MENUNGGU}),
    # Reopened when the citizen says it is not fixed.
    Status.SELESAI: frozenset({Status.MENUNGGU}),
    Status.DITOLAK: frozenset(),
}

OPEN_STATUSES = frozenset({Status.MENUNGGU, Status.DIPROSES})
REJECT_REASONS = ("duplikat", "bukan_masalah", "di_luar_kewenangan")


class IllegalTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a report that is {current} cannot become {target}")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> Status:
    """Return the target status, or raise IllegalTransition."""
    try:
        now, to = Status(current), Status(target)
    except ValueError as exc:
        raise IllegalTransition(current, target) from exc
    if to not in ALLOWED[now]:
        raise IllegalTransition(current, target)
    return to


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
