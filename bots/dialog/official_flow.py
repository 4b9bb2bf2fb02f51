"""What an official can do in chat: terima, balas, selesai, alihkan, tolak, laporan, keluar."""

from __future__ import annotations

import re
from datetime import timedelta

from backend.db import utcnow
from backend.officials.binding import unbind
from backend.officials.models import Official
from backend.officials.permissions import NotAllowed, require_can_act
from backend.officials.service import get_unit_by_name
from backend.reports import handling
from backend.reports.categories import get_category
from backend.reports.lifecycle import IllegalTransition
from backend.reports.models import Photo, Report
from backend.reports.photos import PhotoRejected, store_photo
from backend.reports.service import ReportError, get_by_ticket
from bots.dialog.turn import Turn
from bots.messages import Button

ACTION = re.compile(r"^\s*/?(terima|balas|selesai|alihkan|tolak)\b\s*(\S*)\s*(.*)$", re.I | re.S)
LIST = re.compile(r"^\s*/?(laporan|reports|daftar laporan)\s*$", re.I)
LEAVE = re.compile(r"^\s*/?(keluar|logout)\s*$", re.I)
HELP = re.compile(r"^\s*/?(bantuan|help|menu|start)\s*$", re.I)
REASON_WORDS = {
    "duplikat": "duplikat",
    "duplicate": "duplikat",
    "dobel": "duplikat",
    "ganda": "duplikat",
    "bukan": "bukan_masalah",
    "bukan_masalah": "bukan_masalah",
    "not": "bukan_masalah",
    "luar": "di_luar_kewenangan",
    "di_luar_kewenangan": "di_luar_kewenangan",
    "outside": "di_luar_kewenangan",
    "kewenangan": "di_luar_kewenangan",
}
USAGE = {
    "terima": "terima KODE",
    "balas": "balas KODE pesan",
    "selesai": "selesai KODE catatan",
    "alihkan": "alihkan KODE UNIT alasan",
    "tolak": "tolak KODE duplikat|bukan masalah|di luar kewenangan [catatan]",
}
ASK_FOR = {"balas": "official_ask_reply", "selesai": "official_ask_note", "alihkan": "official_ask_unit"}
RESULT_PHOTO_WINDOW = timedelta(minutes=15)


def looks_like_official_command(text: str) -> bool:
    match = ACTION.match(text or "")
    return bool(match and match.group(2)) or bool(LIST.match(text or ""))


class OfficialFlow:
    def handle(self, turn: Turn, official: Official) -> None:
        msg, state = turn.message, turn.form
        text = turn.text
        value = msg.button_value
        if value and value.startswith("off:"):
            _, action, ticket = [*value.split(":", 2), "", ""][:3]
            self._start_action(turn, official, action, ticket)
            return
        if value and value.startswith("offr:"):
            _, reason, ticket = [*value.split(":", 2), "", ""][:3]
            self._run(turn, official, "tolak", ticket, reason)
            return
        if msg.photos and not text:
            self._attach_photos(turn, official)
            return
        if LEAVE.match(text):
            unbind(turn.session, channel=turn.conversation.channel, chat_id=turn.conversation.chat_id)
            turn.say("official_unbound")
            return
        if LIST.match(text):
            self._list(turn, official)
            return
        if match := ACTION.match(text):
            action, ticket, rest = match.group(1).lower(), match.group(2), match.group(3).strip()
            if not ticket:
                turn.say("official_bad_command", usage=USAGE[action])
                return
            self._run(turn, official, action, ticket, rest)
            return
        pending = state.pending.get("official")
        if pending and text:
            state.pending.pop("official", None)
            self._run(turn, official, pending["action"], pending["ticket"], text)
            return
        turn.say("official_help")

    # --- actions -------------------------------------------------------------------------------------

    def _start_action(self, turn: Turn, official: Official, action: str, ticket: str) -> None:
        if action == "terima":
            self._run(turn, official, action, ticket, "")
            return
        if action not in USAGE:
            turn.say("official_help")
            return
        turn.form.pending["official"] = {"action": action, "ticket": ticket}
        if action == "tolak":
            turn.say(
                "official_ask_reason",
                ticket=ticket,
                buttons=[
                    Button(label=turn.t(f"reject_reasons.{code}"), value=f"offr:{code}:{ticket}")
                    for code in ("duplikat", "bukan_masalah", "di_luar_kewenangan")
                ],
            )
        else:
            key = {
                "balas": "official_ask_reply",
                "selesai": "official_ask_note",
                "alihkan": "official_ask_unit",
            }
            turn.say(key[action], ticket=ticket)

    def _run(self, turn: Turn, official: Official, action: str, ticket: str, rest: str) -> None:
        report = get_by_ticket(turn.session, ticket=ticket)
        if report is None:
            turn.say("official_unknown_ticket", ticket=ticket.upper()[:12])
            return
        try:
            done = self._apply(turn, official, action, report, rest)
        except NotAllowed:
            turn.say(
                "official_not_allowed", ticket=report.ticket, unit=report.unit.name if report.unit else "-"
            )
            return
        except IllegalTransition:
            turn.say("official_illegal", ticket=report.ticket, status=turn.t(f"statuses.{report.status}"))
            return
        except ReportError:
            turn.say("official_bad_command", usage=USAGE[action])
            return
        if done:
            turn.say("official_done", ticket=report.ticket, what=done)

    def _apply(self, turn: Turn, official: Official, action: str, report: Report, rest: str) -> str | None:
        session = turn.session
        require_can_act(session, official=official, report=report)  # before anything else is said
        if action == "terima":
            handling.accept(session, report=report, official=official)
            return turn.t("actions.accepted")
        if action == "balas":
            if not rest:
                raise ReportError("empty")
            handling.reply(session, report=report, official=official, text=rest)
            return turn.t("actions.replied")
        if action == "selesai":
            photos = self._store(turn)
            handling.finish(session, report=report, official=official, note=rest, photos=photos)
            turn.form.pending["finished"] = {"ticket": report.ticket, "at": utcnow().isoformat()}
            return turn.t("actions.finished")
        if action == "alihkan":
            unit, reason = self._split_unit(turn, rest)
            if unit is None:
                turn.say("official_unknown_unit", unit=rest[:80] or "-")
                return None
            handling.reroute(session, report=report, official=official, unit=unit, reason=reason)
            return turn.t("actions.rerouted", unit=unit.name)
        if action == "tolak":
            words = rest.replace("_", " ").split()
            code = REASON_WORDS.get(words[0].lower()) if words else None
            if code is None:
                raise ReportError("reason")
            note = " ".join(words[1:])
            if code == "bukan_masalah" and words[1:2] == ["masalah"]:
                note = " ".join(words[2:])
            elif code == "di_luar_kewenangan" and words[:1] == ["di"]:
                note = " ".join(words[3:])
            handling.reject(session, report=report, official=official, reason=code, note=note or None)
            return turn.t("actions.rejected")
        return None

    def _split_unit(self, turn: Turn, rest: str) -> tuple[object | None, str]:
        """The longest leading words that name a unit; the rest is the reason."""
        words = rest.split()
        for end in range(len(words), 0, -1):
            unit = get_unit_by_name(
                turn.session, region=turn.services.settings.region, name=" ".join(words[:end])
            )
            if unit is not None:
                return unit, " ".join(words[end:])
        return None, rest

    def _store(self, turn: Turn) -> list[Photo]:
        stored = []
        settings = turn.services.settings
        for raw in turn.message.photos:
            try:
                photo, _ = store_photo(
                    turn.session,
                    data=raw.data,
                    media_dir=settings.media_dir,
                    max_bytes=settings.max_photo_bytes,
                )
            except PhotoRejected:
                turn.say("photo_not_image")
                continue
            stored.append(photo)
        return stored

    def _attach_photos(self, turn: Turn, official: Official) -> None:
        """A result photo sent right after `selesai KODE` belongs to that report."""
        finished = turn.form.pending.get("finished")
        if not finished:
            turn.say("official_help")
            return
        from datetime import datetime

        if utcnow() - datetime.fromisoformat(finished["at"]) > RESULT_PHOTO_WINDOW:
            turn.form.pending.pop("finished", None)
            turn.say("official_help")
            return
        report = get_by_ticket(turn.session, ticket=finished["ticket"])
        if report is None:
            return
        for photo in self._store(turn):
            handling.attach_result_photo(turn.session, report=report, official=official, photo=photo)
        turn.say("official_photo_attached", ticket=report.ticket)

    def _list(self, turn: Turn, official: Official) -> None:
        reports = handling.open_reports_of(turn.session, official=official)
        if not reports:
            turn.say("official_no_open_reports")
            return
        lines = []
        for report in reports:
            area = report.area.name if report.area else "-"
            status = turn.t(f"statuses.{report.status}")
            lines.append(
                f"• {report.ticket} — {get_category(report.category).label(turn.lang)} — {area} — {status}"
            )
        turn.say("official_open_reports", lines="\n".join(lines))
