"""`parcelbot config export|import` as an operator runs them: a real subprocess against a real database."""

from __future__ import annotations

import yaml

from tests.test_cli import run


def test_export_edit_import_and_a_bad_file_changes_nothing(env, tmp_path):  # noqa: ANN001
    assert run(env, "demo").returncode == 0
    exported = run(env, "config", "export", "demo", "-")
    assert exported.returncode == 0, exported.stderr
    doc = yaml.safe_load(exported.stdout)
    assert doc["merchant"] == "demo" and doc["settings"]["numbers"]["sms"] == "+441614960000"

    doc["settings"]["brand"]["name"] = "Acme Outdoor Ltd"
    doc["settings"]["actions"]["cancel_order"]["allowed"] = False
    good = tmp_path / "good.yml"
    good.write_text(yaml.safe_dump(doc, sort_keys=False))
    imported = run(env, "config", "import", "demo", str(good))
    assert imported.returncode == 0, imported.stderr
    assert "brand" in imported.stderr and "actions" in imported.stderr

    doc["settings"]["brand"]["name"] = "Should Not Stick"
    doc["settings"]["brand"]["accent_colour"] = "#dddddd"
    doc["responses"] = {"utter_greet": "Hi {nobody_knows_this}"}
    bad = run(env, "config", "import", "demo", "-", stdin=yaml.safe_dump(doc))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "settings.brand.accent_colour" in bad.stderr and "responses.utter_greet" in bad.stderr

    out = tmp_path / "after.yml"
    assert run(env, "config", "export", "demo", str(out)).returncode == 0
    after = yaml.safe_load(out.read_text())
    assert after["settings"]["brand"]["name"] == "Acme Outdoor Ltd"
    assert after["settings"]["actions"]["cancel_order"]["allowed"] is False and after["responses"] == {}


def test_unknown_merchant_and_missing_file_are_one_line_errors(env, tmp_path):  # noqa: ANN001
    assert run(env, "demo").returncode == 0
    nobody = run(env, "config", "export", "nobody", "-")
    assert nobody.returncode == 1 and "no merchant 'nobody'" in nobody.stderr and "Traceback" not in nobody.stderr
    missing = run(env, "config", "import", "demo", str(tmp_path / "nope.yml"))
    assert missing.returncode == 1 and "can't read" in missing.stderr and "Traceback" not in missing.stderr
