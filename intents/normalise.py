"""Turn a raw SMS into the text the classifier sees: values become placeholders, texting shorthand
becomes words.

Why: shoppers paste tracking numbers, postcodes and phone numbers that never appear in training data,
and write "wen wil u deliver my pkg". Mapping both to a small fixed vocabulary lets a model trained on a
few hundred examples per intent generalise to messages it has never seen. Entity *values* are not taken
from here: entity extraction runs on the raw text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from intents import spelt_numbers

# Placeholder tokens: real-ish words so subword embeddings still see "tracking", "order", ...
PH_EMAIL = "emailref"
PH_URL = "urlref"
PH_TRACKING = "trackingref"
PH_ORDER = "orderref"
PH_POSTCODE = "postcoderef"
PH_ZIP = "zipref"
PH_PHONE = "phoneref"
PH_TIME = "timeref"
PH_DATE = "dateref"
PH_MONEY = "moneyref"
PH_NUM = "numref"

# Regex / lookup names (Rasa sections, entity names) whose matches become a known placeholder.
ENTITY_PLACEHOLDERS = {
    "order_number": PH_ORDER,
    "tracking_number": PH_TRACKING,
    "postcode": PH_POSTCODE,
    "zip_code": PH_ZIP,
    "phone_number": PH_PHONE,
    "email": PH_EMAIL,
}

SMS_LEXICON: dict[str, str] = {
    # pronouns / function words
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "yr": "your", "youre": "you are",
    "r": "are", "wiv": "with", "wid": "with", "wen": "when", "whn": "when", "wer": "where",
    "whr": "where", "wats": "whats", "wat": "what", "wot": "what", "wht": "what", "wil": "will",
    "wll": "will", "hw": "how", "cud": "could", "cld": "could", "wud": "would", "wld": "would",
    "shud": "should", "shd": "should", "cn": "can", "cant": "cannot", "wont": "will not",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not", "hasnt": "has not",
    "havent": "have not", "aint": "is not", "wasnt": "was not", "im": "i am", "ive": "i have",
    "b4": "before", "bk": "back", "abt": "about", "bc": "because", "cos": "because", "coz": "because",
    "cuz": "because", "bcuz": "because", "tho": "though", "thru": "through", "n": "and", "hv": "have",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "gimme": "give me", "lemme": "let me",
    "dunno": "do not know", "sth": "something", "smth": "something", "sum1": "someone",
    "some1": "someone", "smone": "someone", "any1": "anyone", "no1": "no one", "ppl": "people",
    "l8": "late", "l8r": "later", "gr8": "great", "m8": "mate",
    # time
    "2day": "today", "tday": "today", "tdy": "today", "2nite": "tonight", "2night": "tonight",
    "tonite": "tonight", "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tmoz": "tomorrow",
    "tmoro": "tomorrow", "tomoz": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow",
    "2mrw": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow",
    "yday": "yesterday", "yest": "yesterday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
    "thur": "thursday", "thurs": "thursday", "fri": "friday", "nxt": "next", "wk": "week", "wkend": "weekend",
    "hr": "hour", "hrs": "hours", "mins": "minutes", "asap": "as soon as possible",
    "atm": "at the moment",
    # politeness / chat
    "pls": "please", "plz": "please", "plse": "please", "pl": "please", "plez": "please",
    "pleez": "please", "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "thnks": "thanks",
    "tx": "thanks", "ty": "thank you", "tyvm": "thank you very much", "np": "no problem",
    "k": "ok", "kk": "ok", "okay": "ok", "okey": "ok", "y": "yes", "yh": "yes", "yeh": "yes",
    "yea": "yes", "yeah": "yes", "yep": "yes", "yup": "yes", "ye": "yes", "nah": "no", "nope": "no",
    "naw": "no", "msg": "message", "txt": "text", "tel": "telephone", "ph": "phone", "mob": "mobile",
    "tysm": "thank you so much", "ta": "thanks", "nite": "night", "nyt": "night", "gn": "good night",
    "gm": "good morning", "hallo": "hello", "helo": "hello", "cya": "see you", "ttyl": "talk to you later",
    "brb": "be right back", "idk": "i do not know", "bday": "birthday", "info": "information",
    "pic": "picture", "pics": "pictures",
    # parcel domain
    "pkg": "package", "pkge": "package", "pckg": "package", "pkgs": "packages", "parcl": "parcel",
    "prcl": "parcel", "deliv": "delivery", "dlvry": "delivery", "delivry": "delivery",
    "delievery": "delivery", "dlv": "deliver", "delivr": "deliver", "addr": "address", "adr": "address",
    "nbr": "neighbour", "neighbor": "neighbour", "neighbors": "neighbours", "neighbr": "neighbour",
    "nieghbour": "neighbour", "ord": "order", "refnd": "refund", "rtn": "return", "recd": "received",
    "rcvd": "received", "recvd": "received", "recieved": "received", "recieve": "receive",
    "trackin": "tracking", "num": "number", "nr": "number", "cancelled": "canceled",
    "canceld": "canceled", "cancell": "cancel", "dmged": "damaged", "damged": "damaged",
}  # fmt: skip

# Answers to our own questions, typed fast: "yse", "okat", "aight", "noo" (a letter held down is already cut to
# two, "yesss" -> "yess"). "ya" stays "you" ("see ya"); at the start of an answer it is a yes (_YA).
SMS_LEXICON.update({
    "yse": "yes", "yss": "yes", "yws": "yes", "yez": "yes", "yesh": "yes", "yess": "yes", "yus": "yes",
    "yas": "yes", "yaas": "yes", "yass": "yes", "yah": "yes", "yip": "yes", "yupp": "yes", "yepp": "yes",
    "yeahh": "yes", "yeea": "yes", "ja": "yes", "noo": "no", "nopee": "no", "nahh": "no", "nae": "no",
    "okk": "ok", "okat": "ok", "oky": "ok", "okie": "ok", "oki": "ok", "okies": "ok", "ohk": "ok", "okok": "ok",
    "aight": "alright", "ight": "alright", "alrighty": "alright", "alrite": "alright", "aite": "alright",
    "ofc": "of course", "defo": "definitely", "deffo": "definitely", "obvs": "obviously", "tbh": "to be honest",
    "pleaae": "please", "pleasw": "please", "plase": "please", "pleae": "please", "pleas": "please",
    "pkease": "please", "plis": "please", "pliz": "please",
})  # fmt: skip

# Other words for the order and for a refund, so a model trained on "order" and "refund" reads them: "what's the
# status of purchase 5512", "still waiting on my reimbursement". "item" and "delivery" are trained as they are;
# "credit" is not mapped ("credit card" is no refund).
SMS_LEXICON.update({
    "purchase": "order", "purchases": "orders", "shipment": "parcel", "shipments": "parcels",
    "consignment": "parcel", "consignments": "parcels", "packet": "parcel", "packets": "parcels",
    "reimbursement": "refund", "reimbursements": "refunds", "reimburse": "refund", "reimbursed": "refunded",
    "restitution": "refund", "repayment": "refund", "compensation": "refund", "compensated": "refunded",
})  # fmt: skip

# Dropped g's ("is it comin", "still waitin"), listed rather than ruled: "-in" -> "-ing" would also turn
# "login", "cabin" and "within" into words nobody wrote.
_DROPPED_G_WORDS = (
    "coming arriving getting going waiting delivering sending looking nothing something anything tracking "
    "trying saying leaving collecting dropping missing working calling texting asking staying having doing "
    "being taking making thinking wondering chasing moving returning cancelling changing expecting hoping "
    "ringing knocking picking bringing showing turning happening messing morning evening"
)
SMS_LEXICON.update({word[:-1]: word for word in _DROPPED_G_WORDS.split() if word[:-1] not in SMS_LEXICON})

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?\d{2,5}|\(0?\d{2,5}\)|0\d{2,5})[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b"
    r"|\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b"
)
_TRACKING = re.compile(
    r"\b(?:1Z[0-9A-Z]{16}|[A-Z]{2}\d{9}[A-Z]{2}|JJD\d{10,20}|JD\d{16,20}"
    r"|(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{10,30}|\d{10,30})\b",
    re.I,
)
_UK_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b", re.I)
_ZIP = re.compile(r"\b\d{5}-\d{4}\b|(?<=\b[A-Z]{2} )\d{5}\b")
_MONEY = re.compile(
    r"[£$€]\s?\d+(?:[.,]\d{1,2})?|\b\d+(?:[.,]\d{1,2})?\s?(?:gbp|usd|eur|quid|pounds?|dollars?)\b", re.I
)
_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b", re.I)
_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b\d{1,2}(?:st|nd|rd|th)\b", re.I)
_ORDER = re.compile(r"#\s?[A-Z0-9-]*\d[A-Z0-9-]*|\b[A-Z]{2,5}-\d{3,12}\b|\b[A-Z]{1,3}\d{4,9}\b", re.I)
_NUM = re.compile(r"\b\d+\b")

_BUILTIN: tuple[tuple[re.Pattern[str], str], ...] = (
    (_EMAIL, PH_EMAIL),
    (_URL, PH_URL),
    (_PHONE, PH_PHONE),
    (_TRACKING, PH_TRACKING),
    (_UK_POSTCODE, PH_POSTCODE),
    (_ZIP, PH_ZIP),
    (_MONEY, PH_MONEY),
    (_TIME, PH_TIME),
    (_DATE, PH_DATE),
    (_ORDER, PH_ORDER),
    (_NUM, PH_NUM),
    (spelt_numbers.AFTER_CUE, PH_NUM),  # "number five" is "number 5" to the classifier (review 12)
)

# Emoji carry meaning in texts ("👍" is a yes); the tokeniser would drop them, so they become words first.
EMOJI_WORDS = {
    "👍": " yes ok ", "👌": " ok ", "✅": " yes ", "✔": " yes ", "🙂": " ", "😊": " ", "👎": " no ",
    "❌": " no ", "🚫": " no ", "🙏": " thanks please ", "👋": " hi ", "❤": " thanks ", "😍": " thanks ",
    "🥰": " thanks ", "📦": " parcel ", "🚚": " delivery van ", "🚐": " delivery van ", "❓": " ? ",
    "❔": " ? ", "😡": " angry ", "🤬": " angry ", "😠": " angry ", "😢": " sad ", "😭": " sad ",
    # answers: a yes, a no, a shrug (skin tones, gender signs and joiners after them are dropped with the rest)
    "🙆": " yes ok ", "🆗": " ok ", "☑": " yes ", "💯": " absolutely ", "🙌": " great ", "👏": " great ",
    "🤙": " ok ", "🫡": " ok ", "🙅": " no ", "✖": " no ", "❎": " no ", "⛔": " no ", "🤷": " not sure ",
    "🤔": " hmm ", "😬": " hmm ", "🤞": " hopefully ",
}
_EMOJI = re.compile("|".join(map(re.escape, EMOJI_WORDS)))
_APOSTROPHE = re.compile(r"[’'`´]")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"[a-z0-9_]+|[?!]")
# "100%" on its own is an answer, not an amount.
_WHOLE_HUNDRED = re.compile(r"\s*100\s?%\s*([!.]*)\s*")
# "ya" opening an answer ("ya i do", "ya sure", "ya") is a yes; elsewhere it is "you" ("see ya").
_YA_YES_AFTER = frozenset({
    "i", "we", "she", "he", "they", "it", "thats", "that", "this", "sure", "ok", "please", "thanks", "go", "do",
    "fine", "yes", "definitely", "of", "mate", "correct", "right", "absolutely", "sounds", "is",
})  # fmt: skip


def substitute_values(text: str, extra: Iterable[tuple[re.Pattern[str], str]] = ()) -> str:
    """Replace values (ids, postcodes, phones, times...) with placeholders; most specific first."""
    for pattern, token in (*extra, *_BUILTIN):
        text = pattern.sub(f" {token} ", text)
    return text


def expand_sms(tokens: Iterable[str], lexicon: Mapping[str, str] = SMS_LEXICON) -> list[str]:
    out: list[str] = []
    for tok in tokens:
        out.extend(lexicon.get(tok, tok).split())
    return out


def compile_patterns(patterns: Mapping[str, Iterable[str]]) -> list[tuple[re.Pattern[str], str]]:
    """(regex, placeholder) pairs for named patterns; unknown names get an ``rx<name>`` token."""
    out: list[tuple[re.Pattern[str], str]] = []
    for name, pats in patterns.items():
        token = ENTITY_PLACEHOLDERS.get(name, "rx" + re.sub(r"[^a-z0-9]", "", name.lower()))
        for pat in pats:
            out.append((re.compile(pat, re.I), token))
    return out


class Normaliser:
    """Configurable normaliser: extra regexes (from Rasa ``regex`` sections or the merchant's
    order/tracking patterns) become placeholders; ``lookup`` entries add a marker token so a model
    learns "a safe place was mentioned" rather than each shed and porch separately."""

    def __init__(
        self,
        regexes: Mapping[str, list[str]] | None = None,
        lookups: Mapping[str, list[str]] | None = None,
        lexicon: Mapping[str, str] = SMS_LEXICON,
    ) -> None:
        self.lexicon = lexicon
        self.extra = compile_patterns(regexes or {})
        self.lookups: list[tuple[re.Pattern[str], str]] = []
        for name, entries in (lookups or {}).items():
            words = sorted({e.strip().lower() for e in entries if e.strip()}, key=len, reverse=True)
            if words:
                alt = "|".join(re.escape(w) for w in words)
                marker = "lk" + re.sub(r"[^a-z0-9]", "", name.lower())
                self.lookups.append((re.compile(rf"\b(?:{alt})\b"), marker))

    def tokens(self, text: str, extra: Iterable[tuple[re.Pattern[str], str]] = ()) -> list[str]:
        text = _WHOLE_HUNDRED.sub(r"absolutely \1", text) if _WHOLE_HUNDRED.fullmatch(text) else text
        text = substitute_values(text, [*extra, *self.extra])
        text = _EMOJI.sub(lambda m: EMOJI_WORDS[m.group(0)], text)
        text = _APOSTROPHE.sub("", text.lower()).replace("&", " and ")
        text = _REPEATS.sub(r"\1\1", text)
        raw = _TOKEN.findall(text)
        ya = bool(raw) and raw[0] == "ya" and (len(raw) == 1 or raw[1] in _YA_YES_AFTER or raw[1] in "?!")
        toks = (["yes"] if ya else []) + expand_sms(raw[1:] if ya else raw, self.lexicon)
        if self.lookups:
            joined = " ".join(toks)
            toks += [marker for pattern, marker in self.lookups if pattern.search(joined)]
        return toks

    def __call__(self, text: str, extra: Iterable[tuple[re.Pattern[str], str]] = ()) -> str:
        return " ".join(self.tokens(text, extra))


_DEFAULT = Normaliser()


def normalise(text: str) -> str:
    """Normalise with the built-in placeholders and SMS lexicon only."""
    return _DEFAULT(text)
