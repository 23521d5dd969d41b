"""Scripted conversations (like Rasa's test stories), run against the real engine.

A script in tests/conversations/*.yml:

    conversations:
      - name: neighbour, happy path
        from: "+447700900123"          # the shopper's number (default +447700900123)
        merchant_settings: {}          # optional: merged into the demo merchant's settings
        steps:
          - user: "can you leave it with number 22"
            bot: ["number 22", "YES"]  # every string must appear in the bot's replies (case-insensitive)
            bot_not: ["Acacia"]        # none of these may appear
          - user: "yes"
            bot: "code"
          - user: "{code}"             # the newest 6-digit code texted to the parcel's recipient (from the outbox)
            bot: "Done"
        then:                          # the backend's state afterwards
          shipment: PB100000001GB
          status: in_transit
          instructions: {neighbour: "number 22"}   # a subset of shipment.instructions
          changes: 1                   # accepted delivery changes on that parcel
          audit: ["otp_check"]         # actions that must be in the audit log
          sealed_code: "gate: 3579"    # the parcel carries this access code sealed, for the driver
          never_stored: ["3579"]       # ...and it is nowhere at rest in clear (messages, state, changes, audit)

A script runs on the channel it names (`channel:`, default `sms`):
- `sms`: twice, through the engine as `parcelbot chat` drives it and through the signed SMS webhook;
- `rest`: through the Rasa-style REST channel (POST /webhooks/rest/webhook), as a web chat does: `from` is the
  chat's session id (a stranger to the bot: it proves the parcel with its number and postcode), and replies
  are checked with their buttons' titles appended (`buttons: ["Ancoats"]` checks those alone);
- `both`: as `sms` and as `rest` (the web chat's session id is made from the script's name). A step with
  `only: sms` or `only: rest` runs on that channel alone: a web chat proves the parcel with its postcode where
  the phone that owns it needs nothing, and buttons are checked on the web chat only (SMS numbers its choices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from backend import models as m

SCRIPTS = Path(__file__).parent / "conversations"
DEFAULT_SENDER = "+447700900123"
CHANNELS = ("sms", "rest", "both")


@dataclass
class Script:
    name: str
    sender: str
    steps: list[dict[str, Any]]
    then: dict[str, Any] = field(default_factory=dict)
    merchant_settings: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    channel: str = "sms"


def load_scripts() -> list[Script]:
    scripts = []
    for path in sorted(SCRIPTS.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("conversations") or []:
            channel = str(item.get("channel") or "sms")
            if channel not in CHANNELS:
                raise ValueError(f"{path.name}: {item['name']}: channel must be one of {CHANNELS}")
            for one in (("sms", "rest") if channel == "both" else (channel,)):
                sender = str(item.get("from") or DEFAULT_SENDER)
                if channel == "both" and one == "rest":
                    sender = "web-" + re.sub(r"[^a-z0-9]+", "-", f"{path.stem} {item['name']}".lower())[:60]
                scripts.append(Script(
                    name=item["name"], sender=sender,
                    steps=[s for s in item["steps"] if s.get("only", one) == one],
                    then=item.get("then") or {}, merchant_settings=item.get("merchant_settings") or {},
                    source=path.name, channel=one,
                ))
    return scripts


def _mentions(text: str, unwanted: str) -> bool:
    """Does the reply say `unwanted`? A number (a gate code) counts only as a whole number: the same digits
    inside a random reference ("RB-5194821E") are not the code repeated back."""
    if unwanted.isdigit():
        return re.search(rf"(?<![0-9A-Za-z]){re.escape(unwanted)}(?![0-9A-Za-z])", text) is not None
    return unwanted.lower() in text.lower()


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def latest_code(runtime, phone: str | None) -> str:  # noqa: ANN001
    with runtime.sessions() as s:
        bodies = s.scalars(
            select(m.Message.body).where(m.Message.direction == "out", m.Message.recipient == phone,
                                         m.Message.status != "reply").order_by(m.Message.id.desc())
        )
        for body in bodies:
            found = re.search(r"\b(\d{6})\b", body)
            if found:
                return found.group(1)
    raise AssertionError(f"no one-time code was texted to {phone}")


def check_then(runtime, then: dict[str, Any]) -> None:  # noqa: ANN001
    if not then:
        return
    with runtime.sessions() as s:
        if "shipment" in then:
            row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == then["shipment"]))
            assert row is not None, then["shipment"]
            if "status" in then:
                assert row.status == then["status"], (row.status, then["status"])
            for key, want in (then.get("instructions") or {}).items():
                got = (row.instructions or {}).get(key)
                if isinstance(want, str) and isinstance(got, str):
                    assert want.lower() in got.lower(), (key, got, want)
                else:
                    assert got == want, (key, got, want)
            for key in then.get("no_instructions") or []:
                assert not (row.instructions or {}).get(key), (key, row.instructions)
            if "changes" in then:
                n = s.scalar(select(func.count()).select_from(m.DeliveryChange).where(
                    m.DeliveryChange.tracking_number == then["shipment"], m.DeliveryChange.status == "accepted"))
                assert n == then["changes"], f"{n} accepted changes, expected {then['changes']}"
        for action in then.get("audit") or []:
            n = s.scalar(select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == action))
            assert n, f"no {action!r} in the audit log"
        if "handed_off" in then:
            conv = s.scalars(select(m.Conversation)).all()
            assert any(c.handed_off for c in conv) == then["handed_off"]
    _check_codes(runtime, then)


def _check_codes(runtime, then: dict[str, Any]) -> None:  # noqa: ANN001
    """`sealed_code: "gate: 3579"`: the parcel's instructions carry that code, sealed (each "kind: code" pair
    given must be in it); `never_stored: ["3579"]`: nowhere else at rest (messages both ways, outbox,
    conversation state, changes, audit, pending writes, the parcel's readable instructions)."""
    from backend.sealing import SECRET_FIELD, CodeBox

    want, secret = then.get("sealed_code"), _as_list(then.get("never_stored"))
    if not want and not secret:
        return
    with runtime.sessions() as s:
        if want:
            row = s.scalar(select(m.Shipment).where(m.Shipment.tracking_number == then["shipment"]))
            token = (row.instructions or {}).get(SECRET_FIELD)
            assert token, f"no sealed access code on {then['shipment']}: {row.instructions}"
            opened = CodeBox.from_secret(runtime.settings.secret_key).unseal(token) or ""
            for pair in _as_list(want):
                assert pair.lower() in opened.lower(), (pair, "not sealed")
        stored = [str(msg.body) for msg in s.scalars(select(m.Message))]
        stored += [str(c.state) for c in s.scalars(select(m.Conversation))]
        stored += [str(c.params) for c in s.scalars(select(m.DeliveryChange))]
        stored += [str(a.detail) for a in s.scalars(select(m.AuditEntry))]
        stored += [str(p.payload) for p in s.scalars(select(m.PendingRequest))]
        stored += [str({k: v for k, v in (r.instructions or {}).items() if k != SECRET_FIELD})
                   for r in s.scalars(select(m.Shipment))]
    for code in secret:
        # As a code of its own: "code 4455", not the 4455 inside a random key ("chg-529a4455b8") or an OTP.
        alone = re.compile(rf"(?<![0-9A-Za-z]){re.escape(code)}(?![0-9A-Za-z])")
        leaks = [text for text in stored if alone.search(text)]
        assert not leaks, f"{code!r} is stored in clear: {leaks[:3]}"


def run_script(script: Script, send, runtime) -> None:  # noqa: ANN001
    """`send(text) -> list[str]` delivers one message the way the channel under test does (a REST reply's
    buttons come back as a last line "[buttons] title | title")."""
    transcript: list[str] = []
    for i, step in enumerate(script.steps):
        text = str(step.get("user", ""))
        if "{code}" in text:
            text = text.replace("{code}", latest_code(runtime, step.get("code_to") or _recipient_of(runtime, script)))
        replies = send(text)
        joined = "\n".join(replies)
        transcript.append(f"user> {text}\n" + "\n".join(f"bot>  {r}" for r in replies))
        where = f"[{script.source}: {script.name}, step {i + 1}]\n" + "\n".join(transcript)
        for want in _as_list(step.get("bot")):
            assert want.lower() in joined.lower(), f"expected {want!r} in the reply\n{where}"
        for unwanted in _as_list(step.get("bot_not")):
            assert not _mentions(joined, unwanted), f"did not expect {unwanted!r}\n{where}"
        buttons = "\n".join(r for r in replies if r.startswith("[buttons]"))
        for want in _as_list(step.get("buttons")) if script.channel == "rest" else ():
            assert want.lower() in buttons.lower(), f"expected a button {want!r}\n{where}"
    check_then(runtime, script.then)


def _recipient_of(runtime, script: Script) -> str:  # noqa: ANN001
    tracking = script.then.get("shipment")
    if not tracking:
        return script.sender
    with runtime.sessions() as s:
        return s.scalar(select(m.Shipment.recipient_phone).where(m.Shipment.tracking_number == tracking))
