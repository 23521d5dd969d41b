"""Is this wording fit to send? The checks a merchant's proposed template text passes before it is saved.

Used by the merchant console's page and API (bot/services/templates.py) and by the settings import: one
function, `check_text`, so a text refused on the page is refused in an import too.

What is checked, in order, each problem named so the merchant can fix it:
1. syntax: balanced braces; only plain `{name}` fields and `{name|one/many}` agreement (`{a.b}`, `{0}`,
   `{}`, `{name!r}`, `{name:>9}` are refused: the wording service would refuse or misread them);
2. every variable is one this template is given (an unknown one would render empty in front of a shopper);
3. every required variable is there (a one-time code text without {code} is useless);
4. filled with realistic sample values (bot/core/samples.py), what it costs as SMS: GSM-7 or UCS-2, the
   characters that force UCS-2 and those that count twice, units and segments; more than three segments is
   refused where SMS uses the text.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core.grammar import AGREEMENT
from bot.core.sms import EXTENSION, cost, not_gsm7

MAX_SEGMENTS = 3  # our defaults fit two; a merchant may take three, never more (out of order on some phones)
MAX_CHARS = 1600  # the most any channel carries in one message (SMS concatenation, ChannelSpec.max_length)


@dataclass(frozen=True)
class Problem:
    """One reason a text is refused; `field` is the request field it belongs to ("text" or "channel")."""

    field: str
    message: str


@dataclass(frozen=True)
class Syntax:
    variables: frozenset[str]  # plain names used, agreement forms included by the name they read
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class CheckResult:
    """What the page's preview and the API's preview/422 both show."""

    name: str
    channel: str | None  # None: the text for every channel
    text: str
    problems: tuple[Problem, ...] = ()
    preview: str = ""  # filled with the sample values ("" when the syntax is broken)
    encoding: str = ""  # "GSM-7" | "UCS-2"
    units: int = 0
    segments: int = 0
    forces_ucs2: tuple[str, ...] = ()  # the characters that make it UCS-2, in order of appearance
    counts_twice: tuple[str, ...] = ()  # GSM-7 extension characters: two units each
    sms_applies: bool = False  # whether SMS sends this text (so the segment limit applies)
    variables_used: tuple[str, ...] = field(default=())
    inside: str = ""  # a part of a message (a change's summary): the template it is sent inside, previewed whole

    @property
    def ok(self) -> bool:
        return not self.problems

    def errors(self) -> dict[str, str]:
        """Problems by field, as the API's 422 names them: {"text": "unknown variable {x}; ..."}."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.field, []).append(p.message)
        return {k: "; ".join(v) for k, v in out.items()}

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name, "channel": self.channel, "text": self.text, "ok": self.ok,
            "errors": self.errors(), "preview": self.preview, "encoding": self.encoding, "units": self.units,
            "segments": self.segments, "forces_ucs2": list(self.forces_ucs2),
            "counts_twice": list(self.counts_twice), "sms_applies": self.sms_applies,
            "variables_used": list(self.variables_used), "inside": self.inside,
        }


def parse(text: str) -> Syntax:
    """The variables a text uses and what is wrong with its syntax, without filling it."""
    problems: list[Problem] = []
    used: set[str] = set()
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:  # "Single '}' encountered", "expected '}' before end of string"
        why = "a { with no }" if "expected '}'" in str(exc) else "a } with no {" if "'}'" in str(exc) else str(exc)
        return Syntax(frozenset(), (Problem("text", f"unbalanced braces: {why} (write a variable as {{name}})"),))
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        agreement = AGREEMENT.match(name)
        if conversion or spec:
            problems.append(Problem("text", f"{shown}: formatting is not allowed, write {{{name.split('|')[0]}}}"))
        elif agreement:
            used.add(agreement.group(1))
        elif name == "" or name.isdigit():
            problems.append(Problem("text", f"{shown}: a variable needs a name, e.g. {{parcel}}"))
        elif not name.isidentifier():
            problems.append(Problem("text", f"{shown} is not a plain variable name (no dots, brackets or spaces)"))
        else:
            used.add(name)
    return Syntax(frozenset(used), tuple(problems))


def _ordered(chars: Iterable[str], text: str) -> tuple[str, ...]:
    wanted = set(chars)
    return tuple(dict.fromkeys(ch for ch in text if ch in wanted))


def check_text(name: str, channel: str | None, text: str, *, allowed: Iterable[str], required: Iterable[str],
               fill: Callable[[str], str], sms_applies: bool) -> CheckResult:
    """Check one proposed text. `fill(text)` renders it as the bot would, with sample values (the caller's
    wording service: this module reads no template); `sms_applies`: SMS sends this text, so its cost counts."""
    problems: list[Problem] = []
    if not text.strip():
        return CheckResult(name, channel, text, (Problem("text", "the text is empty (to go back to the default, "
                                                         "use Reset)"),), sms_applies=sms_applies)
    if len(text) > MAX_CHARS:
        problems.append(Problem("text", f"too long: {len(text)} characters, at most {MAX_CHARS}"))
    syntax = parse(text)
    problems.extend(syntax.problems)
    allowed_set = set(allowed)
    for unknown in sorted(syntax.variables - allowed_set):
        problems.append(Problem("text", f"unknown variable {{{unknown}}}"))
    if syntax.problems:  # can't fill a text we can't read
        return CheckResult(name, channel, text, tuple(problems), sms_applies=sms_applies,
                           variables_used=tuple(sorted(syntax.variables)))
    for missing in sorted(set(required) - syntax.variables):
        problems.append(Problem("text", f"missing required variable {{{missing}}}"))
    preview = str(fill(text))
    sms = cost(preview)
    if sms_applies and sms.segments > MAX_SEGMENTS:
        problems.append(Problem("text", f"too long for SMS: {sms.segments} texts ({sms.encoding}, {sms.units} "
                                        f"units) once filled with sample values; at most {MAX_SEGMENTS}"))
    return CheckResult(name, channel, text, tuple(problems), preview, sms.encoding, sms.units, sms.segments,
                       _ordered(not_gsm7(preview), preview), _ordered(EXTENSION & set(preview), preview),
                       sms_applies, tuple(sorted(syntax.variables)))

