"""One-time codes: 4-8 digits presented as a code ("code is 118 204", "482913 is my code"),
or a message that is nothing but a 6-digit number (a candidate the dialogue may accept).

Groups split by a space or dash are joined ("4829 13" -> "482913"). "zip code", "post code",
"promo code", "gate code", "entry code" and friends are not one-time codes (a gate code belongs in a
delivery note, never in verification).
"""

from __future__ import annotations

import re

from intents.entities._base import Candidate, cand, has_digit

_CODE_WORD = r"(?:one[\s-]?time\s+(?:pass)?code|verification\s+code|security\s+code|passcode|code|otp|pin)"
_DIGITS = r"(?P<d>\d{1,8}(?:[ -]\d{1,8}){0,3})"
_CUE_FIRST = re.compile(
    rf"(?<!\w)(?P<w>{_CODE_WORD})(?:\s+(?:(?:you|u|they)\s+)?(?:sent|texted|gave|got)(?:\s+me)?)?"
    rf"(?:\s+(?:is|was|number))?\s*(?::|=|-|is)?\s*{_DIGITS}(?![\d:/.,]\d|\d)",
    re.IGNORECASE,
)
_DIGITS_FIRST = re.compile(
    rf"(?<![\w£$€#:/.-]){_DIGITS},?\s+(?:is|was|that'?s|thats|it'?s|its)\s+(?:my|the)\s+(?:{_CODE_WORD})\b",
    re.IGNORECASE,
)
_BARE = re.compile(r"^\s*(?P<d>\d{3}[ -]?\d{3})\s*[.!]?\s*$")
_NOT_OTP_BEFORE = re.compile(
    r"\b(?:zip|post|postal|area|promo|promotion|discount|voucher|coupon|gift|tracking|dialling|dialing"
    r"|country|sort|tax|referral|reference|order|product|item|gate|entry|door|intercom|access|building|alarm"
    r"|lock|key|keypad|buzzer|complex|lockbox|garage|wifi|qr|bar)\s*$",
    re.IGNORECASE,
)


def _digits(raw: str) -> str | None:
    value = re.sub(r"\D", "", raw)
    return value if 4 <= len(value) <= 8 else None


def extract(text: str) -> list[Candidate]:
    if not has_digit(text):
        return []
    out: list[Candidate] = []
    for m in _CUE_FIRST.finditer(text):
        if _NOT_OTP_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue
        value = _digits(m.group("d"))
        if value:
            out.append(cand("otp_code", value, m.start("d"), m.end("d"), {"source": "cue"}))
    for m in _DIGITS_FIRST.finditer(text):
        value = _digits(m.group("d"))
        if value:
            out.append(cand("otp_code", value, m.start("d"), m.end("d"), {"source": "cue"}))
    bare = _BARE.match(text)
    if bare:
        value = re.sub(r"\D", "", bare.group("d"))
        out.append(cand("otp_code", value, bare.start("d"), bare.end("d"), {"source": "bare"}))
    return out


# --- a reply to "reply with the 6-digit code" -----------------------------------------------------------------------
# At the code prompt the shopper was asked for exactly one thing, so a code-shaped number is the code whatever
# words surround it ("ok 123456", "123456 thanks x", "its 123 456 i think", "123456 and can u make it thursday"),
# and a voice-to-text phone types it in words ("two two nine seven eight two", "oh" or "nought" for zero,
# "double four"). A number that says it is something else is not a try: one cued as an order, tracking, phone or
# gate number ("my order number is 100231"), one run together with more digits (a phone "07700 900123", a date,
# a price), or two different codes in one message. Those are asked for again and cost no try.
_WORD_DIGITS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2", "three": "3",
                "four": "4", "for": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_RUN = re.compile(r"(?<![\w£$€#/:.,+-])(?P<d>\d+(?:[ -]\d+)*)(?![\w/:%]|[.,]\d|-\d)")
_SAYS_OTHERWISE = re.compile(
    r"\b(?:zip|post|postal|promo|discount|voucher|coupon|gift|tracking|order|ref|reference|product|item|gate|entry"
    r"|door|intercom|access|building|alarm|lock|key|keypad|buzzer|lockbox|garage|phone|mobile|tel|landline|cell"
    r"|flat|apt|apartment|unit|house|account|invoice|receipt|parcel|package)"
    r"(?:\s+(?:code|number|num|no\.?|#))?\s*(?:is|was|:|=|-|#)?\s*$",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z]+|\d", re.IGNORECASE)
_GAP = re.compile(r"[\s,.-]*")


def in_reply(text: str, digits: int = 6) -> str | None:
    """The one code-shaped number in a reply to the code prompt (digits as typed, any script), or None."""
    found = {_spoken(text, digits)} - {None}
    for m in _RUN.finditer(text):
        value = re.sub(r"\D", "", m.group("d"))
        if len(value) != digits:
            continue
        if _SAYS_OTHERWISE.search(text[max(0, m.start() - 30) : m.start()]):
            return None  # a number the shopper says is something else: not a try, and not the code
        found.add(value)
    return found.pop() if len(found) == 1 else None


def _spoken(text: str, digits: int) -> str | None:
    """A code said in words: one run of exactly `digits` digits, at least one of them a word, with nothing but
    spaces or commas between them ("nine four six four three two", "oh four double two ..."). An "oh" before a
    run one digit too long is the interjection ("oh two two nine seven eight two")."""
    runs: list[tuple[str, bool, bool]] = []  # (digits, any as a word, opened with "oh")
    run, worded, oh, repeat, end = "", False, False, 1, 0
    for tok in _TOKEN.finditer(text):
        word = tok.group().lower()
        if run and not _GAP.fullmatch(text[end : tok.start()]):
            runs.append((run, worded, oh))
            run, worded, oh = "", False, False
        end = tok.end()
        if word in _REPEAT:
            repeat = _REPEAT[word]
            continue
        digit = word if word.isdecimal() else _WORD_DIGITS.get(word)
        if digit is None or (word == "for" and not run):  # "for" opens no run ("for 1 2 3 ...")
            if run:
                runs.append((run, worded, oh))
            run, worded, oh, repeat = "", False, False, 1
            continue
        oh = oh or (not run and word in ("oh", "o"))  # a leading zero said "o", or the interjection "o"
        run, worded, repeat = run + digit * repeat, worded or not word.isdecimal(), 1
    runs.append((run, worded, oh))
    said = {r[1:] if oh and len(r) == digits + 1 else r for r, w, oh in runs if w}
    said = {r for r in said if len(r) == digits}
    return said.pop() if len(said) == 1 else None
