"""Answers to "Reply YES to confirm or NO to leave it as it is", read through the real engine.

A shopper's reply to a confirmation decides whether a change happens, so every form of yes, no and "not sure"
is read the way the shopper meant it, and a message about something else is never taken for a yes: it starts
that request. The table is hand-written in shoppers' own voices (British and US, typos, emoji). Every row runs
at a real confirmation: +447700900123 texts "leave it with number 4", then the reply.

- yes: a one-time code is sent (the change waits for it), nothing is changed yet;
- no: nothing is changed and the shopper is told so, no code;
- maybe (and chat that answers nothing): nothing is changed, no code, the question is asked again;
- a new request: that request is answered or started (its own words in the reply), no code.

One runtime and one seeded database serve the whole module (SQLite, whatever the suite's database: this tests
reading, not storage); between rows the conversation's own records are deleted, so every row starts afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aftersales_kit import talk, text_of
from sqlalchemy import delete, func, select

from backend import models as m
from backend.db import transaction

OWN = "+447700900123"  # PB100000001GB, in transit
ASK = "leave it with number 4"
QUESTION = "Reply YES to confirm"
YES, NO, AGAIN = "yes", "no", "again"

# --- yes ------------------------------------------------------------------------------------------------------
YES_REPLIES = [
    # plain and polite
    "yes", "Yes", "YES", "yes.", "yes!", "yes please", "Yes please, thank you", "yes thanks", "yes thank you",
    "yes pls", "yes plz", "please do", "pls do", "yes carry on", "yes that is fine", "Yes, please go ahead.",
    "yes, that would be great", "yes that's right", "yes confirm", "confirm", "confirmed", "i confirm",
    # British
    "yeah go on then", "go on then", "go on", "ok go on", "aye", "aye go on", "lovely",
    "ok lovely", "brilliant", "cheers, yes", "grand", "champion", "smashing", "spot on",
    "bang on", "sound", "sound mate", "righto", "right you are", "that'd be lovely", "yes love", "yeah that's grand",
    "nice one", "fab", "ta, yes", "go on then ta", "yeah alright",
    # US
    "sure thing", "sure", "sure, go on", "awesome!", "awesome", "sounds good", "sounds great", "sounds perfect",
    "you bet", "for sure", "totally", "absolutely", "definitely", "yes ma'am", "yes sir", "works for me",
    "that works", "that'd be great", "go for it", "go ahead", "go ahead please", "yeah go ahead", "do it",
    "do it please", "ok do that", "yep thats fine", "sweet", "cool", "ok cool", "cool cool", "nice", "great",
    "great stuff", "perfect", "excellent", "wonderful", "alrighty", "aight", "bet",
    "affirmative", "roger that", "will do", "of course", "ofc", "certainly", "why not", "sure why not",
    # hedged but a yes
    "I suppose so", "I guess so", "guess so", "i suppose", "yeah I think so", "I think so yeah", "fine",
    "fine by me", "that's fine", "ok fine", "happy with that", "i'm happy with that", "ya i do", "yes i do", "i do",
    # casual, short and typed fast
    "yeah", "yeahh", "yeahhh", "yea", "yea sure", "yeh", "yep", "yep please", "yup", "yuppp", "yip", "ye", "ya",
    "ya sure", "yah", "yas", "yaaas", "yus", "yesh", "yess", "yesss!!", "yess please", "yse", "yws", "yez",
    "yes pleaae", "yes pleasw", "ok", "OK", "okay", "okey dokey", "okie dokie", "oky", "okk", "okat", "k", "kk",
    "alright", "ok great", "ok perfect", "yeah ok", "yeah fine", "yes yes", "yep yep", "100%",
    # the proposal named back
    "yes, number 4 is fine", "yeah number 4 is good", "yes she'll take it", "yes leave it with them",
    # emoji alone and with words
    "👍", "👍🏽", "👍🏻👍🏻", "👌", "👌🏼", "✅", "✔️", "☑️", "🙌", "💯", "🆗", "👍 thanks", "yes 👍", "ok 👌",
    "yep ✅", "😊 yes", "sounds good 👍", "perfect 👌", "yes please 🙏",
]

# --- no -------------------------------------------------------------------------------------------------------
NO_REPLIES = [
    "no", "No", "NO", "no.", "no!", "no thanks", "No, thank you.", "no thank you", "no ta", "nah ta", "no cheers",
    "nope", "nope ta", "nopee", "nah", "nahh", "na", "naw", "nay", "noo", "nooo", "noooo", "n", "no no",
    "nah leave it", "dont bother", "don't bother thanks", "scrap that", "scratch that", "nah mate",
    "nah you're alright", "nah i'm good", "no i'm good", "no don't", "don't", "dont", "please don't", "do not",
    "don't do that", "no, leave it as it is", "leave it as it is", "leave it", "leave it thanks",
    "nah, leave it as is", "keep it as it is", "keep it the same", "leave things as they are", "no change",
    "no changes please", "don't change anything", "never mind", "nevermind", "forget it", "no forget it",
    "changed my mind", "i've changed my mind", "actually no", "on second thoughts, no", "not really", "no need",
    "no need thanks", "not needed", "negative", "absolutely not", "definitely not", "no way", "hell no",
    "nope nope", "no sorry", "sorry no", "not now", "nah not now", "i'd rather not", "rather not",
    "I don't think so", "dont think so", "no i dont want that", "i don't want that", "cancel that", "skip it",
    "i'll pass", "pass",
    # emoji alone and with words
    "👎", "👎🏼", "❌", "🙅", "🙅‍♀️", "🙅🏻‍♂️", "🚫", "✖️", "no 👎", "👎 no thanks", "nah ❌", "nope 🙅",
]

# --- maybe, and chat that answers nothing: asked again, nothing changes ------------------------------------------
AGAIN_REPLIES = [
    "maybe", "Maybe?", "hmm not sure", "maybe later", "not sure", "i'm not sure", "im not sure yet",
    "not sure tbh", "dunno", "i dont know", "idk", "let me think", "let me think about it",
    "i'll think about it", "give me a minute", "hang on", "hold on a sec", "one sec", "wait a sec", "perhaps",
    "possibly", "might do", "maybe, not sure", "can't decide", "undecided", "erm", "hmm", "umm", "could be",
    "50/50", "let me check with my partner first", "i need to ask my husband", "let me get back to you",
    "ask me later", "🤷", "🤷‍♂️", "🤷🏽‍♀️", "🤔", "maybe 🤷", "hmm 🤔",
    "hello", "what's the weather like", "lol", "is there a charge for this?",
]

# --- a new request: that request starts (its words in the reply), never a yes -----------------------------------
NEW_REQUESTS = [
    ("where is it", "on the way"),
    ("where's my parcel now?", "on the way"),
    ("when will it arrive", "Expected"),
    ("what time will the driver come", "Expected"),
    ("can you leave it with number 4 instead", "with number 4"),
    ("actually leave it with number 8", "with number 8"),
    ("leave it with the lady at 12 instead", "12"),
    ("can you leave it in the porch instead", "in the porch"),
    ("just put it in the shed", "shed"),
    ("what's your return policy", "within 30 days"),
    ("I want to return it", "RETURN"),
    ("can I change the delivery day", "slot"),
    ("can it come on friday instead", "slot"),
    ("cancel my order", "cancel"),
    ("can i talk to a real person", "passed this to"),
    ("STOP", "unsubscribed"),
    ("can I see a photo", "proof of delivery"),
    ("i need to change my address", "new address"),
    ("can you hold it at the depot", "hold it"),
    ("send it to a locker instead", "pickup points"),
    ("tell the driver the gate code is 1234", "note"),
    ("where's my refund", "return, claim or cancellation"),
    ("it's damaged", "damaged"),
    ("what's the status of purchase 5512", "on the way"),
    ("can u help me track purchase 5512", "on the way"),
]

# A thanks with a yes: a yes at a question, but a thank-you on its own, which is all the NLU can see; the
# confirmation reads it through answers.yes_or_no, which has the question's context.
THANKS_WITH_A_YES = ["ok thanks", "ok ta", "perfect thanks", "lovely thanks", "brilliant ta"]

TABLE = (
    [(text, YES) for text in YES_REPLIES]
    + [(text, NO) for text in NO_REPLIES]
    + [(text, AGAIN) for text in AGAIN_REPLIES]
    + NEW_REQUESTS
)
# The conversation's own records: deleted between rows (children first), so each row starts afresh.
_PER_ROW = ("messages", "one_time_codes", "audit_log", "delivery_changes", "pending_requests", "conversations",
            "contacts")


# The same readings through answers.confirmed() (cancel_order, start_return, report_damaged): the delivered
# parcel's "cancel my order" is refused and "Would you like to start a return instead? Reply YES or NO." asked.
DELIVERED = "+447700900789"
CONTEXT = (
    [(text, YES) for text in [*THANKS_WITH_A_YES, "great thanks so much", "lovely, thank you", "please", "yes",
                              "I suppose so", "ya i do", "👍", "yse"]]
    + [(text, NO) for text in ["no thanks", "nah ta", "no", "👎", "🙅", "nah leave it"]]
    + [(text, AGAIN) for text in ["maybe", "not sure", "i don't know", "🤷", "hmm 🤔", "cheers", "let me think"]]
)
_OFFER = {YES: "Why are you sending it back?", NO: "stays as it is", AGAIN: "Reply YES or NO"}


def test_the_table_is_large_and_has_no_duplicates() -> None:
    texts = [text for text, _ in TABLE] + THANKS_WITH_A_YES
    assert len(texts) >= 200
    assert len(set(texts)) == len(texts), sorted({t for t in texts if texts.count(t) > 1})


@pytest.fixture(scope="module")
def confirming(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path, interpreter) -> Iterator:  # noqa: ANN001
    import shutil

    from bot.config import Settings
    from bot.runtime import build_runtime
    from bot.services.demo import seed_demo
    from tests.conftest import PUBLIC_URL, TWILIO_TOKEN

    root = tmp_path_factory.mktemp("confirmation")
    shutil.copy(_sqlite_template, root / "parcelbot.db")
    settings = Settings.from_env({
        "PARCELBOT_DATA_DIR": str(root / "data"), "DATABASE_URL": f"sqlite:///{root / 'parcelbot.db'}",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "PARCELBOT_SECRET_KEY": "test-secret-key",
        "PARCELBOT_PUBLIC_URL": PUBLIC_URL,
    })
    runtime = build_runtime(settings, interpreter=interpreter, synchronous_jobs=True)
    with transaction(runtime.sessions) as session:
        seed_demo(session)
    yield runtime
    runtime.db.dispose()


def _fresh(runtime) -> None:  # noqa: ANN001
    tables = {t.name: t for t in m.Base.metadata.sorted_tables}
    with transaction(runtime.sessions) as session:
        for name in _PER_ROW:
            session.execute(delete(tables[name]))


def _count(runtime, model) -> int:  # noqa: ANN001
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("reply", "expected"), [
    *(pytest.param(t, e, id=f"{e[:5]}:{t}") for t, e in TABLE),
    *(pytest.param(t, YES, id=f"yes:{t}") for t in THANKS_WITH_A_YES),
])
def test_reply_at_a_confirmation(confirming, reply: str, expected: str) -> None:  # noqa: ANN001
    _fresh(confirming)
    asked = text_of(talk(confirming, OWN, ASK))
    assert QUESTION in asked and "number 4" in asked  # the confirmation is open
    answer = text_of(talk(confirming, OWN, reply))
    codes = _count(confirming, m.OneTimeCode)
    assert _count(confirming, m.DeliveryChange) == 0  # nothing is changed before a code, whatever the reply
    if expected == YES:
        assert codes == 1 and "code" in answer, answer
        return
    assert codes == 0, f"{reply!r} was taken for a yes: {answer}"
    if expected == NO:
        assert "haven't changed anything" in answer or "nothing was changed" in answer, answer
    elif expected == AGAIN:
        assert QUESTION in answer and "haven't changed" not in answer, answer
    else:
        assert expected in answer and "haven't changed" not in answer, answer


@pytest.mark.parametrize(("reply", "expected"), CONTEXT, ids=[f"{e}:{t}" for t, e in CONTEXT])
def test_reply_read_by_yes_or_no(confirming, reply: str, expected: str) -> None:  # noqa: ANN001
    _fresh(confirming)
    offered = text_of(talk(confirming, DELIVERED, "cancel my order"))
    assert _OFFER[AGAIN] in offered  # the yes/no question is open
    answer = text_of(talk(confirming, DELIVERED, reply))
    assert _OFFER[expected] in answer, answer
    assert all(text not in answer for key, text in _OFFER.items() if key != expected), answer
