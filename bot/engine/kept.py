"""What a message that waited out a database outage is told: at the door, and when it is finally run.

At the door (the database is away): the default wording only, since the merchant's own is in the database. When
the kept message is replayed (bot/jobs/replay_kept.py): acted on, or, if the shopper has moved on or it is too old
(bot/core/spool.py too_late), told so instead of starting something they no longer expect.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.inbound import written_since
from bot.core.merchant_config import MerchantConfig
from bot.core.messages import InboundMessage, clean_text
from bot.core.spool import sent_when, too_late
from bot.core.wording import Wording
from bot.engine.understanding import KEYWORD_INTENTS
from dialogues.kit.keywords import Keyword, keyword_in
from intents.types import ParseResult

# Words that change whether we may text someone: a later one of these overrides a kept STOP.
_OPT_WORDS = frozenset({Keyword.OPT_OUT, Keyword.OPT_IN})


def outage_reply(wording: Wording, message: InboundMessage, kept: bool, fallback: str) -> str:
    """A kept STOP is confirmed as such (it is recorded on replay, and a shopper who opts out must not be told
    they'll get a text); a kept message is promised a text; anything else is asked to send it again."""
    stop = kept and keyword_in(clean_text(message.text)) == Keyword.OPT_OUT
    key = "utter_store_down_opted_out" if stop else "utter_store_down_kept" if kept else "utter_store_down"
    try:
        return str(wording.render(key, merchant=None, channel=message.channel))
    except Exception:  # noqa: BLE001 - never silence
        return fallback


def not_acted_on(session: Session, conversation_id: int, text: str, nlu: ParseResult | None, kept_at: datetime,
                 now: datetime) -> bool:  # fmt: skip
    """A kept message too late to act on (bot/core/spool.py too_late). A kept opt-out is the exception (STOP, or
    "please stop texting me" as the NLU reads it): the shopper asked for no more texts, so it is acted on
    however late, unless they have since sent STOP or START themselves (their latest word on it wins)."""
    if keyword_in(text) == Keyword.OPT_OUT or (nlu is not None and nlu.intent == KEYWORD_INTENTS[Keyword.OPT_OUT]):
        return any(keyword_in(later) in _OPT_WORDS for later in written_since(session, conversation_id, kept_at))
    return too_late(kept_at, now, lambda: bool(written_since(session, conversation_id, kept_at, limit=1)))


def too_late_reply(wording: Wording, merchant: object, zone: str, kept_at: datetime, channel: str, now: datetime,
                   sent: bool) -> str:  # fmt: skip
    """`sent`: the change this message confirmed went to the carrier before the database went (review: it was
    told "nothing has been done with it", then texted "Confirmed")."""
    key = "utter_kept_too_late_change_sent" if sent else "utter_kept_too_late"
    config = merchant if isinstance(merchant, MerchantConfig) else MerchantConfig.of(merchant)
    when = sent_when(kept_at, now, zone, config.region)
    return str(wording.render(key, merchant=config, channel=channel, when=when))
