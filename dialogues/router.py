"""Which flow hears a message: the open question, a change of topic, a clarification, or a new journey.

Order of precedence (why): the keywords come first, from anywhere (an opt-out is the law in most markets;
START, HELP and BOT must work whatever is open; dialogues/kit/keywords.py); a shopper waiting for a person
gets an acknowledgement unless the bot can answer the message itself; a short question the bot answers
itself, or an upset shopper, is an aside that keeps the open question; "cancel" / "never mind" closes the
open question; what the shopper says they do NOT want never starts (dialogues/kit/requests.py), a correction
leaves only its last word, and a second request in the same message waits its turn instead of being
dropped; an answer goes to the question that was asked; a confident new request parks the open journey so
the shopper can come back to it; anything else starts the journey its intent names, and what we don't
understand gets an honest fallback. When a journey ends, the next queued request starts; a parked one is
offered back only if it is still wanted.
"""

from __future__ import annotations

import re
from datetime import timedelta

from dialogues.base import REGISTRY, Turn
from dialogues.kit import afterthought, claims, person_beside, repeat, requests, survey, talked_about, tone, unwanted
from dialogues.kit.answers import YES_NO, says_no
from dialogues.kit.choices import excluding, pick
from dialogues.kit.faq import GENUINE, Question, question_in
from dialogues.kit.fees import fee_asked
from dialogues.kit.handoff import answered_while_waiting, hand_off, misunderstood_in_a_row, reply_when
from dialogues.kit.keywords import Keyword, ask_open_question_again, keyword_for, opted_out
from dialogues.kit.queued import next_queued
from dialogues.kit.return_questions import return_question
from dialogues.subflows import one_tap
from dialogues.subflows.postcode_text import note_proof
from intents.discourse import lets_go
from intents.types import OUT_OF_SCOPE

ANSWER_INTENTS = frozenset({"affirm", "deny", "inform"})
ABANDON = frozenset(
    {"cancel", "cancel that", "cancel it", "never mind", "nevermind", "nvm", "forget it", "forget that",
     "quit", "exit", "start again", "start over", "reset"}
)
# Intents that are no request of their own: from an upset shopper they get an apology and the fastest way forward.
NOT_A_REQUEST = frozenset({OUT_OF_SCOPE, "help", "greet", "thank_you", "goodbye"})
# At a free-text question ("what should the note say?") these may be the answer ("...call me", "my son will sign").
ABOUT_THE_DRIVER = frozenset({Question.DRIVER_CONTACT, Question.LIVE_LOCATION, Question.HOUSEHOLD_SIGNS,
                              Question.HOUSEHOLD_TAKES_IT})
SWITCH_CONFIDENCE = 0.6
# "cancel the address change", "i meant stop that request": the open journey is called off, not an order.
_CALL_OFF = re.compile(
    r"\b(?:cancel|stop|forget|scrap|drop|undo|call\s+off)\s+(?:that|this|it|(?:the|my|that)\s+(?:[\w-]+\s+){0,2}"
    r"(?:change|request|note|instruction|redirect|reschedule|one))\b",
    re.IGNORECASE,
)
# After these the shopper is done for now: nothing is offered back.
CLOSING = frozenset({"goodbye", "thank_you"})


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def respond(turn: Turn) -> None:
    """The reply to one message: routed (below), then said with one apology at most (kit/tone.one_apology)."""
    _respond(turn)
    tone.one_apology(turn)


def _respond(turn: Turn) -> None:
    _expire_stale_state(turn)
    made, turn.state.made = turn.state.made, None  # the change just made: heard by this message only
    if survey.answered(turn):  # "5" after a person asked "how did we do?"
        return
    plain = _plain(turn.text)

    if _keyword(turn, plain):
        return
    if claims.before_routing(turn):  # "found it!" closes a claim; "any news on my claim?" is its status
        return
    talked_about.asks_about_the_other(turn)  # "what about the other one?": its status

    if (turn.conversation.handed_off and "handoff" in REGISTRY and not answered_while_waiting(turn)
            and not turn.wrote_at_carrier):  # taken by a person mid-call: the change made is still told (review 9)
        REGISTRY["handoff"].run_step(turn, "with_agent")
        return

    if not turn.text and not turn.message.media:
        turn.say("utter_empty_message")
        return
    if repeat.asks_for_it_again(turn.text) and not _open_step_takes(turn):  # the code step: another code
        repeat.say_it_again(turn)
        return
    if _aside(turn):
        return
    if afterthought.take(turn, made):  # "oops i meant 41 not 14" right after "Done": that change again, corrected
        _after(turn)
        return

    open_flow, step = turn.state.open_flow, turn.state.open_step
    asking = bool(open_flow and step)
    # Decided on the whole message, before it is narrowed: a new request is read as one (its parts queued in
    # order), an answer as an answer (a later request in it waits its turn).
    switching = asking and _is_topic_switch(turn, open_flow)
    reading = requests.read_answer(turn) if asking and not switching else requests.read(turn)
    requests.apply(turn, reading)
    note_proof(turn)
    if asking and (plain in ABANDON or _calls_off(turn)):
        turn.finish()
        turn.say("utter_cancelled")
        return
    if reading.only_declined and (switching or not asking):
        _declined(turn, reading)
        return
    if asking:
        if open_flow == "resume" and switching:
            # A new request instead of "yes, back to it": the parked journey is dropped, not re-parked.
            turn.drop_parked()
            turn.finish()
        elif not switching:
            flow = REGISTRY[open_flow]
            if flow.has_step(step):
                flow.run_step(turn, step)
                _after(turn)
                return
        elif _replaced_by_correction(turn):
            turn.finish()  # replaced, not parked: never offered back (as change._amend does at a confirmation)
        else:
            turn.park()

    if one_tap.maybe_take_offer(turn):
        return
    if turn.nlu.clarify and "clarify" in REGISTRY:
        REGISTRY["clarify"].run_start(turn)
        return

    person_beside.offer_beside_a_change(turn)  # "the driver was rude, can you leave it with number 5": AGENT offered
    intent = turn.nlu.intent
    if turn.message.media and not turn.text:
        intent = "media_only"
    flow = REGISTRY.get(intent) or REGISTRY[OUT_OF_SCOPE]
    flow.run_start(turn)
    _after(turn)


def _open_step_takes(turn: Turn) -> bool:
    """Does the open question take this message for its answer in words of its own (Flow.answers)?"""
    open_flow, step = turn.state.open_flow, turn.state.open_step
    return bool(open_flow and step and open_flow in REGISTRY and REGISTRY[open_flow].recognises(turn, step))


def _replaced_by_correction(turn: Turn) -> bool:
    """ "actually scratch that, put it behind the bins" at the shed's confirmation: a correction asking for the
    open journey's own kind of change, or one that replaces it (unwanted.replaced_by), replaces it. "actually
    where is it now?" is a side-trip: the open journey is parked."""
    if not turn.corrected:
        return False
    stack = turn.state.stack
    kinds = {f.flow for f in stack} | {str((f.slots.get("pending_action") or {}).get("kind") or "") for f in stack}
    wanted = {turn.nlu.intent}
    return bool(kinds & (wanted | unwanted.replaced_by(wanted)))


def _calls_off(turn: Turn) -> bool:
    """ "cancel the address change", "i meant stop that request": the open journey, not an order or a return.
    At "cancel order #100236?" a "yes please cancel it" is the yes (review 11: it called the cancelling off)."""
    found = _CALL_OFF.search(turn.text)
    if found is None or re.search(r"\b(?:order|return|parcel|package)\b", found.group(0), re.I):
        return False
    asked_to_cancel = (turn.state.open_flow, turn.state.open_step) == ("cancel_order", "confirm")
    yes_cancel = found.group(0).lower().startswith("cancel") and not says_no(turn.message.text or "")
    return not (asked_to_cancel and yes_cancel)


def _declined(turn: Turn, reading: requests.Reading) -> None:
    """Only a "not X": say so, and ask what they'd like instead (nothing starts)."""
    intent = reading.declined[0] if reading.declined else turn.nlu.intent
    flow = REGISTRY.get(intent)
    label = f"label_{flow.name}" if flow else ""
    what = turn.render(label) if label and turn.voice.has(label) else intent.replace("_", " ")
    turn.say("utter_declined", what=what)


def _after(turn: Turn) -> None:
    """When the journey this message started (or answered) has ended: the next request the shopper queued,
    else the journey they parked, if it is still wanted; never a second prompt on top of a question."""
    if turn.state.stack or turn.asked:
        return
    if next_queued(turn):
        return
    _offer_parked(turn)


def _keyword(turn: Turn, plain: str) -> bool:
    """STOP, START, HELP and BOT, from anywhere and idempotent. CANCEL opts out only with nothing open (inside a
    journey it is "cancel that"), YES opts in only a number that opted out (otherwise it answers the question)."""
    word = keyword_for(turn.text, turn.nlu.intent)
    open_question = bool(turn.state.open_flow and turn.state.open_step)
    if word is Keyword.CANCEL:
        if open_question or not turn.channel.phone_like:
            return False
        REGISTRY["opt_out_cancel"].run_start(turn)
        return True
    if word is Keyword.OPT_OUT:
        REGISTRY["opt_out"].run_start(turn)
        return True
    if word in (Keyword.OPT_IN, Keyword.YES) and (opted_out(turn) or (word is Keyword.OPT_IN and plain not in ABANDON)):
        REGISTRY["opt_in"].run_start(turn)
        return True
    if word is Keyword.HELP:
        REGISTRY["help_keyword"].run_start(turn)
        return True
    if word is Keyword.BOT and not turn.conversation.handed_off:
        # Already with the assistant: nothing to switch, and never a handoff (the NLU reads "BOT" as "a person").
        if open_question:
            turn.say("utter_already_with_bot_open")
            ask_open_question_again(turn)
        else:
            turn.say("utter_already_with_bot")
        return True
    return False


def _aside(turn: Turn) -> bool:
    """A short question the bot answers itself, or an upset shopper with no clear request: answered here,
    the open question kept (and asked again). A clear request from an upset shopper gets an apology first."""
    top = turn.state.top
    free_text = bool(top and top.step and top.free_text)
    if not free_text and _merchant_wants_a_person(turn):
        return True
    upset = tone.is_upset(turn.text)
    if not free_text and person_beside.asks_for_one(turn):  # "I was IN all morning?? let me talk to someone"
        if upset:
            tone.apologise(turn, person_offered=False)  # they are getting one
        REGISTRY["handoff"].run_start(turn)  # queued as "upset", "complaint" or "shopper asked"
        person_beside.answer_beside(turn)  # "where is my parcel, i want to speak to someone": the status too
        return True
    question = question_in(turn.text)
    answered_here = (
        "faq" if question is not None and not (free_text and question in ABOUT_THE_DRIVER)  # "...call me": a note?
        else "return_question" if not free_text and return_question(turn.text) is not None  # "the return address"
        else "fee_question" if not free_text and _asks_a_fee(turn)  # "whats the fee to change the day"
        else None)
    if question is Question.GENUINE and not free_text and person_beside.asked_beside(turn, GENUINE):
        turn.audit("faq", question.value)  # "is this a scam? i want to cancel": the doubt answered, then the request
        turn.say("utter_faq_genuine")
        return False
    if answered_here is not None:  # a question the bot answers itself: nothing started, the open question kept
        if upset and question is not Question.GENUINE:  # "is this a scam?" doubts the text; it is no complaint
            tone.apologise(turn)
        REGISTRY[answered_here].run_start(turn)
        return True
    if not upset:
        return False
    if free_text or _clear_request(turn):
        tone.apologise(turn)
        return False
    REGISTRY["upset"].run_start(turn)
    return True


def _asks_a_fee(turn: Turn) -> bool:
    """A change's price asked (kit/fees.py); mid-journey only where the parcel in hand is known."""
    if fee_asked(turn.text) is None:
        return False
    return not turn.state.open_step or bool(turn.slots.get("tracking_number"))


def _merchant_wants_a_person(turn: Turn) -> bool:
    """The merchant's handoff rules (settings handoff.*): an upset shopper goes to a person at once; so does
    one whose last N messages in a row the bot couldn't read. Off unless the merchant sets them."""
    config = turn.config
    if config.handoff_when_upset and tone.is_upset(turn.text):
        REGISTRY["handoff"].run_start(turn)  # the handoff journey names the reason "upset"
        return True
    limit = config.handoff_after_misunderstandings
    if limit and turn.nlu.intent == OUT_OF_SCOPE and misunderstood_in_a_row(turn) >= limit:
        hand_off(turn, "misunderstood")
        turn.say("utter_handoff_misunderstood", reply_when=reply_when(turn))
        return True
    return False


def _clear_request(turn: Turn) -> bool:
    nlu = turn.nlu
    if nlu.intent in ANSWER_INTENTS or set(nlu.clarify or ()) & ANSWER_INTENTS:
        return bool(turn.state.open_step)  # the answer to the question we asked ("still not here!!")
    if requests.asks_clearly(turn):  # a complaint, then "anyway can you try again on wednesday"
        return True
    if nlu.clarify:
        return False
    return nlu.intent in REGISTRY and nlu.intent not in NOT_A_REQUEST and nlu.confidence >= SWITCH_CONFIDENCE


def _is_topic_switch(turn: Turn, open_flow: str) -> bool:
    intent, confidence = turn.nlu.intent, turn.nlu.confidence
    if intent in ANSWER_INTENTS or intent == OUT_OF_SCOPE or intent not in REGISTRY:
        return False
    if REGISTRY[intent].name in {f.flow for f in turn.state.stack} or intent in {"greet", "thank_you"}:
        return False  # the journey already under way, asked for again ("where is it?" while we find it)
    if requests.settles_on_a_value(turn):  # "no 12 isnt in so try 14": the last word is a value, an answer
        return False
    if open_flow == "clarify":
        # "Did you mean A or B?" is answered by naming A or B; its step also starts any other clear request.
        return False
    top = turn.state.top
    options = top.question.options if top and top.question else None
    if options and (pick(turn.text, [str(o) for o in options]) is not None
                    or excluding(turn.text, [str(o) for o in options]) is not None):
        # "post office" or "refund please" picks from the list we just sent, and "anything but a refund" rules
        # one out of it: it isn't a new request.
        return False
    if top and top.step and REGISTRY[open_flow].recognises(turn, top.step):
        return False  # the open step knows this for its answer (Flow.answers)
    # A free-text question ("what should the note say?") takes almost anything as its answer.
    needed = 0.85 if top and top.free_text else SWITCH_CONFIDENCE
    return confidence >= needed


def _offer_parked(turn: Turn) -> None:
    """When the side-trip is over, offer to go back to what the shopper was doing, if they may still want it:
    not after they said goodbye or thanks, and not a journey they have since done or said no to."""
    parked = turn.state.parked_flow
    if not turn.state.parked or turn.state.open_flow:
        return
    if turn.nlu.intent in CLOSING or not parked or _no_longer_wanted(turn, parked) or lets_go(turn.message.text):
        turn.drop_parked()
        return
    label = turn.render(f"label_{parked}")
    turn.flow_name = "resume"
    turn.ask("offer", "utter_offer_resume", label=label, choices=YES_NO)


def _no_longer_wanted(turn: Turn, parked: str) -> bool:
    journeys = {f.flow for f in turn.state.parked} | {f.slots.get("pending_action", {}).get("kind")
                                                       for f in turn.state.parked if f.slots.get("pending_action")}
    return bool(journeys & (turn.done | unwanted.replaced_by(turn.done) | unwanted.declined_kinds(turn)))


def _expire_stale_state(turn: Turn) -> None:
    ttl = timedelta(minutes=turn.settings.conversation_ttl_minutes)
    last = turn.last_seen
    if last and turn.now - last > ttl:
        # The open question and any parked journey go stale; a one-tap offer or a handoff note carries
        # its own lifetime and stays.
        turn.finish()
        turn.drop_parked()
        turn.state.queue.clear()
        turn.state.avoid.clear()
        turn.state.mentioned.clear()
