"""Who hears of a report's change, and what they read: outbox rows written in the change's transaction.

Registered as a report hook by backend.wiring; the domain never imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.conversations.models import Conversation
from backend.conversations.service import send_to_chat
from backend.db import utcnow
from backend.escalation.service import accept_deadline
from backend.officials.models import ChatIdentity, Official, Unit
from backend.officials.service import city_unit
from backend.reports.categories import get_category
from backend.reports.hooks import ReportChange
from backend.reports.models import Follower, Report, ReportEvent
from backend.reports.service import photo_url
from bots.texts import t

WHATSAPP_WINDOW = timedelta(hours=24)
OFFICIAL_ACTIONS = ("terima", "balas", "selesai", "alihkan", "tolak")


@dataclass(frozen=True)
class Recipient:
    channel: str
    chat_id: str
    language: str
    last_inbound_at: datetime | None


# Built once: asked for every unit told of every change.
_UNIT_RECIPIENTS = (
    select(ChatIdentity.channel, ChatIdentity.chat_id, Conversation.language, Conversation.last_inbound_at)
    .join(Official, Official.id == ChatIdentity.official_id)
    .outerjoin(
        Conversation,
        (Conversation.channel == ChatIdentity.channel) & (Conversation.chat_id == ChatIdentity.chat_id),
    )
    .where(Official.unit_id == bindparam("unit_id"), Official.active.is_(True))
)


class Notifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)

    # --- the hook --------------------------------------------------------------------------------

    def __call__(self, session: Session, change: ReportChange) -> None:
        report, event = change.report, change.event
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(session, report, event)

    def _on_dibuat(self, session: Session, report: Report, event: ReportEvent) -> None:
        self._new_report_to_unit(session, report, report.unit)
        for informed in report.informed:
            for person in self._officials_of(session, informed.unit):
                values = self._report_values(session, report, person.language)
                self._send(session, person, "notify_informed", kind="informed", **values)
        if get_category(report.category).emergency:
            agents = city_unit(
                session,
                region=report.unit.region if report.unit else self.settings.region,
                kind="call_center",
            )
            for person in self._officials_of(session, agents):
                self._send(
                    session,
                    person,
                    "notify_emergency_agents",
                    kind="emergency",
                    **self._report_values(session, report, person.language),
                )

    def _on_diproses(self, session: Session, report: Report, event: ReportEvent) -> None:
        self._tell_citizens(session, report, "citizen_accepted", unit=self._unit_name(event, report))

    def _on_balasan(self, session: Session, report: Report, event: ReportEvent) -> None:
        for person in self._reporter(session, report):
            self._send(
                session,
                person,
                "citizen_official_message",
                kind="official_message",
                ticket=report.ticket,
                unit=self._unit_name(event, report),
                text=event.note or "",
            )
            self._await_citizen_answer(session, person, report)

    def _on_balasan_warga(self, session: Session, report: Report, event: ReportEvent) -> None:
        for person in self._officials_of(session, report.unit):
            self._send(
                session,
                person,
                "notify_citizen_reply",
                kind="citizen_reply",
                ticket=report.ticket,
                text=event.note or "",
            )

    def _on_selesai(self, session: Session, report: Report, event: ReportEvent) -> None:
        for person in self._citizens(session, report):
            buttons = []
            if person.chat_id == report.reporter_chat_id:
                buttons = [
                    {
                        "label": t("citizen_buttons.fixed", person.language),
                        "value": f"fix:yes:{report.ticket}",
                    },
                    {
                        "label": t("citizen_buttons.not_fixed", person.language),
                        "value": f"fix:no:{report.ticket}",
                    },
                ]
            self._send(
                session,
                person,
                "citizen_done",
                kind="status_changed",
                buttons=buttons,
                ticket=report.ticket,
                unit=self._unit_name(event, report),
                note=event.note or "-",
                link=self._link(report),
                image=self._last_photo(report),
            )

    def _on_ditolak(self, session: Session, report: Report, event: ReportEvent) -> None:
        code, _, note = (event.note or "").partition(":")
        for person in self._citizens(session, report):
            reason = t(f"reject_reasons.{code}", person.language) if code in _REASONS else code
            self._send(
                session,
                person,
                "citizen_rejected",
                kind="status_changed",
                ticket=report.ticket,
                unit=self._unit_name(event, report),
                reason=reason,
                note=note.strip(),
                link=self._link(report),
            )

    def _on_dialihkan(self, session: Session, report: Report, event: ReportEvent) -> None:
        self._tell_citizens(
            session,
            report,
            "citizen_rerouted",
            unit=report.unit.name if report.unit else "-",
            note=(event.note or "").split(": ", 1)[-1],
        )
        self._new_report_to_unit(session, report, report.unit)

    def _on_eskalasi(self, session: Session, report: Report, event: ReportEvent) -> None:
        from_unit = (event.note or "").split(" -> ")[0]
        for person in self._officials_of(session, report.unit):
            self._send(
                session,
                person,
                "notify_escalated",
                kind="escalated",
                buttons=self._action_buttons(report, person.language),
                **self._report_values(session, report, person.language),
                from_unit=from_unit,
            )
        monitoring = city_unit(
            session, region=report.unit.region if report.unit else self.settings.region, kind="monitoring"
        )
        if report.unit is None or report.unit.id != monitoring.id:
            for person in self._officials_of(session, monitoring):
                self._send(
                    session,
                    person,
                    "notify_monitoring_escalation",
                    kind="monitoring",
                    **self._report_values(session, report, person.language),
                    from_unit=from_unit,
                )
        self._tell_citizens(
            session, report, "citizen_escalated", unit=report.unit.name if report.unit else "-"
        )

    def _on_dibuka_kembali(self, session: Session, report: Report, event: ReportEvent) -> None:
        for person in self._officials_of(session, report.unit):
            self._send(
                session,
                person,
                "notify_reopened",
                kind="reopened",
                ticket=report.ticket,
                note=event.note or "",
                buttons=self._action_buttons(report, person.language),
            )
        self._tell_citizens(
            session, report, "citizen_reopened", unit=report.unit.name if report.unit else "-"
        )

    def _on_dinilai(self, session: Session, report: Report, event: ReportEvent) -> None:
        for person in self._officials_of(session, report.unit):
            self._send(
                session, person, "notify_rated", kind="rated", ticket=report.ticket, rating=event.note or ""
            )

    # --- pieces ----------------------------------------------------------------------------------

    def _new_report_to_unit(self, session: Session, report: Report, unit: Unit | None) -> None:
        for person in self._officials_of(session, unit):
            self._send(
                session,
                person,
                "notify_new_report",
                kind="new_report",
                buttons=self._action_buttons(report, person.language),
                image=self._last_photo(report),
                **self._report_values(session, report, person.language),
            )

    def _action_buttons(self, report: Report, language: str) -> list[dict[str, str]]:
        return [
            {"label": t(f"official_buttons.{a}", language), "value": f"off:{a}:{report.ticket}"}
            for a in OFFICIAL_ACTIONS
        ]

    def _report_values(self, session: Session, report: Report, language: str) -> dict[str, Any]:
        due = accept_deadline(session, report=report)
        return {
            "ticket": report.ticket,
            "category": get_category(report.category).label(language),
            "place": self._place(report),
            "description": (report.description or "-")[:500],
            "map": self._map_link(report),
            "deadline": self._local_time(due) if due else "-",
            "unit": report.unit.name if report.unit else "-",
        }

    def _place(self, report: Report) -> str:
        area = report.area
        parts = []
        if report.location_text:
            parts.append(report.location_text[:80])
        if area is not None:
            kec = area.ancestor("kecamatan")
            parts.append(f"Kel. {area.name}" if area.level == "kelurahan" else area.name)
            if kec is not None and kec is not area:
                parts.append(f"Kec. {kec.name}")
        return ", ".join(parts) or "-"

    def _map_link(self, report: Report) -> str:
        if report.latitude is None or report.longitude is None:
            return "-"
        lat, lon = round(report.latitude, 6), round(report.longitude, 6)
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"

    def _link(self, report: Report) -> str:
        return f"{self.settings.base_url.rstrip('/')}/laporan/{report.ticket}"

    def _local_time(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return local.strftime("%d-%m-%Y %H:%M ") + (local.tzname() or "")

    @staticmethod
    def _unit_name(event: ReportEvent, report: Report) -> str:
        unit = event.unit or report.unit
        return unit.name if unit else "-"

    @staticmethod
    def _last_photo(report: Report) -> Any:
        return report.photos[-1] if report.photos else None

    def _officials_of(self, session: Session, unit: Unit | None) -> list[Recipient]:
        if unit is None:
            return []
        with session.no_autoflush:  # reads officials only; the turn's writes go together at its end
            rows = session.execute(_UNIT_RECIPIENTS, {"unit_id": unit.id}).all()
        return [Recipient(ch, chat, lang or "id", last) for ch, chat, lang, last in rows]

    def _reporter(self, session: Session, report: Report) -> list[Recipient]:
        if not report.reporter_channel or not report.reporter_chat_id:
            return []
        return [
            self._recipient(
                session, report.reporter_channel, report.reporter_chat_id, report.reporter_language
            )
        ]

    def _citizens(self, session: Session, report: Report) -> list[Recipient]:
        """The reporter and every supporter of the report."""
        people = self._reporter(session, report)
        seen = {(p.channel, p.chat_id) for p in people}
        for follower in session.scalars(select(Follower).where(Follower.report_id == report.id)):
            if (follower.channel, follower.chat_id) not in seen:
                seen.add((follower.channel, follower.chat_id))
                people.append(self._recipient(session, follower.channel, follower.chat_id, follower.language))
        return people

    def _recipient(self, session: Session, channel: str, chat_id: str, language: str) -> Recipient:
        conversation = session.scalar(
            select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
        )
        return Recipient(
            channel,
            chat_id,
            (conversation.language if conversation else None) or language,
            conversation.last_inbound_at if conversation else None,
        )

    def _tell_citizens(self, session: Session, report: Report, key: str, **values: Any) -> None:
        for person in self._citizens(session, report):
            self._send(
                session,
                person,
                key,
                kind="status_changed",
                ticket=report.ticket,
                link=self._link(report),
                **values,
            )

    def _await_citizen_answer(self, session: Session, person: Recipient, report: Report) -> None:
        """The citizen's next free message answers this report's official (one thread per report)."""
        self._update_state(session, person, thread=report.ticket)

    def _update_state(self, session: Session, person: Recipient, **values: Any) -> None:
        conversation = session.scalar(
            select(Conversation).where(
                Conversation.channel == person.channel, Conversation.chat_id == person.chat_id
            )
        )
        if conversation is not None:
            conversation.state = {**(conversation.state or {}), **values}

    def _send(
        self,
        session: Session,
        person: Recipient,
        key: str,
        *,
        kind: str,
        buttons: list[dict[str, str]] | None = None,
        image: Any = None,
        **values: Any,
    ) -> None:
        text = t(key, person.language, **values).strip()
        payload_extra: dict[str, Any] = {}
        if person.channel == "whatsapp" and self._outside_whatsapp_window(person):
            template = self.settings.whatsapp_templates.get(kind)
            if template:
                # Approved template: numbered variables, the ticket first, then the whole message text.
                payload_extra = {
                    "content_sid": template,
                    "content_variables": {"1": str(values.get("ticket", "")), "2": text[:900]},
                }
        image_path = image.path if image is not None else None
        image_url = photo_url(self.settings.base_url, image) if image is not None else None
        send_to_chat(
            session,
            channel=person.channel,
            chat_id=person.chat_id,
            text=text,
            buttons=buttons,
            image_path=image_path,
            image_url=image_url,
            kind=kind,
            extra=payload_extra,
        )
        if buttons:
            # A typed number picks the n-th button (WhatsApp shows buttons as a numbered list).
            self._update_state(session, person, choices=[b["value"] for b in buttons])

    @staticmethod
    def _outside_whatsapp_window(person: Recipient) -> bool:
        return person.last_inbound_at is None or utcnow() - person.last_inbound_at > WHATSAPP_WINDOW


_REASONS = frozenset({"duplikat", "bukan_masalah", "di_luar_kewenangan"})
