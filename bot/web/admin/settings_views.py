"""The merchant console's Settings page: a form per section (rendered from the settings schema by
settings_form.py), export of the whole configuration as YAML, import of such a file, and the history.

Server-rendered, no JavaScript needed. A section saves through the same service as PUT /api/v1/settings
(bot/services/merchant_settings.py), so the page refuses exactly what the API refuses; an error re-renders
the page with what was typed kept and each message next to its field. An import shows every error and
changes nothing unless the whole file is valid.
"""

from __future__ import annotations

from typing import Any

import yaml
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from backend import models as m
from backend.db import transaction
from bot.services.merchant_settings import (
    SettingsInvalid,
    current,
    export_yaml,
    history,
    import_config,
    parse_document,
    undo,
    update,
)
from bot.web.admin.base import admin_required, bp, signed_in_admin
from bot.web.admin.settings_form import SECTIONS, form_values, section_data, section_fields
from bot.web.ext import current_runtime

SECTION_KEYS = {key for key, _, _ in SECTIONS}
ON_PAGE = SECTION_KEYS - {"general"} | {"timezone", "region", "notification_channel"}


class CsrfForm(FlaskForm):
    """A form whose fields the view reads itself: this only checks the CSRF token."""


def _author() -> str:
    admin = signed_in_admin()
    return f"{admin.role}:{admin.email}"


def _page(status: int = 200, *, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          section: str | None = None, import_errors: dict[str, str] | None = None) -> tuple[str, int]:
    with current_runtime().sessions() as session:
        merchant = session.get(m.Merchant, signed_in_admin().merchant_id)
        data = current(merchant)
        rows = [(r.id, r.created_at, r.kind, r.name, r.author) for r in history(session, merchant, limit=20)]
    shown = form_values(data)
    if values:
        shown.update(values)
    advanced = {k: v for k, v in data.items() if k not in ON_PAGE}
    return render_template(
        "admin/settings.html", sections=SECTIONS, fields={k: section_fields(k) for k in SECTION_KEYS},
        values=shown, errors=errors or {}, failed_section=section, import_errors=import_errors or {},
        history=rows,
        advanced=yaml.safe_dump(advanced, sort_keys=False, allow_unicode=True, width=100) if advanced else "",
    ), status


@bp.get("/settings", endpoint="settings")
@admin_required
def settings_page() -> Any:
    return _page()


@bp.post("/settings/<section>", endpoint="settings_save")
@admin_required
def settings_save(section: str) -> Any:
    if section not in SECTION_KEYS:
        abort(404)
    if not CsrfForm().validate_on_submit():
        flash("The form expired: please try again.")
        return redirect(url_for("admin.settings"))
    posted = {spec.name: request.form.get(spec.name) for spec in section_fields(section)}
    try:
        with transaction(current_runtime().sessions) as session:
            merchant = session.get(m.Merchant, signed_in_admin().merchant_id, with_for_update=True)
            data = section_data(section, request.form, current(merchant))
            applied = update(session, merchant, data, author=_author(), merge=True,
                             wording=current_runtime().wording)
    except SettingsInvalid as exc:
        kept = {k: (v is not None) if _is_checkbox(section, k) else v for k, v in posted.items()}
        return _page(422, values=kept, errors=exc.errors, section=section)
    title = dict((k, t) for k, t, _ in SECTIONS)[section]
    flash(f"{title}: saved." if applied.changed else f"{title}: nothing changed.")
    for warning in applied.warnings:  # saved, but the merchant should know (a name outside the SMS alphabet)
        flash(warning)
    return redirect(url_for("admin.settings") + f"#section-{section}")


def _is_checkbox(section: str, name: str) -> bool:
    return any(spec.name == name and spec.kind == "checkbox" for spec in section_fields(section))


@bp.post("/settings/undo", endpoint="settings_undo")
@admin_required
def settings_undo() -> Any:
    """Undo one change from the history: what it changed goes back to how it was (recorded as a new change)."""
    if not CsrfForm().validate_on_submit():
        flash("The form expired: please try again.")
        return redirect(url_for("admin.settings") + "#history")
    try:
        revision = int(request.form.get("revision", ""))
    except ValueError:
        abort(400)
    if not 0 < revision < 2**31:  # an id column's range: past it, no change (and no database error)
        abort(400)
    try:
        with transaction(current_runtime().sessions) as session:
            merchant = session.get(m.Merchant, signed_in_admin().merchant_id, with_for_update=True)
            applied = undo(session, merchant, revision, author=_author(), wording=current_runtime().wording)
    except SettingsInvalid as exc:
        flash(f"Not undone: {'; '.join(v if k == 'revision' else f'{k}: {v}' for k, v in exc.errors.items())}.")
        return redirect(url_for("admin.settings"))  # the message sits at the top of the page
    flash(f"Undid change {revision}: {', '.join(applied.changed) or 'nothing'} as before it (recorded as a new "
          "change you can undo too).")
    for warning in applied.warnings:
        flash(warning)
    return redirect(url_for("admin.settings"))


@bp.get("/settings/export", endpoint="settings_export")
@admin_required
def settings_export() -> Response:
    with current_runtime().sessions() as session:
        merchant = session.get(m.Merchant, signed_in_admin().merchant_id)
        text, slug = export_yaml(merchant), merchant.slug
    response = Response(text, mimetype="application/yaml")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-parcelbot.yml"'
    return response


@bp.post("/settings/import", endpoint="settings_import")
@admin_required
def settings_import() -> Any:
    if not CsrfForm().validate_on_submit():
        flash("The form expired: please try again.")
        return redirect(url_for("admin.settings"))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(422, import_errors={"file": "choose a YAML file exported from this page or the CLI"})
    try:
        doc = parse_document(upload.read())
        with transaction(current_runtime().sessions) as session:
            merchant = session.get(m.Merchant, signed_in_admin().merchant_id, with_for_update=True)
            applied = import_config(session, merchant, doc, author=_author(), wording=current_runtime().wording)
    except SettingsInvalid as exc:
        return _page(422, import_errors=exc.errors)
    flash(f"Imported: changed {', '.join(applied.changed)}." if applied.changed else "Imported: nothing changed.")
    for warning in applied.warnings:
        flash(warning)
    return redirect(url_for("admin.settings") + "#import")
