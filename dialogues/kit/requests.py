"""Reading a message the way shoppers write: two requests at once, and "not X" beside (or instead of) a request.

The engine hands the Turn each part of a message parsed on its own (intents/discourse.py). Before anything
starts, the router reads them here:
- a part that says what the shopper does NOT want ("i dont want a pickup point", "not piccadilly") never starts
  it: its intent and words go into the conversation's `avoid` list, which suggestions and lists respect
  (kit/unwanted.py reads it back);
- the first wanted request is handled now, on the message with the other requests and the refusals blanked out
  (so their words don't leak into it); each further request waits in the conversation's queue and starts, with
  a word about it, as soon as the journey before it ends (one code can cover both: a proof lasts 15 minutes).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dialogues.base import REGISTRY, Flow, Turn
from dialogues.kit.driver_text import code_left_behind
from dialogues.kit.value_owner import journey_of
from intents.discourse import asks, excluded, is_negated, is_reason, only_narrows
from intents.types import ParsedClause, ParseResult

# Intents that are answers or small talk, not requests: they never queue and are never "declined".
NOT_REQUESTS = frozenset({"affirm", "deny", "inform", "greet", "goodbye", "thank_you", "out_of_scope", "help",
                          "opt_out", "talk_to_human"})
REQUEST_CONFIDENCE = 0.5
OWN_REQUEST_CONFIDENCE = 0.8
# A part beside others that asks and names its journey's value ("...and can the socks go to number 2") is that
# request at a lower confidence: the NLU reads a short part less surely, and the value backs its guess.
VALUED_REQUEST_CONFIDENCE = 0.4
# While a question is open the message is first of all its answer: only a part that is clearly another request
# (as sure as a topic switch during a free-text question) is split off and queued.
ANSWER_SPLIT_CONFIDENCE = 0.85
MAX_QUEUED = 3
STATUS = "where_is_my_order"


@dataclass(frozen=True)
class Reading:
    declined: tuple[str, ...] = ()  # intents the shopper said no to, in this message
    primary: ParsedClause | None = None  # the request to handle now, when the message has several parts
    others: tuple[ParsedClause, ...] = ()  # further requests, for the queue
    only_declined: bool = False  # the message says what they don't want, and asks for nothing else
    superseded: tuple[ParsedClause, ...] = ()  # parts a later correction replaced ("with reception, no wait")
    settled: ParsedClause | None = None  # the last correcting part: what the shopper settled on
    # parts read as another request, but less surely than the ones asked for beside them: a complaint before the
    # request ("i was in all day yesterday and nobody knocked. anyway can you try again on wednesday"), whose
    # words (that "yesterday") are not the request's
    told: tuple[ParsedClause, ...] = ()


def _flow_of(intent: str) -> str | None:
    flow = REGISTRY.get(intent)
    return flow.name if flow is not None else None


def _refused(parse: ParseResult) -> ParseResult:
    """What a "not X" refuses: X, also where the classifier read the words as a plain answer ("I'd rather you
    didn't leave it outside": a "deny" that refuses a safe place, `ParseResult.refuses`)."""
    if parse.refuses is None:
        return parse
    return dataclasses.replace(parse, intent=parse.refuses, confidence=max(parse.confidence, REQUEST_CONFIDENCE))


def _is_request(parse: ParseResult) -> bool:
    return (parse.intent not in NOT_REQUESTS and parse.intent in REGISTRY
            and parse.confidence >= REQUEST_CONFIDENCE)


def _corrections(parts: tuple[ParsedClause, ...]) -> tuple[list[ParsedClause], dict[int, ParsedClause]]:
    """The parts still standing after corrections, and the parts they replaced (by the replacing part's
    index). A correction replaces the part before it when its words leave no doubt ("no wait", "i meant"), or
    when it is a bare value ("make it number 8") or asks for the same thing; "where is it? actually, can you
    leave it in the porch" is two requests."""
    replaced: dict[int, ParsedClause] = {}
    for i, part in enumerate(parts):
        if i == 0 or not part.corrects:
            continue
        before = parts[i - 1]
        if (part.strong or not _is_request(part.parse) or not _is_request(before.parse)
                or _flow_of(part.parse.intent) == _flow_of(before.parse.intent)):
            replaced[i] = before
    gone = {id(p) for p in replaced.values()}
    return [p for p in parts if id(p) not in gone], replaced


def _valued_request(part: ParsedClause) -> bool:
    parse = part.parse
    return (parse.intent not in NOT_REQUESTS and parse.confidence >= VALUED_REQUEST_CONFIDENCE
            and _carries_its_values(part))


def _carries_its_values(part: ParsedClause) -> bool:
    """A less sure part that asks, and names what its journey needs ("and can it go in the porch if nobody
    answers": a safe place), is still a request of its own: the value backs up the guess. One that only tells
    ("the neighbour had it") is not."""
    flow = REGISTRY.get(part.parse.intent)
    return (flow is not None and asks(part.text)
            and any(part.parse.entity(name) for name in flow.values))


def _reports(part: ParsedClause) -> bool:
    """A part that surely reports a problem its journey handles ("it says delivered but i cant find it")."""
    flow = REGISTRY.get(part.parse.intent)
    return flow is not None and flow.reported and part.parse.confidence >= OWN_REQUEST_CONFIDENCE


def _as_request(part: ParsedClause, replaced: ParsedClause | None) -> ParsedClause:
    """A bare value after a correction ("..., sorry i mean the garage") asks for what the part it replaced
    asked for; after a "not X" ("not the neighbour! the porch") for the journey its value belongs to (the
    refused request is never the one taken up)."""
    if replaced is not None and replaced.negated and _refused_value(part, replaced):
        # "never leave it round the back, front door only", "dont leave it with 12, number 14": the value
        # wanted instead of the refused one, for the journey that was refused (whatever the part reads as)
        parse = dataclasses.replace(part.parse, intent=_refused(replaced.parse).intent,
                                    confidence=max(part.parse.confidence, OWN_REQUEST_CONFIDENCE))
        return dataclasses.replace(part, parse=parse)
    if _is_request(part.parse) or replaced is None:
        return part
    if not replaced.negated and not _is_request(replaced.parse):
        replaced = _bare_switch(part, replaced)
    if replaced.negated:
        flow = _valued(part)
        if flow is None:
            return part
        parse = dataclasses.replace(part.parse, intent=flow.name, confidence=max(part.parse.confidence,
                                                                                 OWN_REQUEST_CONFIDENCE))
        return dataclasses.replace(part, parse=parse)
    if not _is_request(replaced.parse):
        return part
    # "leave it with the neighbour, actually no, the porch": a value only another journey takes is that journey's
    # (it had asked "Which neighbour?"); "make it number 8" (a neighbour or an address) stays the replaced request's
    own, before = _valued(part), REGISTRY.get(replaced.parse.intent)
    if own is not None and before is not None and not set(before.values) & {e.entity for e in part.parse.entities}:
        replaced = dataclasses.replace(replaced, parse=dataclasses.replace(replaced.parse, intent=own.name))
    parse = dataclasses.replace(part.parse, intent=replaced.parse.intent, confidence=replaced.parse.confidence)
    return dataclasses.replace(part, parse=parse)


def _refused_value(part: ParsedClause, refusal: ParsedClause) -> bool:
    """Does this part name the same kind of value the refusal before it refused ("not at the back" then "the
    front porch": both safe places), for a journey that takes that value?"""
    refused = _refused(refusal.parse)
    flow = REGISTRY.get(refused.intent)
    if flow is None or not _is_request(refused):
        return False
    names = {e.entity for e in part.parse.entities} & set(flow.values)
    return bool(names & {e.entity for e in refused.entities})


def _valued(part: ParsedClause) -> Flow | None:
    """The one journey whose values this part names ("the porch": a safe place), or None (kit/value_owner.py)."""
    return journey_of(part)


def _bare_switch(part: ParsedClause, replaced: ParsedClause) -> ParsedClause:
    """ "in the porch, actually no, with number 8": a bare value corrected to a value of another journey. The
    first value says which journey it was (a safe place), the correction switches to the second's (a neighbour),
    value and all (it had been neither: the help text). A correction to a value of the same kind ("the shed, no
    wait, the garage") is left as it was: the answer to an open question."""
    first, then = _valued(replaced), _valued(part)
    if first is None or then is None or first.name == then.name:
        return replaced
    parse = dataclasses.replace(replaced.parse, intent=first.name,
                                confidence=max(replaced.parse.confidence, OWN_REQUEST_CONFIDENCE))
    return dataclasses.replace(replaced, parse=parse)


def _negated_request(parse: ParseResult) -> bool:
    """A "not X" that refuses X itself. "dont want it delivered tomorrow" refuses the day, not a new day: a
    negated request naming the day or time its journey asks for is that request with the day ruled out
    (kit/when_wanted.py reads which day)."""
    flow = REGISTRY.get(parse.intent)
    if flow is None or parse.intent in NOT_REQUESTS:
        return False
    return not ({"date", "time_window"} & set(flow.values) & {e.entity for e in parse.entities})


def read(turn: Turn) -> Reading:
    nlu = turn.nlu
    if not turn.clauses:
        # Whatever the confidence the journey would start at, a "not X" never starts X ("don't leave it outside")
        refused = _refused(nlu)
        if is_negated(turn.text) and _negated_request(refused) and not only_narrows(turn.text):
            return Reading(declined=(refused.intent,), only_declined=True)
        return Reading()
    live, replaced = _corrections(turn.clauses)
    settled = _settled(turn.clauses, replaced)
    live = [_beside_refusal(_as_request(c, replaced.get(turn.clauses.index(c))), turn.clauses) for c in live]
    declined = _declined(list(turn.clauses), live)
    wanted: list[ParsedClause] = []
    for clause in live:
        if (clause.negated and _negated_request(clause.parse)) or clause.parse.intent in declined \
                or not (_is_request(clause.parse) or _valued_request(clause)):
            continue
        if _flow_of(clause.parse.intent) not in {_flow_of(w.parse.intent) for w in wanted}:
            wanted.append(clause)
    # A part is a request of its own only when it is clearly one, or is what the whole message asks: "I'm away
    # tomorrow. Can I pick a different day?" is one request with its reason, not a hold and a new day.
    # A reason beside a request ("im at work all week, can u change the address?") is no request of its own.
    # A part that only tells ("it turned up, the neighbour had it") is no request beside the message's own.
    # A report ("it says delivered but i cant find it, can you send me the photo") asks by telling: sure, it is one.
    # A story read as the status ("I was not at home when the driver came") beside a part that clearly asks
    # ("Please deliver again tomorrow") is told, not asked, even where the whole message read as the status (a
    # letter's "Dear Sir/Madam" and "Yours faithfully" tip it): review 12.
    asked = [w for w in wanted if asks(w.text) and w.parse.confidence >= OWN_REQUEST_CONFIDENCE]
    sure = [w for w in wanted if (w.parse.intent == nlu.intent and not _story_beside(w, asked) or _reports(w)
                                  or asks(w.text) and (w.parse.confidence >= OWN_REQUEST_CONFIDENCE
                                                       or _carries_its_values(w))) and not is_reason(w.text)]
    sure += [w for w in wanted if sure and w not in sure and code_left_behind(w.text, w.parse.intent,
                                                                             sure[0].parse.intent)]
    told = tuple(w for w in wanted if sure and w not in sure and not is_reason(w.text)
                 and _flow_of(w.parse.intent) != _flow_of(sure[0].parse.intent))
    wanted = sure or wanted[:1]
    superseded = tuple(replaced.values())
    if not wanted:
        return Reading(declined=declined, only_declined=bool(declined) and _refused(nlu).intent in declined,
                       superseded=superseded, settled=settled)
    return Reading(declined=declined, primary=wanted[0], others=tuple(wanted[1:]), superseded=superseded,
                   settled=settled, told=told)


def _story_beside(part: ParsedClause, asked: list[ParsedClause]) -> bool:
    """A status part that asks nothing, beside another that asks for something else."""
    return (part.parse.intent == STATUS and not asks(part.text)
            and any(_flow_of(a.parse.intent) != _flow_of(STATUS) for a in asked))


def asks_clearly(turn: Turn) -> bool:
    """Does a part of this message clearly ask for something ("right so i was in all day and nobody knocked...
    anyway can you try again on wednesday"), however the whole of it reads? A long complaint blurs the whole."""
    return any(not c.negated and _is_request(c.parse) and c.parse.intent not in _SMALL_TALK and asks(c.text)
               and c.parse.confidence >= OWN_REQUEST_CONFIDENCE and not is_reason(c.text) for c in turn.clauses)


_SMALL_TALK = frozenset({"greet", "goodbye", "thank_you", "help"})


def _declined(parts: list[ParsedClause], live: list[ParsedClause] | None = None) -> tuple[str, ...]:
    """What the shopper said no to. "A pickup point, but not the locker" narrows a request (its words are ruled
    out); it does not decline it, and nor does "never leave it at the back, front porch only" (the value after
    the refusal asks for the same journey: `live` are the parts read as requests, corrections taken up)."""
    asked = {c.parse.intent for c in (live if live is not None else parts) if not c.negated and _is_request(c.parse)}
    refused = [_refused(c.parse) for c in parts if c.negated]
    return tuple(dict.fromkeys(p.intent for p in refused if _is_request(p) and _negated_request(p)
                               and p.intent not in asked))


def _settled(parts: tuple[ParsedClause, ...], replaced: dict[int, ParsedClause]) -> ParsedClause | None:
    last = max(replaced, default=None)
    if last is None:  # "actually no, make it number 8"; "sorry i meant number 14 not 12"
        return _beside_refusal(parts[0], parts) if parts[0].corrects and all(p.negated for p in parts[1:]) else None
    return _beside_refusal(_as_request(parts[last], replaced[last]), parts)


def _beside_refusal(part: ParsedClause, parts: tuple[ParsedClause, ...]) -> ParsedClause:
    """ "actually the side door, not the porch": a part naming the same kind of value as a "not X" beside it is
    a request of that value's journey (the refused one's, else the one the value belongs to), whatever its words
    read as alone (here a note for the driver)."""
    kinds = {e.entity for e in part.parse.entities}
    for other in parts:
        if other is part or not other.negated or not kinds & {e.entity for e in other.parse.entities}:
            continue
        refused = _refused(other.parse)
        flow = REGISTRY.get(refused.intent) if _is_request(refused) else None
        flow = flow if flow is not None and kinds & set(flow.values) else _valued(part)
        if flow is None or flow.name == part.parse.intent:
            return part
        parse = dataclasses.replace(part.parse, intent=flow.name,
                                    confidence=max(part.parse.confidence, OWN_REQUEST_CONFIDENCE))
        return dataclasses.replace(part, parse=parse)
    return part


def settles_on_a_value(turn: Turn) -> bool:
    """ "no 12 isnt in so try 14": the message corrects itself to a bare value, whatever the whole of it reads
    as. While a question is open that is its answer (or the proposal's amend), not a new request."""
    if not turn.clauses:
        return False
    settled = _settled(turn.clauses, _corrections(turn.clauses)[1])
    return settled is not None and not _is_request(settled.parse)


def read_answer(turn: Turn) -> Reading:
    """A message while a question is open: the answer stays whole (less what a correction replaced), but a
    later part that is clearly another request waits in the queue, and a "not X" is noted."""
    nlu = turn.nlu
    if not turn.clauses:
        refused = _refused(nlu)
        negated = is_negated(turn.text) and _is_request(refused) and _negated_request(refused)
        return Reading(declined=(refused.intent,) if negated else ())
    live, replaced = _corrections(turn.clauses)
    settled = _settled(turn.clauses, replaced)
    declined = _declined(list(turn.clauses), [_as_request(c, replaced.get(turn.clauses.index(c))) for c in live])
    open_flows = {f.flow for f in turn.state.stack}
    others = tuple(
        c for c in live[1:]
        if not c.negated and _is_request(c.parse) and _clearly_another(c)
        and _flow_of(c.parse.intent) not in open_flows and c is not settled and not c.corrects
    )
    return Reading(declined=declined, others=others, superseded=tuple(replaced.values()), settled=settled)


def _clearly_another(part: ParsedClause) -> bool:
    """A later part of an answer that is clearly a request of its own: read surely, or asking and naming its own
    journey's value ("123456 pls make it thursday": a day), which backs a less sure reading."""
    confidence = part.parse.confidence
    return confidence >= ANSWER_SPLIT_CONFIDENCE or (confidence >= OWN_REQUEST_CONFIDENCE
                                                     and _carries_its_values(part))


def apply(turn: Turn, reading: Reading) -> None:
    """Note what was declined; narrow the turn to its first request (and to the last word, after a
    correction); queue the others."""
    state = turn.state
    for intent in reading.declined:
        if intent not in state.avoid:
            state.avoid.append(intent)
    for words in excluded(turn.text):
        if words not in state.avoid:
            state.avoid.append(words)
    if not turn.clauses:
        return
    # A "not X" beside something else is never read as the answer or the request ("is there one nearer? not
    # piccadilly" does not pick Piccadilly); alone, it is the whole message and stays.
    wanted = any(not c.negated for c in turn.clauses)
    blank = [(c.start, c.end) for c in turn.clauses if c is not reading.primary and (
        c in reading.others or c in reading.told or (c.negated and wanted))]
    if reading.settled is not None:  # everything before the last word: the replaced words and the "no wait"
        blank.append((0, reading.settled.start))
        blank.append((reading.settled.end, len(turn.text)))
        turn.corrected = True
    blank = _minus(blank, _refused_days(turn, reading))
    text = turn.text
    for start, end in blank:
        text = text[:start] + " " * (end - start) + text[end:]
    entities = [e for e in turn.nlu.entities if not any(a <= e.start < b for a, b in blank)
                or e.entity in _KEPT_ENTITIES]
    chosen = reading.primary or reading.settled
    if chosen is not None:  # what the part itself names, where the whole message read it across a pause
        entities = _with_own(entities, chosen)
    if reading.primary is not None:
        entities = _own_value_wins(entities, reading.primary, turn.clauses, _refused_days(turn, reading))
    turn.nlu = dataclasses.replace(turn.nlu, text=text, entities=entities)
    if chosen is not None:
        parse = chosen.parse
        turn.nlu = dataclasses.replace(turn.nlu, intent=parse.intent, confidence=parse.confidence, clarify=None)
    turn.text = text
    for other in reading.others:
        if len(state.queue) < MAX_QUEUED:
            state.queue.append(other.parse.to_saved())


def _with_own(entities: list, part: ParsedClause) -> list:  # noqa: ANN001 - intents.types.Entity
    """The message's entities, plus those the part read on its own where none of the message's covers them
    ("dont put it in the bin store - behind the side gate": one safe place across the pause, read whole)."""
    own = [dataclasses.replace(e, start=e.start + part.start, end=e.end + part.start) for e in part.parse.entities]
    added = [e for e in own if not any(k.start < e.end and e.start < k.end for k in entities)]
    return sorted(entities + added, key=lambda e: e.start) if added else entities


# A story's days ("i was in all day yesterday") are what a complaint tells, where a request's own day is what it asks.
_TOLD_DAYS = frozenset({"date", "time_window"})


def _own_value_wins(entities: list, part: ParsedClause, parts: tuple[ParsedClause, ...],  # noqa: ANN001
                    kept: list[tuple[int, int]]) -> list:  # noqa: ANN001
    """Where the request's own part names a day or a time, a day or time in a part about something else (a request
    of another journey, not a correction) is not the request's: "i was in all day yesterday and nobody knocked...
    anyway can you try again on wednesday" is about Wednesday, however surely the complaint reads as a request of
    its own (it read "yesterday" when the classifier was less sure of the complaint). A part read as the same
    request keeps its days ("not home tomorrow - could you bring it friday"); refused days ("not monday") stay."""
    kinds = {e.entity for e in part.parse.entities} & _TOLD_DAYS
    own_flow = _flow_of(part.parse.intent)
    elsewhere = [(c.start, c.end) for c in parts if c is not part and not c.negated and not c.corrects
                 and c.parse.intent not in NOT_REQUESTS and _flow_of(c.parse.intent) not in (None, own_flow)]
    if not kinds or not elsewhere:
        return entities
    return [e for e in entities if e.entity not in kinds or not any(a <= e.start < b for a, b in elsewhere)
            or any(a <= e.start < b for a, b in kept)]


def _refused_days(turn: Turn, reading: Reading) -> list[tuple[int, int]]:
    """The "not monday" parts of a message whose request asks for a day: kept, words and all, for
    kit/when_wanted.py to read as the days ruled out ("next week sometime, not monday")."""
    chosen = reading.primary or reading.settled
    flow = REGISTRY.get(chosen.parse.intent if chosen is not None else turn.nlu.intent)
    if flow is None or not {"date", "time_window"} & set(flow.values):
        return []
    return [(c.start, c.end) for c in turn.clauses
            if c.negated and any(e.entity in ("date", "time_window") for e in c.parse.entities)]


def _minus(spans: list[tuple[int, int]], kept: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans less the kept ones (both as [start, end) offsets into the message)."""
    for k_start, k_end in kept:
        cut: list[tuple[int, int]] = []
        for start, end in spans:
            if end <= k_start or start >= k_end:
                cut.append((start, end))
                continue
            if start < k_start:
                cut.append((start, k_start))
            if end > k_end:
                cut.append((k_end, end))
        spans = cut
    return spans


# A number given before a correction still stands: "PB123, leave it with 6, no wait, 8" is about PB123.
_KEPT_ENTITIES = frozenset({"tracking_number", "order_number"})
