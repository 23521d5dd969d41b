"""Identifiers and contact details: order and tracking numbers, codes, phones, e-mails, postcodes, ZIPs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from intents.context import ParseContext
from intents.entities import extract_entities, otp_code

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # a Tuesday
GB = ParseContext(timezone="Europe/London", now=NOW, region="GB")
US = ParseContext(timezone="America/New_York", now=NOW, region="US")


def found(text: str, context: ParseContext = GB) -> list[tuple[str, str, str]]:
    return [(e.entity, e.value, text[e.start : e.end]) for e in extract_entities(text, context)]


def values(text: str, entity: str, context: ParseContext = GB) -> list[str]:
    return [e.value for e in extract_entities(text, context) if e.entity == entity]


# --- order numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("where is #100234?", "100234", "#100234"),
        ("order 100234 hasn't come", "100234", "100234"),
        ("order no. 55821", "55821", "55821"),
        ("my order number is 440127", "440127", "440127"),
        ("Order #300518 please", "300518", "#300518"),
        ("it's ord-20931", "ORD-20931", "ord-20931"),
        ("ORD-338150 is late", "ORD-338150", "ORD-338150"),
    ],
)
def test_order_numbers(text: str, value: str, surface: str) -> None:
    assert ("order_number", value, surface) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "it cost £49.99 and hasn't come",
        "order £1234.50 refunded?",
        "the driver came at 10:30",
        "order 2 parcels, only 1 came",
        "it was due 21/11",
        "ordered on 2026/11/21",
        "call me on 07700 900123",
        "my postcode is M1 4BT",
        "leave it with number 22",
        "house number 1234",
        "my code is 482913",
        "order of 2000 items",
        "C#1234 course",
    ],
)
def test_numbers_that_are_not_order_numbers(text: str) -> None:
    assert values(text, "order_number") == []


def test_merchant_order_pattern_replaces_defaults() -> None:
    merchant = replace(GB, order_number_pattern=r"\b(?P<id>SO\d{5})\b")
    assert found("where is so12345", merchant) == [("order_number", "SO12345", "so12345")]
    assert values("where is #100234", "order_number", merchant) == []


def test_merchant_pattern_still_skips_prices_times_and_codes() -> None:
    merchant = replace(GB, order_number_pattern=r"\b\d{6}\b")
    assert values("order 100234 please", "order_number", merchant) == ["100234"]
    for text in ("it was £100234", "my code is 482913", "at 10:30 100234 items", "call 123456"):
        assert values(text, "order_number", merchant) == [], text


def test_bare_six_digits_with_six_digit_orders_keeps_the_code_reading() -> None:
    merchant = replace(GB, order_number_pattern=r"\b\d{6}\b")
    (entity,) = extract_entities("482913", merchant)
    assert (entity.entity, entity.value) == ("order_number", "482913")
    assert entity.resolved == {"alternatives": [{"entity": "otp_code", "value": "482913"}]}


def test_broken_merchant_pattern_falls_back_to_defaults() -> None:
    merchant = replace(GB, order_number_pattern="(unclosed", tracking_number_pattern="[")
    assert values("order 100234", "order_number", merchant) == ["100234"]
    assert values("PB123456789GB", "tracking_number", merchant) == ["PB123456789GB"]


# --- tracking numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "fmt"),
    [
        ("PB123456789GB", "PB123456789GB", "upu_s10"),
        ("track pb123456789gb pls", "PB123456789GB", "upu_s10"),
        ("it's PB 123 456 789 GB", "PB123456789GB", "upu_s10"),
        ("1Z999AA10123456784", "1Z999AA10123456784", "ups"),
        ("ups 1Z 999 AA1 01 2345 6784 thanks", "1Z999AA10123456784", "ups"),
        ("tracking number 9400110200881234567890", "9400110200881234567890", "digits"),
        ("tracking no: 1234 5678 9012", "123456789012", "digits"),
        ("tracking H00A1B2C3D4E5F67", "H00A1B2C3D4E5F67", "alnum"),
    ],
)
def test_tracking_numbers(text: str, value: str, fmt: str) -> None:
    tracking = [e for e in extract_entities(text, GB) if e.entity == "tracking_number"]
    assert [(e.value, e.resolved and e.resolved["format"]) for e in tracking] == [(value, fmt)]


@pytest.mark.parametrize(
    "text", ["9400110200881234567890", "sent 1234567890 yesterday", "on 123 456 789 or", "tracking 12345"]
)
def test_long_digit_runs_need_the_word_tracking(text: str) -> None:
    assert values(text, "tracking_number") == []


def test_s10_check_digit_is_reported_not_enforced() -> None:
    good = extract_entities("RR123456785GB", GB)[0]
    bad = extract_entities("PB123456789GB", GB)[0]
    assert good.resolved is not None and good.resolved["check_digit_ok"] is True
    assert bad.resolved is not None and bad.resolved["check_digit_ok"] is False


def test_merchant_tracking_pattern() -> None:
    merchant = replace(GB, tracking_number_pattern=r"\bJD\d{13}\b")
    assert values("JD0002241553012 where is it", "tracking_number", merchant) == ["JD0002241553012"]
    assert values("PB123456789GB", "tracking_number", merchant) == []


# --- one-time codes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("482913", "482913", "482913"),
        (" 482 913 ", "482913", "482 913"),
        ("code is 118 204", "118204", "118 204"),
        ("my code 4829 13", "482913", "4829 13"),
        ("482913 is my code", "482913", "482913"),
        ("the code was 300-418 thanks", "300418", "300-418"),
        ("PIN: 1234", "1234", "1234"),
        ("verification code 12345678", "12345678", "12345678"),
    ],
)
def test_otp_codes(text: str, value: str, surface: str) -> None:
    assert ("otp_code", value, surface) in found(text)


@pytest.mark.parametrize(
    "text", ["zip code 10001", "promo code 123456", "code: 12", "I got 482913 yesterday", "12345", "1234567"]
)
def test_not_otp_codes(text: str) -> None:
    assert values(text, "otp_code") == []


# --- a reply to the code prompt ("reply with the 6-digit code"): otp_code.in_reply ----------------------------------

@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ok 482913", "482913"), ("482913 thanks x", "482913"), ("its 482 913 i think", "482913"),
        ("482913!!", "482913"), ("sorry took ages, 482913", "482913"), ("482913 and can u make it thursday", "482913"),
        ("four eight two nine one three", "482913"), ("oh four, eight, two, nine, one", "048291"),
        ("oh four eight two nine one three", "482913"),  # "oh" the interjection: one digit too many
        ("nought six double two one five", "062215"), ("the code is nine four six four three two", "946432"),
        ("１２３４５６", "１２３４５６"),
        # a leading zero said "o" (the review-7 test met it one run in ten, its code being random)
        ("ok the code is o o five nine two one", "005921"), ("o four eight two nine one", "048291"),
        ("oh o o one two three", "000123"),
    ],
)
def test_a_code_in_a_reply_to_the_code_prompt(text: str, code: str) -> None:
    assert otp_code.in_reply(text) == code


@pytest.mark.parametrize(
    "text",
    ["my order number is 100231", "order 100231", "call me on 07700 900123", "482913 or 482914?", "£123456",
     "12/12/2025", "12345", "1234567", "the gate code is 482913", "tracking no: 100231", "one two three",
     "the one i got was late", "oh no"],
)
def test_not_a_code_in_a_reply_to_the_code_prompt(text: str) -> None:
    assert otp_code.in_reply(text) is None


# --- phone numbers and e-mail ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "context", "e164"),
    [
        ("call me on 07700 900123", GB, "+447700900123"),
        ("my mobile is +44 (0)7700 900123 thanks", GB, "+447700900123"),
        ("ring 020 7946 0018.", GB, "+442079460018"),
        ("(212) 555-0100", US, "+12125550100"),
        ("my number is 555-201-4432", US, "+15552014432"),
        ("tel: +1 212 555 0100", GB, "+12125550100"),
    ],
)
def test_phone_numbers_are_e164_in_the_merchant_region(text: str, context: ParseContext, e164: str) -> None:
    assert values(text, "phone_number", context) == [e164]


def test_region_decides_how_a_national_number_reads() -> None:
    assert values("020 7946 0018", "phone_number", GB) == ["+442079460018"]
    assert values("020 7946 0018", "phone_number", US) != ["+442079460018"]


def test_order_number_with_number_word_is_not_a_phone() -> None:
    assert found("order number 12345678") == [("order_number", "12345678", "12345678")]


def test_ten_digits_without_the_trunk_zero_are_not_a_uk_phone() -> None:
    # libphonenumber calls 1234567890 a valid GB number (01234 567890), but nobody in the UK types it so
    assert values("my account is 1234567890", "phone_number", GB) == []
    assert values("7911123456", "phone_number", GB) == []
    assert values("my number is 7911123456", "phone_number", GB) == ["+447911123456"]  # a phone word
    assert values("07911 123456", "phone_number", GB) == ["+447911123456"]
    assert values("2125550147", "phone_number", US) == ["+12125550147"]  # the US trunk 1 is optional


def test_email() -> None:
    assert found("mail me at Tom.White88@Example.NET. thanks") == [
        ("email", "Tom.White88@example.net", "Tom.White88@Example.NET")
    ]


def test_digits_inside_an_email_are_nothing_else() -> None:
    assert [e for e, _, _ in found("it's 482913@example.com")] == ["email"]


# --- UK postcodes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("m14bt", "M1 4BT", "m14bt"),
        ("my postcode is sw1a1aa ok", "SW1A 1AA", "sw1a1aa"),
        ("SW1A 1AA", "SW1A 1AA", "SW1A 1AA"),
        ("it's M145RG", "M14 5RG", "M145RG"),
        ("wc2n 5du", "WC2N 5DU", "wc2n 5du"),
        ("EH1 1YZ", "EH1 1YZ", "EH1 1YZ"),
        ("gir 0aa", "GIR 0AA", "gir 0aa"),
    ],
)
def test_postcodes_normalised(text: str, value: str, surface: str) -> None:
    assert ("postcode", value, surface) in found(text)


@pytest.mark.parametrize("text", ["BB1 1CI", "b4 5pm", "in3da", "ABC1 2DE", "M1 4B", "1M 4BT"])
def test_not_postcodes(text: str) -> None:
    assert values(text, "postcode") == []


# --- US ZIP codes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "context", "value"),
    [
        ("zip 90210", GB, "90210"),
        ("my zip code is 60614", US, "60614"),
        ("60614-3321", GB, "60614-3321"),
        ("Austin, TX 78701", US, "78701"),
        ("10001", US, "10001"),
    ],
)
def test_zip_codes(text: str, context: ParseContext, value: str) -> None:
    assert values(text, "zip_code", context) == [value]


@pytest.mark.parametrize(("text", "context"), [("10001", GB), ("in 12345", US), ("order 10001", US), ("$12345", US)])
def test_five_digits_that_are_not_zip_codes(text: str, context: ParseContext) -> None:
    assert values(text, "zip_code", context) == []


@pytest.mark.parametrize("text", ["gate code 3306", "the intercom code is 0405, flat 3b", "entry code 7734 then C"])
def test_access_codes_are_neither_otp_nor_order_numbers(text: str) -> None:
    assert [e for e, _, _ in found(text) if e in ("otp_code", "order_number")] == []


def test_hash_after_a_code_word_is_not_an_order_number() -> None:
    assert values("code to get in the complex is #5521", "order_number") == []
    assert values("order #5521", "order_number") == ["5521"]


@pytest.mark.parametrize(
    ("text", "value"), [("the code u sent is 662017", "662017"), ("902146 that's the code", "902146")]
)
def test_more_code_phrasings(text: str, value: str) -> None:
    assert values(text, "otp_code") == [value]


@pytest.mark.parametrize(
    ("text", "context", "e164"),
    [
        ("07700 900123", GB, "+447700900123"),  # Ofcom drama range: possible, formatted like a phone
        ("(212) 555-0147", US, "+12125550147"),
        ("646-555-0118", US, "+16465550118"),
    ],
)
def test_phone_shaped_fictional_numbers(text: str, context: ParseContext, e164: str) -> None:
    assert values(text, "phone_number", context) == [e164]


@pytest.mark.parametrize(
    "text",
    [
        "the zip code on my order is wrong, should be 30301",
        "wrong zip, pls use 02139",
        "11215 is my zip",
        "any parcel lockers near 90210?",
    ],
)
def test_zip_code_cues_in_the_same_clause(text: str) -> None:
    assert len(values(text, "zip_code", US)) == 1


def test_near_five_digits_is_only_a_zip_for_us_merchants() -> None:
    assert values("lockers near 90210?", "zip_code", GB) == []


@pytest.mark.parametrize(
    "text",
    [
        "i live in 90210",
        "deliver to 90210",
        "send it to 90210",
        "ship to 10001",
        "can you deliver it to 90210?",
        "ship to 10001 instead please",
    ],
)
def test_where_to_deliver_five_digits_is_a_zip_for_us_merchants(text: str) -> None:
    (value,) = [v for v in ("90210", "10001") if v in text]
    assert found(text, US) == [("zip_code", value, value)]
    assert values(text, "zip_code", GB) == []


@pytest.mark.parametrize(
    "text",
    ["in 12345", "change it to 12345", "send it to 12345 people", "my order is 12345", "deliver to 12345 main st"],
)
def test_five_digits_without_a_where_cue_are_not_zip_codes(text: str) -> None:
    assert values(text, "zip_code", US) == []


def test_street_number_after_deliver_to_is_a_house_number_not_a_zip() -> None:
    assert found("deliver to 12345 main st", US) == [("house_number", "12345", "12345")]
