"""The simulated shoppers of `parcelbot bench load`: who they are, what they say, and the requests it makes.

Four scripted conversations, mixed in fixed proportions, each by a shopper of its own (so no rate limit or code
budget of one shopper is shared with another, as on a real delivery morning):

    where_sms   SMS from the number on the parcel: "where's my parcel", then "thanks!"
    change_sms  SMS: leave it with a neighbour, YES, the one-time code texted to the shopper, "Done"
    small_sms   SMS smalltalk from a number with no parcel: hi, what can you do, thanks
    where_web   web chat (the Rasa REST channel): the tracking number, then the postcode

Each step says what its reply must contain (any of the words): a reply that doesn't is counted as unexpected,
so a benchmark that is fast because it answers the wrong thing shows it. SMS requests are signed as Twilio
signs them (channels.twilio_sms.sign_form, Twilio's own RequestValidator) over the public URL the workers know.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from channels.twilio_sms import sign_form

MERCHANT_SMS = "+441614960000"
MERCHANT_SLUG = "demo"
POSTCODE = "M1 4BT"
CODE = "{code}"  # replaced by the newest one-time code texted to the shopper
APOLOGY_WORDS = ("something went wrong",)


@dataclass(frozen=True)
class Step:
    text: str
    expect: tuple[str, ...]  # the reply contains one of these (case-insensitive)


@dataclass(frozen=True)
class Script:
    name: str
    channel: str  # "sms" or "rest"
    steps: tuple[Step, ...]
    needs_parcel: bool = True


SCRIPTS: dict[str, Script] = {
    "where_sms": Script("where_sms", "sms", (
        Step("where's my parcel", ("on the way", "due", "arriv")),
        Step("thanks!", ("welcome", "anything else", "glad", "bye", "help")),
    )),
    "change_sms": Script("change_sms", "sms", (
        Step("can you leave my parcel with number 22 if I'm out", ("YES",)),
        Step("yes", ("code",)),
        Step(CODE, ("Done",)),
    )),
    "small_sms": Script("small_sms", "sms", (
        Step("hi", ("assistant", "hello")),
        Step("what can you do", ("parcel", "deliver", "track")),
        Step("thanks!", ("welcome", "anything else", "glad", "bye", "help")),
    ), needs_parcel=False),
    "where_web": Script("where_web", "rest", (
        Step("where is {tracking}", ("postcode",)),
        Step(POSTCODE, ("on the way", "due", "arriv")),
    )),
}  # fmt: skip
# Out of every 20 conversations: mostly "where is it?" on a delivery morning.
MIX = ("where_sms", "small_sms", "where_sms", "change_sms", "where_web", "where_sms", "small_sms", "where_sms",
       "change_sms", "where_sms", "where_web", "small_sms", "where_sms", "where_sms", "change_sms", "where_web",
       "where_sms", "small_sms", "where_sms", "where_sms")  # fmt: skip


@dataclass(frozen=True)
class Shopper:
    phone: str
    tracking: str | None  # the parcel seeded for this shopper (None: smalltalk only)


def shopper_phone(i: int) -> str:
    """A valid UK mobile number per shopper (the 07400 range), distinct from the demo's numbers."""
    return f"+4474{i:08d}"


def shopper_tracking(i: int) -> str:
    return f"PL{i:09d}GB"


@dataclass
class Conversation:
    """One shopper going through one script; `step` is the next message to send."""

    script: Script
    shopper: Shopper
    session: str  # the web chat's session id (the REST channel's sender)
    step: int = 0
    failed: bool = False

    @property
    def done(self) -> bool:
        return self.failed or self.step >= len(self.script.steps)

    def text(self, code: str | None = None) -> str:
        raw = self.script.steps[self.step].text
        if raw == CODE:
            return code or "000000"
        return raw.replace("{tracking}", self.shopper.tracking or "")


@dataclass
class ConversationSource:
    """Hands out conversations in the MIX order, each with a fresh shopper of its kind; it never reuses one."""

    shoppers: int
    start: int = 0
    mix: tuple[str, ...] = MIX
    _next_shopper: itertools.count = field(init=False)
    _kinds: itertools.cycle = field(init=False)

    def __post_init__(self) -> None:
        self._next_shopper = itertools.count(self.start)
        self._kinds = itertools.cycle(self.mix)

    def new(self) -> Conversation:
        script = SCRIPTS[next(self._kinds)]
        i = next(self._next_shopper)
        if i >= self.start + self.shoppers:
            raise RuntimeError(f"all {self.shoppers} seeded shoppers are used: seed more")
        return Conversation(script, Shopper(shopper_phone(i), shopper_tracking(i)), session=f"web-{i}")


@dataclass(frozen=True)
class HttpRequest:
    path: str
    body: bytes
    headers: dict[str, str]


_sids = itertools.count(1)


def build_request(conv: Conversation, *, auth_token: str, public_url: str, code: str | None = None) -> HttpRequest:
    """The next message of the conversation as the HTTP request its channel receives."""
    text = conv.text(code)
    if conv.script.channel == "rest":
        body = json.dumps({"sender": conv.session, "message": text}).encode()
        return HttpRequest(f"/webhooks/rest/webhook?merchant={MERCHANT_SLUG}", body,
                           {"Content-Type": "application/json"})  # fmt: skip
    form = {"MessageSid": f"SM{next(_sids):032x}", "AccountSid": "AC" + "0" * 32, "From": conv.shopper.phone,
            "To": MERCHANT_SMS, "Body": text, "NumMedia": "0"}  # fmt: skip
    signature = sign_form(auth_token, public_url.rstrip("/") + "/twilio/sms", form)
    return HttpRequest("/twilio/sms", urlencode(form).encode(),
                       {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})


def reply_text(channel: str, body: bytes) -> str:
    """The bot's words in a response (TwiML's <Message>s, or the REST channel's JSON texts)."""
    raw = body.decode("utf-8", "replace")
    if channel == "rest":
        try:
            return "\n".join(str(m.get("text", "")) for m in json.loads(raw) if isinstance(m, dict))
        except ValueError:
            return ""
    import html
    import re

    return html.unescape(" \n".join(re.findall(r"<Message>(.*?)</Message>", raw, flags=re.S)))


def check_reply(conv: Conversation, text: str) -> str:
    """'ok', 'apology' (the bot's honest error) or 'unexpected' for the reply to the conversation's step."""
    lowered = text.lower()
    if not text.strip():
        return "unexpected"
    if any(w in lowered for w in APOLOGY_WORDS):
        return "apology"
    want = conv.script.steps[conv.step].expect
    return "ok" if any(w.lower() in lowered for w in want) else "unexpected"
