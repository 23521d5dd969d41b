"""Greetings, thanks, goodbyes, help, short questions the bot answers itself, an upset shopper, and the honest
"I didn't get that" — short and never a dead end.

Short questions (dialogues/kit/faq.py) are answered from the merchant's settings (MerchantConfig: support
hours and contact, returns policy) and from the parcel this shopper has already proven, never by handing
over to a person: "are you a robot" gets an honest yes, "the driver's number" a no with what the bot can do
instead, "can I see him on a map" the tracking link. An open question stays open and is asked again.

An upset shopper (dialogues/kit/tone.py) whose message is no clear request gets an apology and the fastest
way forward: the question we were waiting on, asked again, or where their parcel is and what they can do
next, with a person one word (AGENT) away. The router sends them here; a clear request from an upset
shopper is only prefaced with an apology and goes where it was going.
"""

from __future__ import annotations

from decimal import Decimal

from backend.types import Shipment, ShipmentStatus
from bot.core.wording import Rendered
from dialogues.base import REGISTRY, Flow, Turn, register
from dialogues.kit.answers import is_acknowledgement
from dialogues.kit.faq import Question, question_in
from dialogues.kit.formatting import moment_label, parcel_label, window_label
from dialogues.kit.handoff import contact_line, hours_label
from dialogues.kit.item_names import named_by_item
from dialogues.kit.keywords import ask_open_question_again
from dialogues.kit.talked_about import last_talked_about
from dialogues.kit.tone import read_mood
from intents.types import OUT_OF_SCOPE

greet = register(Flow("greet"))
goodbye = register(Flow("goodbye"))
thank_you = register(Flow("thank_you"))
help_flow = register(Flow("help"))
fallback = register(Flow(OUT_OF_SCOPE))
stray_answer = register(Flow("stray_answer", intents=("affirm", "deny", "inform")))
media_only = register(Flow("media_only"))
faq = register(Flow("faq", intents=()))
upset = register(Flow("upset", intents=()))
_SYMBOLS = {"GBP": "£", "USD": "$"}
# Which of a shopper's parcels a question about "the driver" or "the map" means: the one on a van first.
_ON_THE_ROAD = (ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.FAILED_ATTEMPT, ShipmentStatus.IN_TRANSIT,
                ShipmentStatus.EXCEPTION, ShipmentStatus.HELD, ShipmentStatus.LABEL_CREATED)


@greet.start
def hello(turn: Turn) -> None:
    turn.say("utter_greet")


@goodbye.start
def bye(turn: Turn) -> None:
    turn.finish()
    turn.say("utter_goodbye")


@thank_you.start
def thanks(turn: Turn) -> None:
    turn.say("utter_you_are_welcome")


@help_flow.start
def what_can_you_do(turn: Turn) -> None:
    turn.say("utter_help", hours=hours_label(turn), contact=contact_line(turn))


@fallback.start
def not_understood(turn: Turn) -> None:
    turn.say("utter_out_of_scope")


@stray_answer.start
def answer_without_question(turn: Turn) -> None:
    """A "yes", a "no" or a bare value with no open question: if it names a parcel, show it."""
    if turn.nlu.entity("tracking_number") or turn.nlu.entity("order_number"):
        REGISTRY["where_is_my_order"].run_start(turn)
        return
    if (turn.nlu.intent in ("affirm", "deny") and turn.state.mentioned.get("parcel")
            and is_acknowledgement(turn.text)):
        # "ok 👍" after we answered about their parcel is an acknowledgement: the whole help text back would
        # cost them a long text (and the merchant two segments) for nothing
        turn.say("utter_acknowledged")
        return
    what_can_you_do(turn)


@media_only.start
def photo_without_context(turn: Turn) -> None:
    turn.say("utter_media_without_context")


# -- an upset shopper -------------------------------------------------------------------------------------
@upset.start
def comfort(turn: Turn) -> None:
    """Sorry, then the fastest way forward: the open question again, or the parcel's status and next step."""
    again = read_mood(turn.text).again
    turn.say("utter_tone_sorry_again_forward" if again else "utter_tone_sorry_forward")
    if ask_open_question_again(turn):
        return
    REGISTRY["where_is_my_order"].run_start(turn)


# -- short questions --------------------------------------------------------------------------------------
@faq.start
def answer_short_question(turn: Turn) -> None:
    """Answer it, then ask again whatever was open (the shopper's journey is not lost)."""
    question = question_in(turn.text)
    if question is None:  # the router only sends a question here; be safe anyway
        not_understood(turn)
        return
    turn.audit("faq", question.value)
    _ANSWERS[question](turn)


def _robot(turn: Turn) -> None:
    turn.say("utter_faq_robot", hours=hours_label(turn))
    ask_open_question_again(turn)


def _support_hours(turn: Turn) -> None:
    turn.say("utter_faq_support_hours", hours=hours_label(turn), contact=contact_line(turn))
    ask_open_question_again(turn)


def _genuine(turn: Turn) -> None:
    """Who is texting and why, where to check, and a person (review 12: "Is this a scam?")."""
    turn.say("utter_faq_genuine")
    ask_open_question_again(turn)


def _not_ordered(turn: Turn) -> None:
    """What the texts are about, and a person to check, or STOP (review 12: "I did not order anything")."""
    turn.say("utter_faq_not_ordered")
    ask_open_question_again(turn)


def _item_change(turn: Turn) -> None:
    """A size, colour or model is the order's, not the delivery's: said plainly, with who can help."""
    turn.say("utter_faq_item_change")
    ask_open_question_again(turn)


def _name_change(turn: Turn) -> None:
    """The name on the parcel can't be changed here, and a delivery doesn't need it to match: said, with a person."""
    turn.say("utter_faq_name_change")
    ask_open_question_again(turn)


def _phone_change(turn: Turn) -> None:
    """The number the texts go to is how the bot knows who is texting: a person changes it, never a text."""
    turn.say("utter_faq_phone_change")
    ask_open_question_again(turn)


def _household_signs(turn: Turn) -> None:
    """Anyone in at the address can sign: no neighbour, nothing to change, and what to do if nobody will be in."""
    turn.say("utter_household_can_sign")
    ask_open_question_again(turn)


def _only_me_signs(turn: Turn) -> None:
    """It needn't be the shopper: anyone in at the address can sign (the household answer, said as a "No")."""
    turn.say("utter_household_not_only_you")
    ask_open_question_again(turn)


def _signature_needed(turn: Turn) -> None:
    """Yes or no from the parcel itself, with what to do about it; a delivered parcel gets its status instead. The
    parcel is the one named ("do i need to sign for the socks"), else the one just talked about, else the one on
    its way."""
    own = [s for s in turn.sender_shipments() if not (s.instructions or {}).get("cancelled")]
    shipment = named_by_item(turn, own) or last_talked_about(turn, own) or _on_the_road(turn)
    if shipment is None:
        _find_the_parcel(turn, "utter_faq_signature_which")
        return
    if shipment.status is ShipmentStatus.DELIVERED and not turn.state.open_step:
        REGISTRY["where_is_my_order"].run_start(turn)
        return
    needed = "needed" if shipment.signature_required else "not_needed"
    # "i wont be home to sign", "who must sign?": no "Yes -" to a statement or a who
    told = question_in(turn.text) in {Question.CANT_SIGN, Question.WHO_SIGNS}
    turn.say(f"utter_{'cant_sign' if told else 'faq_signature'}_{needed}", parcel=parcel_label(shipment))
    ask_open_question_again(turn)


def _household_takes_it(turn: Turn) -> None:
    """Someone at home will take it in ("my son will take it"): fine, nothing to change; a signed-for parcel is signed
    for by them too. A delivered parcel gets its status instead."""
    own = [s for s in turn.sender_shipments() if not (s.instructions or {}).get("cancelled")]
    shipment = named_by_item(turn, own) or last_talked_about(turn, own) or _on_the_road(turn)
    if shipment is None:
        turn.say("utter_household_takes_it_any")
        ask_open_question_again(turn)
        return
    if shipment.status is ShipmentStatus.DELIVERED and not turn.state.open_step:
        REGISTRY["where_is_my_order"].run_start(turn)
        return
    signed = "_signed" if shipment.signature_required else ""
    turn.say(f"utter_household_takes_it{signed}", parcel=parcel_label(shipment))
    ask_open_question_again(turn)


def _after_space(text: Rendered) -> Rendered:
    """A part that goes after a word in another template (the wording service trims what it renders)."""
    return Rendered(" " + text) if text else text


def _money(amount: Decimal, currency: str) -> str:
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{amount:.2f}" if symbol else f"{currency.upper()} {amount:.2f}"


def _refund_timing(turn: Turn) -> Rendered:
    days = turn.config.returns_policy.refund_days
    return turn.render("utter_faq_refund_within", days=days) if days else turn.render("utter_faq_refund_checked")


def _returns_policy(turn: Turn) -> None:
    policy = turn.config.returns_policy
    if policy.fee is None:
        fee = Rendered("")
    elif policy.fee == 0:
        fee = turn.render("utter_faq_returns_free")
    else:
        fee = _after_space(turn.render("utter_faq_returns_fee", fee=_money(policy.fee, policy.currency)))
    link = _after_space(turn.render("utter_faq_policy_link", url=policy.url)) if policy.url else Rendered("")
    turn.say("utter_faq_returns_policy", days=policy.window_days, fee=fee, refund=_refund_timing(turn), link=link)
    ask_open_question_again(turn)


def _refund_amount(turn: Turn) -> None:
    """A refund the carrier knows for a parcel this shopper has proven, else what the policy says."""
    for shipment in turn.sender_shipments():
        info = turn.backend.return_status(shipment.tracking_number)
        if info is not None and info.refund_amount is not None:
            turn.say("utter_faq_refund_known", parcel=parcel_label(shipment), reference=info.reference,
                     amount=_money(info.refund_amount, shipment.currency))
            ask_open_question_again(turn)
            return
    policy = turn.config.returns_policy
    fee = turn.render("utter_faq_refund_less_fee", fee=_money(policy.fee, policy.currency)) if policy.fee else ""
    turn.say("utter_faq_refund_amount", fee=fee, refund=_refund_timing(turn))
    ask_open_question_again(turn)


def _on_the_road(turn: Turn) -> Shipment | None:
    """The parcel a question about the driver means, among those this shopper has proven: None if unclear."""
    own = turn.sender_shipments()
    for status in _ON_THE_ROAD:
        matching = [s for s in own if s.status is status]
        if len(matching) == 1:
            return matching[0]
        if matching:
            return None  # two parcels on the road: ask which (where_is_my_order lists them)
    return own[0] if len(own) == 1 else None


def _live(turn: Turn, shipment: Shipment) -> Rendered | str:
    live = shipment.live or {}
    if shipment.status is ShipmentStatus.OUT_FOR_DELIVERY and live.get("stop") and live.get("stops_total"):
        return _after_space(turn.render("utter_faq_live_stop", stop=live["stop"], total=live["stops_total"]))
    return ""


def _live_location(turn: Turn) -> None:
    shipment = _on_the_road(turn)
    if shipment is None:
        _find_the_parcel(turn, "utter_faq_map_which")
        return
    values = {"parcel": parcel_label(shipment),
              "link": turn.links.tracking_url(turn.merchant.slug, shipment.tracking_number, shipment.carrier)}
    if shipment.status is ShipmentStatus.OUT_FOR_DELIVERY:
        turn.say("utter_faq_map_out", live=_live(turn, shipment), **values)
    elif shipment.status is ShipmentStatus.DELIVERED:
        when = moment_label(turn, shipment.events[-1].occurred_at) if shipment.events else ""
        turn.say("utter_faq_map_delivered", when=when, **values)
    else:
        eta = window_label(turn, shipment.eta) if shipment.eta else turn.render("utter_eta_unknown")
        turn.say("utter_faq_map_not_out", eta=eta, **values)
    turn.audit("view_status", "shown", subject=shipment.tracking_number)
    ask_open_question_again(turn)


def _driver_contact(turn: Turn) -> None:
    turn.say("utter_faq_driver_contact")
    shipment = _on_the_road(turn)
    if shipment is not None and shipment.status is ShipmentStatus.OUT_FOR_DELIVERY:
        turn.say("utter_faq_driver_follow", parcel=parcel_label(shipment), live=_live(turn, shipment),
                 link=turn.links.tracking_url(turn.merchant.slug, shipment.tracking_number, shipment.carrier))
        turn.audit("view_status", "shown", subject=shipment.tracking_number)
    ask_open_question_again(turn)


def _find_the_parcel(turn: Turn, key: str) -> None:
    """No single proven parcel: with nothing open, find it the usual way (its status carries the link);
    with a question open, say how to get the link without losing that question."""
    if turn.state.open_step:
        turn.say(key)
        ask_open_question_again(turn)
        return
    REGISTRY["where_is_my_order"].run_start(turn)


_ANSWERS = {
    Question.ROBOT: _robot,
    Question.SUPPORT_HOURS: _support_hours,
    Question.RETURNS_POLICY: _returns_policy,
    Question.REFUND_AMOUNT: _refund_amount,
    Question.LIVE_LOCATION: _live_location,
    Question.DRIVER_CONTACT: _driver_contact,
    Question.ITEM_CHANGE: _item_change,
    Question.NAME_CHANGE: _name_change,
    Question.PHONE_CHANGE: _phone_change,
    Question.HOUSEHOLD_SIGNS: _household_signs,
    Question.SIGNATURE_NEEDED: _signature_needed,
    Question.ONLY_ME_SIGNS: _only_me_signs,
    Question.CANT_SIGN: _signature_needed,  # the same answer: it says what to do if nobody will be in
    Question.WHO_SIGNS: _signature_needed,
    Question.HOUSEHOLD_TAKES_IT: _household_takes_it,
    Question.GENUINE: _genuine,
    Question.NOT_ORDERED: _not_ordered,
}
