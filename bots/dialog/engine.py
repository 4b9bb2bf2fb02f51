"""The dialog engine: one IncomingMessage in, replies out; state loaded from and saved to the database."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from backend.conversations.models import Conversation
from backend.conversations.service import request_human
from backend.officials.binding import InviteRefused, SlowDown, redeem_invite
from backend.officials.service import official_for_chat
from backend.reports import handling
from backend.reports.categories import get_category
from backend.reports.service import ReportError, get_by_ticket, latest_event
from bots.dialog import report_flow as flow
from bots.dialog.commands import Command, recognise
from bots.dialog.official_flow import OfficialFlow, looks_like_official_command
from bots.dialog.state import FormState
from bots.dialog.turn import Reply, Services, Turn
from bots.messages import Button, IncomingMessage

YES = re.compile(
    r"^\s*(ya|iya|iyaa|y|yes|ok|oke|okay|kirim|send|betul|benar|setuju|lanjut|sip)\s*[.!]*\s*$", re.I
)
NO = re.compile(r"^\s*(tidak|tdk|gak|ga|nggak|enggak|no|nope|jangan|bukan)\s*[.!]*\s*$", re.I)
EDIT = re.compile(r"^\s*(ubah|edit|change|ganti|koreksi)\s*[.!]*\s*$", re.I)
NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u2bff\U0001f000-\U0001faff\s]")
HUMAN_AFTER_FAILURES = 2
ENGLISH_COMMANDS = frozenset({"help", "cancel", "check", "track", "register", "human", "agent", "stop"})


class DialogEngine:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.officials = OfficialFlow()

    def handle(self, session: Session, conversation: Conversation, message: IncomingMessage) -> list[Reply]:
        form = FormState.from_json(conversation.state)
        turn = Turn(
            session=session, services=self.services, conversation=conversation, message=message, form=form
        )
        self._respond(turn)
        conversation.state = form.to_json()  # a new dict, so the JSON column is seen as changed
        return turn.replies

    # --- one message -----------------------------------------------------------------------------

    def _respond(self, turn: Turn) -> None:
        msg, settings = turn.message, self.services.settings
        self._choose_language(turn)
        command = recognise(turn.text) if len(turn.text) <= settings.max_text_chars else None
        if command is not None and command.name == "register":
            self._register(turn, command.argument)
            return
        official = official_for_chat(turn.session, channel=msg.channel, chat_id=msg.chat_id)
        if official is not None:
            if not msg.button_value and self._numbered_choice(turn):
                msg.button_value = self._numbered_choice(turn)
            self.officials.handle(turn, official)
            return
        value = msg.button_value or self._numbered_choice(turn)
        if value:
            self._on_button(turn, value)
            return
        if len(turn.text) > settings.max_text_chars:
            turn.say("text_too_long", limit=settings.max_text_chars)
            self._reask(turn)
            return
        if command is not None:
            self._on_command(turn, command)
            return
        if looks_like_official_command(turn.text):
            turn.say("official_only")
            return
        has_content = bool(turn.text or msg.photos or msg.location or msg.photo_too_large)
        if not has_content:
            if msg.attachments:
                what = turn.t(f"attachment_names.{msg.attachments[0].value}")
                turn.say("unsupported_attachment", what=what)
            else:
                turn.say("empty_message")
            self._reask(turn)
            return
        if turn.text:
            turn.parse = self.services.nlu.parse(turn.text)
            if self._unknown_language(turn):
                turn.say("unknown_language")
                self._reask(turn)
                return
        if turn.form.active:
            self._continue_report(turn)
        elif self._relay_to_thread(turn):
            return
        else:
            self._start(turn)

    def _choose_language(self, turn: Turn) -> None:
        """Answer in the language the person writes in; before they write any, in their app's language."""
        hint = turn.message.language_hint
        if not turn.conversation.state and hint:  # first contact
            turn.conversation.language = "en" if hint.lower().startswith("en") else "id"
        if not turn.text:
            return
        command = recognise(turn.text)
        if command is not None:
            # Commands are mostly Indonesian words whatever the person speaks; only English ones tell.
            if turn.text.split()[0].lower().lstrip("/") in ENGLISH_COMMANDS:
                turn.conversation.language = "en"
            return
        from nlu.language import detect_language

        detected = detect_language(turn.text)
        if detected in ("id", "en"):
            turn.conversation.language = detected

    def _numbered_choice(self, turn: Turn) -> str | None:
        """A bare number picks the n-th button last offered (WhatsApp shows buttons as a numbered list)."""
        text = turn.text
        if text.isdigit() and turn.form.choices and 1 <= int(text) <= len(turn.form.choices):
            return turn.form.choices[int(text) - 1]
        return None

    def _unknown_language(self, turn: Turn) -> bool:
        parse = turn.parse
        if parse is None or parse.language is not None:
            return False
        if NON_LATIN.search(turn.text):
            return True
        informative = parse.location is not None or (
            parse.category != "lainnya" and parse.intent.confidence >= 0.5
        )
        if informative:
            return False
        if (
            turn.form.awaiting in ("location", "description", "location_choice")
            and len(turn.text.split()) < 5
        ):
            return False  # a bare place name or a terse description has no language of its own
        return len(turn.text.split()) >= 3

    # --- commands and buttons --------------------------------------------------------------------

    def _on_command(self, turn: Turn, command: Command) -> None:
        if command.name == "cancel":
            if turn.form.active:
                turn.form.reset()
                turn.say("cancelled")
            else:
                turn.say("nothing_to_cancel")
        elif command.name == "help":
            turn.say("help")
            self._reask(turn)
        elif command.name == "human":
            asked = request_human(turn.session, conversation=turn.conversation, reason="citizen_asked")
            turn.say("human_requested" if asked else "human_waiting")
        elif command.name == "status":
            self._status(turn, command.argument)
            if turn.form.active:
                self._reask(turn)
        elif command.name == "start":
            self._greet(turn)

    def _on_button(self, turn: Turn, value: str) -> None:
        kind, _, arg = value.partition(":")
        form = turn.form
        if kind in ("fix", "rate", "near"):
            self._on_report_button(turn, kind, arg)
            if kind != "near" and not any(r.buttons for r in turn.replies):
                # An answer about an earlier report, in the middle of a new one: the form's question again
                # (and its choices: a typed number picks from the last list the person saw).
                self._reask(turn)
            return
        if kind == "cat":
            if arg == "*":
                form.awaiting = "category"
                turn.say("ask_category_all", buttons=flow.all_categories(turn))
                return
            try:
                get_category(arg)
            except ValueError:
                self._reask(turn)
                return
            form.active = True
            flow.set_category(turn, arg)
        elif kind == "loc" and arg.isdigit():
            form.pending.pop("places", None)
            flow.set_area(turn, int(arg))
        elif kind == "exif":
            exif = form.pending.pop("exif", None)
            if arg == "yes" and exif:
                flow.set_point(turn, exif["lat"], exif["lon"])
        elif kind == "photo" and arg == "none":
            if form.draft.category and get_category(form.draft.category).emergency:
                form.draft.no_photo = True
            else:
                turn.say("photo_required")
        elif kind == "confirm":
            if not form.active:
                turn.say("nothing_to_cancel")
                return
            if arg == "send":
                self._submit_if_complete(turn)
                return
            if arg == "cancel":
                form.reset()
                turn.say("cancelled")
                return
            flow.ask_what_to_edit(turn)
            return
        elif kind == "edit":
            flow.clear_field(turn, arg)
        if form.active:
            flow.ask_next(turn)

    def _submit_if_complete(self, turn: Turn) -> None:
        draft = turn.form.draft
        complete = (
            draft.category
            and draft.has_location
            and draft.description
            and (draft.photo_ids or draft.no_photo)
        )
        if not complete:
            flow.ask_next(turn)
            return
        flow.submit(turn)

    # --- the report form -------------------------------------------------------------------------

    def _start(self, turn: Turn) -> None:
        parse = turn.parse
        msg = turn.message
        intent = parse.intent.name if parse else None
        # Words alone start a report only when they read as a report in a language we know.
        readable = parse is not None and (parse.language is not None or parse.location is not None)
        confident = parse is not None and parse.intent.confidence >= flow.ANSWER_CATEGORY_CONFIDENCE
        reportish = bool(msg.photos or msg.location) or (
            readable
            and parse is not None
            and (
                (parse.category != "lainnya" and confident)
                or (intent == "lapor_lainnya" and len(turn.text.split()) >= flow.MIN_DESCRIPTION_WORDS)
            )
        )
        if not reportish:
            self._small_talk(turn, intent)
            return
        turn.conversation.failures = 0
        turn.form.active = True
        flow.fill_from_message(turn)
        if turn.form.draft.category is None and parse is not None and parse.category != "lainnya":
            turn.extra["category_hint"] = parse.category
        self._after_fill(turn)

    def _continue_report(self, turn: Turn) -> None:
        form, draft = turn.form, turn.form.draft
        awaiting = form.awaiting
        if awaiting == "confirm" and turn.text and not turn.message.photos:
            if YES.match(turn.text):
                self._submit_if_complete(turn)
                return
            if EDIT.match(turn.text):
                flow.ask_what_to_edit(turn)
                return
        if awaiting == "exif" and turn.text and (YES.match(turn.text) or NO.match(turn.text)):
            self._on_button(turn, "exif:yes" if YES.match(turn.text) else "exif:no")
            return
        had_location = draft.has_location
        flow.fill_from_message(turn)
        if awaiting == "category" and draft.category is None and turn.text:
            if not flow.answer_category_text(turn):
                turn.say("category_not_understood", buttons=flow.all_categories(turn))
                form.awaiting = "category"
                return
        elif awaiting in ("location", "location_choice") and not had_location and not draft.has_location:
            if turn.text and not form.pending.get("places"):
                flow.answer_typed_place(turn)
        elif awaiting == "description" and draft.description is None and turn.text:
            if len(turn.text) < 4:
                turn.say("description_too_short")
                return
            draft.description = turn.text
        elif awaiting == "photo" and not draft.photo_ids and turn.text and draft.description:
            # More words while we wait for a photo: keep them with the description.
            draft.description = f"{draft.description}\n{turn.text}"[:4000]
        self._after_fill(turn)

    def _after_fill(self, turn: Turn) -> None:
        if turn.extra.get("emergency"):
            request_human(turn.session, conversation=turn.conversation, reason="emergency")
        flow.ask_next(turn)

    def _reask(self, turn: Turn) -> None:
        if turn.form.active:
            flow.ask_next(turn)

    # --- outside a report ------------------------------------------------------------------------

    def _small_talk(self, turn: Turn, intent: str | None) -> None:
        conversation = turn.conversation
        if intent == "sapa":
            self._greet(turn)
        elif intent == "terima_kasih":
            turn.say("thanks_reply")
        elif intent == "bantuan":
            turn.say("help")
        elif intent == "minta_petugas":
            self._on_command(turn, Command("human"))
        elif intent == "cek_status":
            self._status(turn, turn.parse.entity("tiket") if turn.parse else None)
        elif intent == "batal":
            turn.say("nothing_to_cancel")
        else:
            conversation.failures += 1
            turn.say("not_understood")
            if conversation.failures >= HUMAN_AFTER_FAILURES:
                request_human(turn.session, conversation=conversation, reason="not_understood")
            return
        conversation.failures = 0

    # --- officials joining, citizens answering on a report ---------------------------------------

    def _register(self, turn: Turn, code: str | None) -> None:
        if not code:
            turn.say("invite_ask_code")
            return
        try:
            official = redeem_invite(
                turn.session,
                conversation=turn.conversation,
                code=code,
                display_name=turn.conversation.display_name,
            )
        except SlowDown as exc:
            from backend.db import utcnow

            minutes = max(1, int((exc.until - utcnow()).total_seconds() // 60) + 1)
            turn.say("invite_slow_down", minutes=minutes)
            return
        except InviteRefused:
            turn.say("invite_wrong")
            return
        turn.form.reset()
        turn.say("official_bound", name=official.name, unit=official.unit.name)

    def _relay_to_thread(self, turn: Turn) -> bool:
        """A free message after an official wrote to this citizen answers that official."""
        ticket = turn.form.thread
        if not ticket or not turn.text or turn.message.photos or turn.message.location:
            return False
        report = get_by_ticket(turn.session, ticket=ticket)
        if report is None or report.status not in ("menunggu", "diproses"):
            turn.form.thread = None
            return False
        parse = turn.parse
        if parse is not None and parse.intent.name in ("sapa", "terima_kasih", "bantuan", "batal"):
            return False
        handling.citizen_answer(turn.session, report=report, text=turn.text)
        turn.say("citizen_reply_sent", unit=report.unit.name if report.unit else "-", ticket=report.ticket)
        return True

    def _on_report_button(self, turn: Turn, kind: str, arg: str) -> None:
        choice, _, ticket = arg.partition(":")
        if kind == "near" and choice == "new":
            turn.form.pending["near_checked"] = True
            turn.form.pending.pop("nearby", None)
            flow.ask_next(turn)
            return
        report = get_by_ticket(turn.session, ticket=ticket)
        if report is None:
            turn.say("status_unknown_ticket", ticket=ticket[:12] or "-")
            return
        mine = report.reporter_chat_id == turn.conversation.chat_id
        try:
            if kind == "near" and choice == "support":
                handling.support(
                    turn.session,
                    report=report,
                    channel=turn.conversation.channel,
                    chat_id=turn.conversation.chat_id,
                    language=turn.lang,
                )
                turn.form.reset()
                turn.say("supported", ticket=report.ticket)
            elif kind == "fix" and mine and choice == "yes":
                handling.confirm_fixed(turn.session, report=report)
                turn.say(
                    "citizen_ask_rating",
                    ticket=report.ticket,
                    buttons=[Button(label=str(n), value=f"rate:{n}:{report.ticket}") for n in range(1, 6)],
                )
            elif kind == "fix" and mine and choice == "no":
                handling.dispute(turn.session, report=report, note=None)
            elif kind == "rate" and mine and choice.isdigit():
                handling.rate(turn.session, report=report, rating=int(choice))
                turn.say("citizen_rating_thanks", rating=choice)
            else:
                turn.say("official_only")
        except ReportError:
            self._status(turn, report.ticket)

    def _greet(self, turn: Turn) -> None:
        name = turn.conversation.display_name
        turn.say("greeting", name=f" {name}" if name else "", region=self.services.region_title)

    def _status(self, turn: Turn, ticket: str | None) -> None:
        if not ticket:
            turn.say("status_ask_ticket")
            return
        report = get_by_ticket(turn.session, ticket=ticket)
        if report is None:
            turn.say("status_unknown_ticket", ticket=ticket.upper()[:12])
            return
        event = latest_event(report)
        event_text = "-"
        if event is not None:
            label = turn.t(f"event_kinds.{event.kind}") if event.kind in _EVENT_KINDS else event.kind
            when = event.created_at.strftime("%d-%m-%Y %H:%M UTC")
            event_text = f"{label} ({when})" + (
                f": {event.note}" if event.note and event.actor_kind != "citizen" else ""
            )
        area = report.area
        turn.say(
            "status",
            ticket=report.ticket,
            category=get_category(report.category).label(turn.lang),
            place=area.name if area else "-",
            status=turn.t(f"statuses.{report.status}"),
            event=event_text,
        )


_EVENT_KINDS = frozenset({"dibuat", "diproses", "selesai", "ditolak", "menunggu"})
