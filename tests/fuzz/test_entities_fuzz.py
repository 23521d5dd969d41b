"""Property-based tests on the NLU's entity extractors and resolvers and on the phone and postcode parsers:
any text at all, under any merchant context, gives well-formed entities or none - never an exception."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.phone import InvalidPhoneNumber, to_e164
from intents.context import ParseContext
from intents.entities import dates, extract_entities, postcode, time_window
from intents.normalise import normalise
from tests.fuzz.kit import fuzz, nasty_text

# Message-shaped text: random Unicode mixed with the fragments the extractors key on, so the rules fire.
FRAGMENTS = ["tomorrow", "next tuesday", "on the 31st", "31/02/2026", "2026-13-45", "29 feb", "between 9 and 5",
             "after 6pm", "9am-1pm", "25:99", "noon", "M1 4BT", "SW1A1AA", "GIR 0AA", "90210", "07700 900123",
             "+447700900123", "+1 (555) 010-9999", "order #100231", "PB100000001GB", "1Z999AA10123456784",
             "no. 22", "number 7a", "neighbour at 12", "in the shed", "code 123456", "a@b.co", "christmas",
             "in 3 weeks", "99999999999 days ago", "the 0th", "week after next", "١٢/٠٣", "９ａｍ"]
message = st.lists(st.one_of(st.sampled_from(FRAGMENTS), nasty_text), min_size=1, max_size=6).map(" ".join)
zones = st.sampled_from(["Europe/London", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC",
                         "Australia/Lord_Howe", "Asia/Kathmandu"])
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2199, 12, 31), timezones=st.just(UTC))
contexts = st.builds(
    ParseContext, timezone=zones, now=st.one_of(st.none(), moments),
    region=st.sampled_from(["GB", "US", "DE", "IN", "ZZ", ""]),
    order_number_pattern=st.one_of(st.none(), st.sampled_from([r"\d{6}", r"[A-Z]{2}-\d+", r"(", r"(a+)+$"])),
    tracking_number_pattern=st.one_of(st.none(), st.sampled_from([r"PB\d{9}GB", r"[", r"\w+"])),
)


@given(text=message, context=contexts)
@fuzz(60)
def test_entities_are_well_formed_for_any_text(text: str, context: ParseContext) -> None:
    found = extract_entities(text, context)
    previous_end = 0
    for entity in found:
        assert 0 <= entity.start < entity.end <= len(text), entity
        assert entity.start >= previous_end, f"overlapping spans in {found}"
        previous_end = entity.end
        assert isinstance(entity.value, str) and entity.value, entity


@given(text=message, context=contexts)
@fuzz(40)
def test_dates_resolve_to_real_days_near_today(text: str, context: ParseContext) -> None:
    for cand in dates.extract(text, context):
        entity = cand.to_entity()
        day = datetime.fromisoformat(entity.value[:10]).date()  # an ISO date, whatever the text said
        today = (context.now or datetime.now(UTC)).date()
        assert abs(day - today) < timedelta(days=3700), entity


@given(text=message, context=contexts)
@fuzz(40)
def test_time_windows_are_times_of_day(text: str, context: ParseContext) -> None:
    for cand in time_window.extract(text, context, dates.extract(text, context)):
        resolved = cand.to_entity().resolved or {}
        for key in ("start", "end"):
            if key in resolved:
                hh, mm = str(resolved[key]).split(":")[:2]
                assert 0 <= int(hh) <= 24 and 0 <= int(mm) < 60, resolved


@given(raw=st.one_of(nasty_text, st.sampled_from(FRAGMENTS)))
@fuzz(60)
def test_a_postcode_is_normal_or_none(raw: str) -> None:
    value = postcode.normalise(raw)
    assert value is None or (value == value.upper() and " " in value and postcode.normalise(value) == value)


@given(raw=st.one_of(nasty_text, st.sampled_from(FRAGMENTS), st.from_regex(r"\+?[0-9 ()\-]{1,40}", fullmatch=True)),
       region=st.sampled_from(["GB", "US", "DE", "ZZ", ""]))
@fuzz(60)
def test_a_phone_number_is_e164_or_refused_cleanly(raw: str, region: str) -> None:
    try:
        value = to_e164(raw, region)
    except InvalidPhoneNumber:
        return
    assert value.startswith("+") and value[1:].isdigit() and to_e164(value) == value


@given(text=message)
@fuzz(40)
def test_normalising_any_text_gives_text(text: str) -> None:
    assert isinstance(normalise(text), str)
