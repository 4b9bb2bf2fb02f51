"""The citizen's report form: fill every slot a message answers, then ask for the first one missing."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from backend.areas.models import Area
from backend.areas.service import get_area, locate
from backend.reports.categories import get_category, load_taxonomy
from backend.reports.handling import nearby_open_report
from backend.reports.photos import PhotoRejected, photos_by_ids, store_photo
from backend.reports.service import Actor, OutsideRegion, ReportError, create_report
from bots.dialog.turn import Turn
from bots.messages import Button

LEVEL_WORD = re.compile(r"^\s*(kel|kelurahan|kec|kecamatan|desa)\b", re.I)
AUTO_CATEGORY_CONFIDENCE = 0.55
ANSWER_CATEGORY_CONFIDENCE = 0.3
MIN_DESCRIPTION_WORDS = 3
CATEGORY_SHORTLIST = 4


# --- filling slots -------------------------------------------------------------------------------


def fill_from_message(turn: Turn) -> None:
    """Take everything this message says: photos, a shared location, and what NLU read in the text."""
    store_photos(turn)
    if turn.message.location is not None:
        loc = turn.message.location
        set_point(turn, loc.latitude, loc.longitude, typed=loc.address)
    parse = turn.parse
    if parse is None:
        return
    draft = turn.form.draft
    if (
        draft.category is None
        and parse.category != "lainnya"
        and parse.intent.confidence >= AUTO_CATEGORY_CONFIDENCE
    ):
        set_category(turn, parse.category)
    if not draft.has_location and parse.location is not None and turn.form.awaiting != "location_choice":
        take_named_place(turn, typed=parse.entity("jalan") or parse.entity("lokasi"))
    if (
        draft.description is None
        and len(turn.text.split()) >= MIN_DESCRIPTION_WORDS
        and parse.category != "lainnya"
    ):
        draft.description = turn.text


def take_named_place(turn: Turn, typed: str | None) -> bool:
    """Use the area NLU found in the text; ask when the name is both a kecamatan and a kelurahan."""
    assert turn.parse is not None and turn.parse.location is not None
    place = turn.parse.location
    said_level = LEVEL_WORD.match(place.matched_text or "")
    if place.alternatives and not said_level:
        offer_places(turn, place.matched_text, [place.area_id, *place.alternatives])
        return False
    set_area(turn, place.area_id, typed=typed or place.matched_text)
    return True


def store_photos(turn: Turn) -> None:
    settings = turn.services.settings
    if turn.message.photo_too_large:
        turn.say("photo_too_large", limit_mb=settings.max_photo_bytes // (1024 * 1024))
    for raw in turn.message.photos:
        try:
            photo, checked = store_photo(
                turn.session, data=raw.data, media_dir=settings.media_dir, max_bytes=settings.max_photo_bytes
            )
        except PhotoRejected as exc:
            key = "photo_too_large" if exc.reason == "too_large" else "photo_not_image"
            turn.say(key, limit_mb=settings.max_photo_bytes // (1024 * 1024))
            continue
        turn.form.draft.photo_ids.append(photo.id)
        if checked.gps and not turn.form.draft.has_location and turn.message.location is None:
            offer_exif_location(turn, *checked.gps)


def offer_exif_location(turn: Turn, lat: float, lon: float) -> None:
    found = locate(turn.session, region=turn.services.settings.region, lat=lat, lon=lon)
    if found is None:
        return  # a photo taken elsewhere says nothing about this report
    turn.form.pending["exif"] = {"lat": lat, "lon": lon, "label": f"Kelurahan {found.kelurahan}"}


def set_category(turn: Turn, code: str) -> None:
    turn.form.draft.category = code
    if get_category(code).emergency and not turn.form.emergency_noticed:
        turn.form.emergency_noticed = True
        turn.say("emergency_notice")
        turn.extra["emergency"] = True


def set_point(turn: Turn, lat: float, lon: float, typed: str | None = None) -> bool:
    found = locate(turn.session, region=turn.services.settings.region, lat=lat, lon=lon)
    if found is None:
        turn.say("location_outside", region=turn.services.region_title)
        return False
    draft = turn.form.draft
    draft.latitude, draft.longitude, draft.area_id = lat, lon, found.area_id
    turn.form.pending.pop("near_checked", None)
    draft.place_label = f"Kelurahan {found.kelurahan}, Kecamatan {found.kecamatan}"
    draft.location_text = typed or draft.location_text
    turn.form.pending.pop("exif", None)
    turn.form.pending.pop("places", None)
    return True


def set_area(turn: Turn, area_id: int, typed: str | None = None) -> None:
    area = get_area(turn.session, area_id=area_id)
    if area is None:
        return
    draft = turn.form.draft
    draft.area_id, draft.latitude, draft.longitude = area.id, None, None
    draft.place_label = describe_area(area)
    draft.location_text = typed or draft.location_text
    turn.form.pending.pop("places", None)
    turn.form.pending.pop("exif", None)


def describe_area(area: Area) -> str:
    """`Kelurahan Bangka, Kecamatan Mampang Prapatan` / `Kecamatan Gambir, Jakarta Pusat`."""
    parent = area.parent
    own = area.name if area.level == "kota" else f"{area.level.capitalize()} {area.name}"
    if parent is None:
        return own
    return f"{own}, {parent.name if parent.level == 'kota' else f'Kecamatan {parent.name}'}"


def offer_places(turn: Turn, query: str, area_ids: list[int]) -> None:
    buttons = []
    for area_id in area_ids[:4]:
        area = get_area(turn.session, area_id=area_id)
        if area is not None:
            parent = f" ({area.parent.name})" if area.parent else ""
            buttons.append(
                Button(label=f"{area.level.capitalize()} {area.name}{parent}", value=f"loc:{area.id}")
            )
    turn.form.pending["places"] = {"query": query, "buttons": [[b.label, b.value] for b in buttons]}
    turn.form.draft.location_text = query


def answer_typed_place(turn: Turn) -> bool:
    """The citizen typed a place while we asked for one: geocode it; True when it settled the location."""
    query = turn.text
    if turn.parse is not None and turn.parse.location is not None:
        return take_named_place(turn, typed=query)
    candidates = [p for p in turn.services.places.find(query) if p.confidence >= 0.6]
    if not candidates:
        turn.say("location_not_found", query=query[:60], region=turn.services.region_title)
        return False
    top = candidates[0]
    close = [c for c in candidates if c.confidence >= top.confidence - 0.1]
    if len(close) == 1:
        if top.area_id is not None:
            set_area(turn, top.area_id, typed=query)
            return True
        return set_point(turn, top.latitude, top.longitude, typed=query)
    if all(c.area_id is not None for c in close):
        offer_places(turn, query, [c.area_id for c in close if c.area_id is not None])
        return False
    return set_point(turn, top.latitude, top.longitude, typed=query)


def answer_category_text(turn: Turn) -> bool:
    parse = turn.parse
    if (
        parse is not None
        and parse.category != "lainnya"
        and parse.intent.confidence >= ANSWER_CATEGORY_CONFIDENCE
    ):
        set_category(turn, parse.category)
        return True
    wanted = turn.text.lower()
    for code, category in load_taxonomy().items():
        if wanted in (code, category.label_id.lower(), category.label_en.lower()):
            set_category(turn, code)
            return True
    return False


# --- asking --------------------------------------------------------------------------------------


def ask_next(turn: Turn) -> None:
    """Ask for the first slot still missing, or show the summary when the form is full."""
    form, draft = turn.form, turn.form.draft
    if form.pending.get("places"):
        pending = form.pending["places"]
        form.awaiting = "location_choice"
        turn.say(
            "location_which",
            query=pending["query"],
            buttons=[Button(label=label, value=value) for label, value in pending["buttons"]],
        )
        return
    if form.pending.get("exif") and not draft.has_location:
        form.awaiting = "exif"
        turn.say(
            "exif_location_offer",
            place=form.pending["exif"]["label"],
            buttons=[turn.button("yes", "exif:yes"), turn.button("no", "exif:no")],
        )
        return
    if offer_nearby_report(turn):
        return
    if draft.category is None:
        form.awaiting = "category"
        turn.say("ask_category", buttons=category_shortlist(turn))
    elif not draft.has_location:
        form.awaiting = "location"
        turn.say("ask_location", buttons=[], request_location=True)
        if turn.message.channel == "whatsapp":
            turn.say("ask_location_whatsapp")
    elif draft.description is None:
        form.awaiting = "description"
        turn.say("ask_description")
    elif not draft.photo_ids and not draft.no_photo:
        form.awaiting = "photo"
        if get_category(draft.category).emergency:
            turn.say("ask_photo_emergency", buttons=[turn.button("no_photo", "photo:none")])
        else:
            turn.say("ask_photo")
    else:
        form.awaiting = "confirm"
        show_summary(turn)


def offer_nearby_report(turn: Turn) -> bool:
    """Same category within 100 m in the last 48 hours: offer to support that report instead."""
    form, draft = turn.form, turn.form.draft
    if form.pending.get("near_checked") or draft.category is None or draft.latitude is None:
        return False
    form.pending["near_checked"] = True
    near = nearby_open_report(
        turn.session, category=draft.category, latitude=draft.latitude, longitude=draft.longitude or 0.0
    )
    if near is None:
        return False
    form.awaiting = "nearby"
    when = near.created_at.astimezone(ZoneInfo(turn.services.settings.timezone)).strftime("%d-%m-%Y %H:%M")
    turn.say(
        "nearby_report",
        ticket=near.ticket,
        category=get_category(near.category).label(turn.lang),
        when=when,
        status=turn.t(f"statuses.{near.status}"),
        buttons=[
            Button(label=turn.t("citizen_buttons.support"), value=f"near:support:{near.ticket}"),
            Button(label=turn.t("citizen_buttons.new_report"), value="near:new"),
        ],
    )
    return True


def category_shortlist(turn: Turn) -> list[Button]:
    """The most likely categories for what the citizen wrote, then "Lainnya" for the full list."""
    ranked: list[str] = []
    if turn.parse is not None:
        ranked = [
            s.name.removeprefix("lapor_") for s in turn.parse.intent_ranking if s.name.startswith("lapor_")
        ]
    taxonomy = load_taxonomy()
    codes = [c for c in ranked if c in taxonomy and c != "lainnya"][:CATEGORY_SHORTLIST]
    for code in ("banjir", "sampah", "jalan_rusak", "kemacetan"):
        if len(codes) >= CATEGORY_SHORTLIST:
            break
        if code not in codes:
            codes.append(code)
    buttons = [Button(label=taxonomy[c].label(turn.lang), value=f"cat:{c}") for c in codes]
    return [*buttons, turn.button("other", "cat:*")]


def all_categories(turn: Turn) -> list[Button]:
    return [Button(label=c.label(turn.lang), value=f"cat:{c.code}") for c in load_taxonomy().values()]


def show_summary(turn: Turn) -> None:
    draft = turn.form.draft
    count = len(draft.photo_ids)
    turn.say(
        "summary",
        category=get_category(draft.category or "lainnya").label(turn.lang),
        place=draft.place_label or "-",
        description=(draft.description or "-")[:300],
        photo=turn.t("photo_yes", count=count) if count else turn.t("photo_no"),
        buttons=[
            turn.button("send", "confirm:send"),
            turn.button("edit", "confirm:edit"),
            turn.button("cancel", "confirm:cancel"),
        ],
    )


def ask_what_to_edit(turn: Turn) -> None:
    turn.form.awaiting = "edit"
    turn.say(
        "ask_edit",
        buttons=[
            turn.button(f"field_{f}", f"edit:{f}") for f in ("category", "location", "description", "photo")
        ],
    )


def clear_field(turn: Turn, name: str) -> None:
    draft = turn.form.draft
    if name == "category":
        draft.category = None
    elif name == "location":
        draft.latitude = draft.longitude = draft.area_id = None
        draft.place_label = draft.location_text = None
    elif name == "description":
        draft.description = None
    elif name == "photo":
        draft.photo_ids, draft.no_photo = [], False


# --- submitting ----------------------------------------------------------------------------------


def submit(turn: Turn) -> None:
    draft, settings, conversation = turn.form.draft, turn.services.settings, turn.conversation
    try:
        report = create_report(
            turn.session,
            region=settings.region,
            category=draft.category or "lainnya",
            description=draft.description or "",
            latitude=draft.latitude,
            longitude=draft.longitude,
            area_id=draft.area_id if draft.latitude is None else None,
            location_text=draft.location_text,
            reporter_channel=conversation.channel,
            reporter_chat_id=conversation.chat_id,
            reporter_name=conversation.display_name,
            reporter_language=turn.lang,
            source=f"chat:{conversation.channel}",
            photos=photos_by_ids(turn.session, ids=draft.photo_ids),
            actor=Actor(kind="citizen"),
        )
    except OutsideRegion:
        clear_field(turn, "location")
        turn.say("location_outside", region=turn.services.region_title)
        ask_next(turn)
        return
    except ReportError as exc:
        turn.say("report_failed", reason=str(exc))
        return
    turn.form.reset()
    turn.form.last_ticket = report.ticket
    link = f"{settings.base_url.rstrip('/')}/laporan/{report.ticket}"
    turn.say("report_created", ticket=report.ticket, unit=report.unit.name if report.unit else "-", link=link)
    turn.extra["report"] = report
