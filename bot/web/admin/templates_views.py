"""The merchant console's Wording pages: every template (grouped, filterable, overrides marked) and one
template's page (per-channel texts, variables, a preview with sample values and the SMS cost, save, reset,
history with revert, "send me a test").

Server-rendered forms that work without JavaScript (Preview posts the form and the page shows the check);
static/admin.js adds the live preview through POST /api/v1/templates/{name}/preview. The rules are all in
bot/services/templates.py, shared with the API.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from backend import models as m
from backend.db import transaction
from bot.core.merchant_config import MerchantConfig
from bot.core.uow import UnitOfWork
from bot.services.template_check import CheckResult
from bot.services.templates import ALL, CHANNELS, TemplateError, TemplateInfo
from bot.web.admin.base import admin_required, bp, signed_in_admin
from bot.web.api.templates import templates_service
from bot.web.ext import current_runtime

SLOTS = ((ALL, "Every channel"), ("sms", "SMS"), ("whatsapp", "WhatsApp"), ("rest", "Web chat (REST)"),
         ("web", "Web widget"))


class CsrfForm(FlaskForm):
    """A form whose fields the view reads itself: this only checks the CSRF token."""


def _config() -> MerchantConfig:
    with current_runtime().sessions() as session:
        return MerchantConfig.of(session.get(m.Merchant, signed_in_admin().merchant_id))


def _info(name: str, config: MerchantConfig) -> TemplateInfo:
    try:
        return templates_service().info(name, config.responses)
    except TemplateError:
        abort(404)


def _author() -> str:
    admin = signed_in_admin()
    return f"{admin.role}:{admin.email}"


def _channel(slot: str) -> str | None:
    if slot != ALL and slot not in CHANNELS:
        abort(400)
    return None if slot == ALL else slot


def _back(name: str, slot: str | None = None) -> Any:
    return redirect(url_for("admin.template", name=name) + (f"#slot-{slot}" if slot else ""))


@bp.get("/templates", endpoint="templates")
@admin_required
def templates_page() -> Any:
    """Every template, grouped by the file it is in; ?q= filters by name or text (the box filters live too)."""
    query = (request.args.get("q") or "").strip().lower()[:100]
    groups: dict[str, list[TemplateInfo]] = {}
    for info in templates_service().overview(_config().responses):
        if query and query not in info.name.lower() and query not in info.effective(None).lower():
            continue
        groups.setdefault(info.group, []).append(info)
    return render_template("admin/templates.html", title="Wording", groups=groups, query=query)


@bp.route("/templates/<name>", methods=["GET", "POST"], endpoint="template")
@admin_required
def template_page(name: str) -> Any:
    """GET: the page. POST (action preview|save, channel, text): check or save one slot's text."""
    config = _config()
    info = _info(name, config)
    drafts: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not CsrfForm().validate_on_submit():
            flash("The form had expired: please try again.")
            return _back(name)
        slot = request.form.get("channel") or ALL
        channel, text = _channel(slot), request.form.get("text", "")
        if request.form.get("action") == "save":
            try:
                with transaction(current_runtime().sessions) as session:
                    templates_service().save(session, signed_in_admin().merchant_id, name, channel, text,
                                             author=_author())
            except TemplateError as exc:
                flash(f"Not saved: {'; '.join(exc.errors.values())}.")
                status = 422
            else:
                flash(f"Saved the {dict(SLOTS)[slot]} text. The bot uses it from the next message.")
                return _back(name, slot)
        drafts[slot] = text
    checks = {}
    for slot, _label in SLOTS:
        text = drafts.get(slot, info.overrides.get(slot) or info.defaults.get(slot) or info.defaults[ALL])
        drafts[slot] = text
        checks[slot] = _check(name, slot, text, config)
    with current_runtime().sessions() as session:
        history = templates_service().history(session, signed_in_admin().merchant_id, name)
        phone = session.get(m.User, signed_in_admin().id).phone
    return render_template("admin/templates_edit.html", title=name, t=info, slots=SLOTS, drafts=drafts,
                           checks=checks, history=history, phone=phone), status


def _check(name: str, slot: str, text: str, config: MerchantConfig) -> CheckResult:
    return templates_service().check(name, None if slot == ALL else slot, text, responses=config.responses,
                                     brand=config.brand_name, sign_off=config.sign_off)


@bp.post("/templates/<name>/reset", endpoint="template_reset")
@admin_required
def reset(name: str) -> Any:
    _info(name, _config())
    if not CsrfForm().validate_on_submit():
        flash("The form had expired: please try again.")
        return _back(name)
    slot = request.form.get("channel") or ALL
    with transaction(current_runtime().sessions) as session:
        done = templates_service().reset(session, signed_in_admin().merchant_id, name, _channel(slot),
                                         author=_author())
    flash(f"The {dict(SLOTS)[slot]} text is back to the default." if done else "That text was already the default.")
    return _back(name, slot)


@bp.post("/templates/<name>/revert", endpoint="template_revert")
@admin_required
def revert(name: str) -> Any:
    _info(name, _config())
    if not CsrfForm().validate_on_submit():
        flash("The form had expired: please try again.")
        return _back(name)
    try:
        revision = int(request.form.get("revision", ""))
        with transaction(current_runtime().sessions) as session:
            templates_service().revert(session, signed_in_admin().merchant_id, name, revision, author=_author())
    except ValueError:
        abort(400)
    except TemplateError as exc:
        flash(f"Not reverted: {'; '.join(exc.errors.values())}.")
        return _back(name)
    flash(f"Reverted change {revision}: the text before it is back (and recorded as a new change).")
    return _back(name)


@bp.post("/templates/<name>/test", endpoint="template_test")
@admin_required
def send_test(name: str) -> Any:
    """The merchant's current text for a channel, filled with sample values, texted to the admin's phone."""
    _info(name, _config())
    if not CsrfForm().validate_on_submit():
        flash("The form had expired: please try again.")
        return _back(name)
    slot = request.form.get("channel") or "sms"
    rt = current_runtime()
    try:
        with rt.uow() as uow:
            msg = templates_service().send_test(uow.session, signed_in_admin().merchant_id, signed_in_admin().id,
                                                name, _channel(slot) or "sms")
            _send_after_commit(uow)
            to = msg.recipient
    except TemplateError as exc:
        flash(f"Not sent: {'; '.join(exc.errors.values())}.")
        return _back(name, slot)
    flash(f"Test text queued to {to}: it goes out through the sender like any message.")
    return _back(name, slot)


def _send_after_commit(uow: UnitOfWork) -> None:
    uow.enqueue("send_outbox")
