"""Reading a postcode out of a shopper's message: which one is the proof of whose parcel it is, and which one is
only where to ("near M2 5DB", "to 5 High St, M2 5DB"). Split from identify so the sub-flow reads as steps."""

from __future__ import annotations

import re

from dialogues.base import Turn


def postcode_key(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())


_POSTAL_SHAPE = re.compile(r"(?=[A-Za-z0-9 -]*\d)[A-Za-z0-9]{2,5}(?:[ -]?[A-Za-z0-9]{2,4})?")


# Words that may come with a number and its postcode without making the postcode anything but the proof.
_FILLER = frozenset({
    "where", "wheres", "is", "my", "the", "its", "it", "and", "hi", "hello", "please", "pls", "thanks", "track",
    "parcel", "package", "order", "tracking", "number", "ref", "reference", "postcode", "post", "postal", "code",
    "pc", "zip", "zipcode", "eircode", "plz",
})  # fmt: skip


# "postcode M1 4BT", "post code: M1 4BT", "zip is 94105" just before it, or "M1 4BT is my postcode" after.
_CUE_BEFORE = re.compile(r"\b(?:post\s*code|postal\s*code|zip\s*code|zip|pc|eircode|plz)\s*(?:is|was|[:=-])?\s*$", re.I)


_CUE_AFTER = re.compile(r"\s*(?:is|was)\s+(?:my|the)\s+(?:post\s*code|postal\s*code|zip\s*code|zip|eircode)\b", re.I)


# "to my new postcode M2 5DB", "send it to the postcode M2 5DB": where to, not whose.
_NOT_MINE = frozenset({"new", "different", "another", "other", "to", "near"})


def postcode_given(turn: Turn, *, with_number: bool = False) -> str | None:
    """The postcode (or, for US merchants, the ZIP) in this message, if there is one: only that is a guess.

    Never the number itself (asked for a reference, "100232" is no postcode even where postcodes look like
    that). With the number in the same message the postcode is the proof only if the message is little
    else ("PB123 M1 4BT", "where is PB123, my postcode is M1 4BT") or says so ("postcode M1 4BT"): in
    "deliver PB123 to 5 High St, M2 5DB" it is where to, not a guess, and is neither checked nor counted.
    """
    skip = _reference_spans(turn)
    found = _postcode_span(turn, skip, with_number)
    if found is None:
        return None
    value, start, end = found
    reference = postcode_key(turn.slots.get("reference") or "")
    if reference and postcode_key(value) == reference:
        return None
    if with_number and not (_cued(turn.text, start, end) or _only_filler(turn.text, [*skip, (start, end)])
                            or _proof_beside_a_request(turn, start)):
        return None
    return value


def _proof_beside_a_request(turn: Turn, start: int) -> bool:
    """ "PB123 M1 4BT leave it with number 16": beside a request, a postcode that comes straight after the number
    is the proof. Where it is where to ("near M2 5DB", "to 10 Downing Street, London SW1A 2AA", any address or
    pickup change) it is not: it is neither checked nor counted."""
    if {"change_delivery_address", "deliver_to_pickup_point"} & {turn.nlu.intent, *(f.flow for f in turn.state.stack)}:
        return False
    between = turn.text[:start]
    for span in _reference_spans(turn):
        if span[1] <= start:
            between = turn.text[span[1]:start]
    words = [w for w in re.findall(r"[a-z0-9]+", between.lower()) if w not in {"my", "the", "a"}]
    return len(words) <= 2 and not (set(words) & _NOT_MINE)


def note_proof(turn: Turn) -> None:
    """Remember a number and a postcode the shopper offers as proof, for later in the conversation: only what
    is still missing is asked ("my postcode is M1 4BT" now, the number when the journey needs it)."""
    mentioned = turn.state.mentioned
    for name in ("tracking_number", "order_number"):
        entity = turn.nlu.entity(name)
        if entity:
            mentioned["reference"] = str(entity.value).lstrip("#").upper()[:64]
    if turn.state.open_step:  # an answer goes to the question asked, which checks a postcode itself
        return
    given = postcode_given(turn, with_number=True)
    if given is not None and postcode_key(given) != postcode_key(mentioned.get("reference") or ""):
        mentioned["postcode"] = given


def _postcode_span(turn: Turn, skip: list[tuple[int, int]], with_number: bool) -> tuple[str, int, int] | None:
    for e in turn.nlu.entities:
        if e.entity in ("postcode", "zip_code") and not any(e.start < b and a < e.end for a, b in skip):
            return str(e.value), e.start, e.end
    region = turn.config.region
    if region in {"GB", "US"}:
        return None
    # Outside the UK and US (where the NLU knows the format) any postal-code-looking answer is a guess.
    rest = _blank(turn.text, skip)
    if _POSTAL_SHAPE.fullmatch(rest.strip(" ,.:;!?")):
        start = len(rest) - len(rest.lstrip(" ,.:;!?"))
        return rest.strip(" ,.:;!?"), start, start + len(rest.strip(" ,.:;!?"))
    if with_number:  # "100232, eircode D02 X285": what is left once the filler goes
        words = list(re.finditer(r"[A-Za-z0-9]+", rest))
        for i, n in ((i, n) for i in range(len(words)) for n in (2, 1) if i + n <= len(words)):
            a, b = words[i].start(), words[i + n - 1].end()
            if _POSTAL_SHAPE.fullmatch(rest[a:b]) and _only_filler(turn.text, [*skip, (a, b)]):
                return rest[a:b], a, b
    return None


def _reference_spans(turn: Turn) -> list[tuple[int, int]]:
    """Where the tracking or order number sits in the text: never part of the postcode."""
    spans = [(e.start, e.end) for e in turn.nlu.entities if e.entity in ("tracking_number", "order_number")]
    reference = turn.slots.get("reference")
    if reference:
        spans += [hit.span() for hit in re.finditer(rf"#?\b{re.escape(reference)}\b", turn.text, re.I)]
    return spans


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    for a, b in spans:
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _only_filler(text: str, spans: list[tuple[int, int]]) -> bool:
    words = re.findall(r"[a-z0-9]+", _blank(text, spans).lower().replace("'", "").replace("\u2019", ""))
    return all(w in _FILLER for w in words)


def _cued(text: str, start: int, end: int) -> bool:
    cue = _CUE_BEFORE.search(text, 0, start)
    if cue:
        before = [w for w in re.findall(r"[a-z]+", text[: cue.start()].lower()) if w not in {"my", "the", "a"}]
        return not before or before[-1] not in _NOT_MINE
    return bool(_CUE_AFTER.match(text, end))


def code_name(turn: Turn) -> str:
    """What the proof is called where the merchant is: a US shopper has a "ZIP code", everyone else a
    "postcode" (label_address_*, as the address journey says it). The merchant's region, never the parcel's
    country: asked before the parcel is proven, the word must not tell whose parcel the number is."""
    return turn.render("label_address_zip_code" if turn.config.region == "US" else "label_address_postcode")


# "dunno the postcode sorry, its my sons address", "i dont know it, im asking for my nan", "no idea, it's for my
# mum", "can't remember the zip": the shopper can't give the proof, often because the parcel is someone else's.
_NOT_KNOWN = re.compile(
    r"\b(?:dunno|duno|dno|idk|(?:i\s+)?(?:do\s*n[o']?t|dont|do\s+not)\s+(?:know|have|remember|recall)|no\s+idea"
    r"|not\s+sure|no\s+clue|not\s+a\s+clue|(?:can\s*n?[o']?t|cant|cannot|can\s+not)\s+(?:remember|recall|find|see)"
    r"|forg[oe]t(?:ten)?|have\s*n[o']?t\s+got|havent\s+got|not\s+got"
    r"|(?:asking|texting|checking|messaging|enquiring|writing|doing\s+this)\s+(?:for|on\s+behalf\s+of)"
    r"|on\s+behalf\s+of|(?:not|isn'?t|isnt)\s+my\s+(?:address|house|parcel|package|order)"
    r"|(?:it'?s|its|it\s+is)\s+(?:for\s+)?my\s+\w+(?:'?s)?\s+(?:address|house|parcel|package|order)"
    r"|(?:it'?s|its|it\s+is|this\s+is|i'?m\s+asking)\s+for\s+my\s+\w+)\b",
    re.IGNORECASE,
)


def not_known(text: str) -> bool:
    """Does this answer to "what's the delivery postcode?" say the shopper doesn't know it (or it's someone
    else's parcel)? Then the reply is a way forward, not the same question again."""
    return bool(_NOT_KNOWN.search(text.replace("\u2019", "'")))
