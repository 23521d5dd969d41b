"""A merchant's settings and whole configuration, channel-free: read, update, export, import.

The page, the API and the CLI all call these, so a setting is validated once (bot/core/settings_schema.py)
and stored once (bot/services/settings_store.py). Writes are all-or-nothing: every value is checked first,
then merchant.settings, the numbers and a ConfigRevision row are written in one transaction; a single bad
value changes nothing and every error is reported with its path.

The exported YAML is the whole configuration a merchant may keep in git: the settings (schema order), the
wording overrides (settings["responses"], sorted) and the service rules (inside the settings: actions, fees,
rules). Importing it replaces all of that; the API's PUT /settings replaces only the sections it is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import models as m
from bot.core.settings_schema import MerchantSettings, unstorable, validate
from bot.core.wording import Wording
from bot.services.settings_scope import merchant_errors
from bot.services.settings_store import from_stored, to_stored
from bot.services.wording_fit import brand_fit, template_errors

FORMAT_VERSION = 1
# The sections every format-1 file carries (an export writes them all). An import must have each, so a file cut
# short can't reset the rest to the defaults; a section added to the schema later is not in this list, so an
# older export still imports (the new section takes its default).
FORMAT_1_SECTIONS = ("brand", "timezone", "support", "actions", "verification", "fees", "quiet_hours", "numbers",
                     "handoff", "console", "money", "payments", "survey", "notifications", "notification_channel",
                     "region", "returns", "damage_policy", "canned_replies", "order_number_pattern",
                     "tracking_number_pattern", "rules", "backend")
MAX_YAML_BYTES = 512 * 1024
MAX_DEPTH = 32  # a configuration is a few levels deep; far deeper is an attack on the parser
MAX_NUMBER_CHARS = 32  # no setting's number is near this long (see _ConfigLoader)
HEADER = """\
# Parcelbot configuration for one merchant: keep it in git, edit it, then
#   parcelbot config import {slug} FILE     (or PUT /api/v1/config, or the console's Settings page)
# An import replaces the settings and every wording override; a file with any error changes nothing.
# Every setting, its default and what it changes: docs/merchant-settings.md
"""


class SettingsInvalid(ValueError):
    """Nothing was written; `errors` maps each bad field's dotted path to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Applied:
    settings: MerchantSettings
    revision_id: int
    changed: tuple[str, ...]  # the sections that changed
    warnings: tuple[str, ...] = ()  # saved, but worth knowing (a name outside the SMS alphabet)


def current(merchant: m.Merchant) -> dict[str, Any]:
    """The stored settings in the schema's shape, validated where they can be (stored data may predate a
    check: then the raw values come back, and saving them shows what to fix)."""
    data = from_stored(merchant.settings, timezone=merchant.timezone, sms=merchant.sms_number,
                       whatsapp=merchant.whatsapp_number)
    parsed, _ = validate(data)
    return parsed.model_dump(mode="json") if parsed is not None else data


def check(session: Session, merchant: m.Merchant, data: Any) -> MerchantSettings:
    """Validate a full settings document for this merchant (schema, then numbers unique), or SettingsInvalid."""
    parsed, errors = validate(data)
    if parsed is None:
        raise SettingsInvalid(errors)
    taken = _numbers_taken(session, merchant, parsed) | merchant_errors(session, merchant, parsed)
    if taken:
        raise SettingsInvalid(taken)
    return parsed


def update(session: Session, merchant: m.Merchant, data: Any, *, author: str, merge: bool = True,
           wording: Wording | None = None) -> Applied:
    """Save settings. merge=True: each top-level section given replaces that section, others are kept;
    merge=False: `data` is the whole document (absent sections get their defaults). With `wording`, a new
    brand name and sign-off are checked against the wording SMS sends, as an import is (see _brand_fits)."""
    if not isinstance(data, dict):
        raise SettingsInvalid({"settings": "must be a mapping of sections (brand, support, actions...)"})
    before = current(merchant)
    document = {**before, **data} if merge else data
    parsed = check(session, merchant, document)
    warnings: tuple[str, ...] = ()
    if wording is not None:
        responses = (merchant.settings or {}).get("responses") if isinstance(merchant.settings, dict) else None
        warnings = _brand_fits(wording, merchant, before.get("brand") or {}, parsed,
                               responses if isinstance(responses, dict) else {})
    applied = _write(session, merchant, parsed, responses=None, kind="settings", author=author)
    return dataclasses.replace(applied, warnings=warnings)


def _brand_fits(wording: Wording, merchant: m.Merchant, before: Mapping[str, Any], parsed: MerchantSettings,
                responses: Mapping[str, Any], prefix: str = "") -> tuple[str, ...]:
    """The brand name fills {brand} in the wording and the sign-off ends each notification: a longer one
    could take texts, ours or the merchant's, past the SMS limit, and every shopper would get them. A new
    name or sign-off that does is refused, naming the texts (bot/services/brand_check.py); the warnings (a
    character outside GSM-7) are the caller's to show. Unchanged, neither is checked again."""
    name, sign_off = parsed.brand.name or merchant.name, parsed.brand.sign_off
    if name == (before.get("name") or merchant.name) and sign_off == before.get("sign_off"):
        return ()
    fit = brand_fit(wording, responses, brand=name, sign_off=sign_off)
    if fit.errors:
        raise SettingsInvalid({f"{prefix}brand.{field}": why for field, why in fit.errors.items()})
    return fit.warnings


def _numbers_taken(session: Session, merchant: m.Merchant, s: MerchantSettings) -> dict[str, str]:
    """A number selects its merchant, so one number can't be two merchants'."""
    errors = {}
    for field, number in (("sms", s.numbers.sms), ("whatsapp", s.numbers.whatsapp)):
        if number and session.scalar(select(m.Merchant.id).where(
                m.Merchant.id != merchant.id,
                or_(m.Merchant.sms_number == number, m.Merchant.whatsapp_number == number)).limit(1)):
            errors[f"numbers.{field}"] = f"{number} is already another merchant's number"
    return errors


def undo(session: Session, merchant: m.Merchant, revision_id: int, *, author: str,
         wording: Wording | None = None) -> Applied:
    """Put back what one change (a save or an import) changed, as it was before it, recorded as a new change
    ("undo #N: ..."): the console's history button. Field by field (and, for an import, wording override by
    override): only what that change changed goes back, and only where it still holds the value that change
    gave it. A field changed again since is a conflict: nothing is undone and each is named (undo the later
    change first), so an undo never silently throws away later work. The result is checked like any save (a
    number since given to another merchant, an override that no longer fits its template)."""
    row = session.get(m.ConfigRevision, revision_id)
    if row is None or row.merchant_id != merchant.id or row.kind not in HISTORY_KINDS:
        raise SettingsInvalid({"revision": f"there is no change {revision_id} to this merchant's settings"})
    before, after = dict(row.before or {}), dict(row.after or {})
    now = current(merchant)
    conflicts: dict[str, str] = {}
    later = _changed_since(session, row)
    document = _put_back(now, before.get("settings") or {}, after.get("settings") or {}, "", conflicts, later,
                         depth=3)
    responses = None
    if "responses" in before:  # an import: its wording overrides too
        held = dict((merchant.settings or {}).get("responses") or {})
        responses = _put_back(held, before.get("responses") or {}, after.get("responses") or {}, "responses.",
                              conflicts, later, depth=2)  # a template, then its per-channel variants
    if conflicts:
        raise SettingsInvalid(conflicts)
    if document == now and (responses is None or responses == dict((merchant.settings or {}).get("responses") or {})):
        raise SettingsInvalid({"revision": f"change {revision_id} changed nothing, so there is nothing to undo"})
    parsed = check(session, merchant, document)
    warnings: tuple[str, ...] = ()
    if wording is not None:
        held = dict((merchant.settings or {}).get("responses") or {})
        if responses is not None:
            errors = template_errors(wording, responses, parsed.brand.name or merchant.name, parsed.brand.sign_off)
            if errors:
                raise SettingsInvalid(errors)
        warnings = _brand_fits(wording, merchant, now.get("brand") or {}, parsed,
                               responses if responses is not None else held)
    applied = _write(session, merchant, parsed, responses=responses, kind="settings", author=author,
                     label=f"undo #{row.id}")
    return dataclasses.replace(applied, warnings=warnings)


_GONE = object()


def _changed_since(session: Session, row: m.ConfigRevision) -> set[str]:
    """Every path a later change of this merchant's configuration touched (a save, an import, a template edit),
    even one that ended on the value it started from (A -> B -> C -> B): undoing the first change must not
    silently put back A over that later work."""
    paths: set[str] = set()
    later = session.scalars(select(m.ConfigRevision).where(m.ConfigRevision.merchant_id == row.merchant_id,
                                                           m.ConfigRevision.id > row.id))
    for rev in later:
        if rev.kind in HISTORY_KINDS:
            was, became = dict(rev.before or {}), dict(rev.after or {})
            _diff_paths(was.get("settings") or {}, became.get("settings") or {}, "", 3, paths)
            if "responses" in was:
                _diff_paths(was.get("responses") or {}, became.get("responses") or {}, "responses.", 2, paths)
        else:  # a template's own change (the Wording page): its override, on every channel
            paths.add(f"responses.{rev.name}")
    return paths


def _diff_paths(old: Any, new: Any, path: str, depth: int, into: set[str]) -> None:
    for key in set(old) | set(new):
        was, became = old.get(key, _GONE), new.get(key, _GONE)
        if was == became:
            continue
        if depth > 1 and isinstance(was, dict) and isinstance(became, dict):
            _diff_paths(was, became, f"{path}{key}.", depth - 1, into)
        else:
            into.add(f"{path}{key}")


def _touched(path: str, later: set[str]) -> bool:
    return any(p == path or p.startswith(path + ".") or path.startswith(p + ".") for p in later)


def _put_back(now: dict[str, Any], old: dict[str, Any], new: dict[str, Any], path: str,
              conflicts: dict[str, str], later: set[str], depth: int = 2) -> dict[str, Any]:
    """`now` with every key the change moved from `old` to `new` moved back, down to `depth` levels (a section,
    its fields, their fields: actions.<kind>.allowed); a key whose value is neither the change's `new` nor
    already its `old`, or that a later change touched (`later`), is a conflict, named in `conflicts`."""
    out = dict(now)
    for key in sorted(set(old) | set(new)):
        was, became, is_now = old.get(key, _GONE), new.get(key, _GONE), now.get(key, _GONE)
        if was == became or is_now == was:  # untouched by that change, or already as it was before it
            continue
        if is_now == became and not _touched(f"{path}{key}", later):
            if was is _GONE:
                out.pop(key, None)
            else:
                out[key] = was
        elif depth > 1 and all(isinstance(v, dict) for v in (was, became, is_now)):
            out[key] = _put_back(is_now, was, became, f"{path}{key}.", conflicts, later,  # type: ignore[arg-type]
                                 depth - 1)
        else:
            conflicts[f"{path}{key}"] = "changed again since: undo the later change first"
    return out


def _write(session: Session, merchant: m.Merchant, parsed: MerchantSettings, *, responses: dict | None,
           kind: str, author: str, label: str | None = None) -> Applied:
    before = current(merchant)
    before_responses = dict((merchant.settings or {}).get("responses") or {})
    stored, columns = to_stored(parsed, merchant.settings)
    if responses is not None:
        stored["responses"] = responses
    after = parsed.model_dump(mode="json")
    changed = tuple(k for k in after if before.get(k) != after[k])
    if responses is not None and responses != before_responses:
        changed += ("responses",)
    merchant.settings = stored
    for column, value in columns.items():
        setattr(merchant, column, value)
    revision = m.ConfigRevision(
        merchant_id=merchant.id, kind=kind,
        name=((f"{label}: " if label else "") + (", ".join(changed) or "no change"))[:100],
        before={"settings": before, **({"responses": before_responses} if responses is not None else {})},
        after={"settings": after, **({"responses": responses} if responses is not None else {})},
        author=author[:200],
    )
    session.add(revision)
    try:
        session.flush()
    except IntegrityError:  # a number taken between the check and the write
        raise SettingsInvalid({"numbers": "one of these numbers is already another merchant's"}) from None
    return Applied(parsed, revision.id, changed)


HISTORY_KINDS = ("settings", "import")  # a template's own changes have their history on its page


def history(session: Session, merchant: m.Merchant, limit: int = 50) -> list[m.ConfigRevision]:
    return list(session.scalars(
        select(m.ConfigRevision).where(m.ConfigRevision.merchant_id == merchant.id,
                                       m.ConfigRevision.kind.in_(HISTORY_KINDS))
        .order_by(m.ConfigRevision.id.desc()).limit(limit)))


# -- the whole configuration ------------------------------------------------------------------------------
def export_config(merchant: m.Merchant) -> dict[str, Any]:
    responses = (merchant.settings or {}).get("responses") or {}
    return {
        "parcelbot_config": FORMAT_VERSION,
        "merchant": merchant.slug,
        "settings": current(merchant),
        "responses": {key: responses[key] for key in sorted(responses)},
    }


class _ConfigLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases (&name, *name): a few hundred bytes of nested aliases (the "billion
    laughs") stand for billions of values to whatever walks the document, and a configuration never needs them.
    A number is refused past MAX_NUMBER_CHARS as it is read: a longer one can't be printed (Python's 4,300-digit
    limit, a ValueError) and a long YAML 1.1 base-60 one (1:2:3:...) costs quadratic time to build."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (&name, *name) are not allowed: "
                                              "write each value out in full", event.start_mark)
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node: Any) -> int:
        if len(str(node.value)) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(None, None, f"a number longer than {MAX_NUMBER_CHARS} "
                                                    "characters", node.start_mark)
        return int(super().construct_yaml_int(node))


_ConfigLoader.add_constructor("tag:yaml.org,2002:int", _ConfigLoader.construct_yaml_int)


class _ConfigDumper(yaml.SafeDumper):
    """Writes a value used twice out twice, never as an alias: an export must import again (_ConfigLoader)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def export_yaml(merchant: m.Merchant) -> str:
    body = yaml.dump(export_config(merchant), Dumper=_ConfigDumper, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)
    return HEADER.format(slug=merchant.slug) + body


def parse_document(text: str | bytes) -> dict[str, Any]:
    """YAML (or JSON, which is YAML) -> the document, or SettingsInvalid naming what is wrong."""
    if isinstance(text, bytes):
        if len(text) > MAX_YAML_BYTES:
            raise SettingsInvalid({"file": f"is larger than {MAX_YAML_BYTES // 1024} KB"})
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise SettingsInvalid({"file": "is not UTF-8 text"}) from None
    if len(text) > MAX_YAML_BYTES:
        raise SettingsInvalid({"file": f"is larger than {MAX_YAML_BYTES // 1024} KB"})
    try:
        doc = yaml.load(text, Loader=_ConfigLoader)  # noqa: S506 - a SafeLoader, stricter still
    except RecursionError:  # thousands of nested levels: the parser recurses once per level
        raise SettingsInvalid({"file": f"is nested more than {MAX_DEPTH} levels deep"}) from None
    except (ValueError, OverflowError) as exc:  # a value YAML's syntax allows but Python can't build (2026-02-30)
        raise SettingsInvalid({"file": f"is not valid YAML: {exc}"}) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise SettingsInvalid({"file": f"is not valid YAML{line}: {getattr(exc, 'problem', exc)}"}) from None
    if not isinstance(doc, dict):
        raise SettingsInvalid({"file": "must be a mapping with settings: and responses:"})
    if _depth(doc) > MAX_DEPTH:
        raise SettingsInvalid({"file": f"is nested more than {MAX_DEPTH} levels deep"})
    bad = unstorable(doc)
    if bad:
        raise SettingsInvalid({bad: "text must not contain NUL characters or unpaired surrogates"})
    return doc


def _depth(value: Any) -> int:
    """How deeply lists and mappings nest (iterative: a deep document can't overflow this)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((child, level + 1) for child in children)
    return deepest


def import_config(session: Session, merchant: m.Merchant, doc: Mapping[str, Any], *, author: str,
                  wording: Wording) -> Applied:
    """Validate every part of an exported document (settings AND each wording override), then replace the
    merchant's configuration with it in one go; any error anywhere changes nothing."""
    errors: dict[str, str] = {}
    unknown = set(doc) - {"parcelbot_config", "merchant", "settings", "responses"}
    errors.update({key: "unknown part (expected settings and responses)" for key in sorted(unknown)})
    if doc.get("parcelbot_config", FORMAT_VERSION) != FORMAT_VERSION:
        errors["parcelbot_config"] = f"this version of Parcelbot reads format {FORMAT_VERSION}"
    # An import replaces the whole configuration, so an empty, cut-short or hand-trimmed file must not quietly
    # reset the rest to the defaults or wipe the wording: every section and the responses must be there (an
    # export always has them; edit one and send it all back).
    if not isinstance(doc.get("settings"), dict):
        errors["settings"] = "required: every section of the settings (export the configuration, edit, import it)"
    else:
        missing = [k for k in FORMAT_1_SECTIONS if k not in doc["settings"]]
        errors.update({f"settings.{k}": "missing: an import replaces every section, so each must be there"
                       for k in missing})
    if "responses" not in doc:
        errors["responses"] = "required (an empty mapping, {}, if you override no wording): an import replaces them"
    settings = doc.get("settings") if doc.get("settings") is not None else {}
    parsed, settings_errors = validate(settings)
    if not isinstance(settings, dict):
        settings_errors = {}
        errors["settings"] = "must be a mapping of sections (brand, support, actions...)"
    errors.update({f"settings.{k}": v for k, v in settings_errors.items()})
    if parsed is not None:
        errors.update({f"settings.{k}": v for k, v in (_numbers_taken(session, merchant, parsed)
                                                          | merchant_errors(session, merchant, parsed)).items()})
    responses = doc.get("responses") or {}
    if not isinstance(responses, dict):
        errors["responses"] = "must be a mapping of template name to text"
        responses = {}
    brand = parsed.brand.name if parsed is not None else None
    errors.update(template_errors(wording, responses, brand or merchant.name,
                                  parsed.brand.sign_off if parsed is not None else None))
    if errors or parsed is None:
        raise SettingsInvalid(errors)
    warnings = _brand_fits(wording, merchant, current(merchant).get("brand") or {}, parsed, responses, "settings.")
    applied = _write(session, merchant, parsed, responses=dict(responses), kind="import", author=author)
    return dataclasses.replace(applied, warnings=warnings)
