"""The core knows nothing of its transports: only channels/ imports twilio; only channels/ and the web
wiring in bot/ import flask. Checked on the source, so a stray import fails the build."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ("bot", "dialogues", "intents", "backend", "channels")
WEB_WIRING = {"bot/app.py", "bot/wsgi.py", "bot/pages.py", "bot/demo_page.py"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def modules() -> list[tuple[str, set[str]]]:
    found = []
    for package in CORE:
        for path in sorted((ROOT / package).rglob("*.py")):
            found.append((path.relative_to(ROOT).as_posix(), imported_roots(path)))
    return found


def test_only_channels_import_twilio():
    offenders = [name for name, roots in modules() if "twilio" in roots and not name.startswith("channels/")]
    assert offenders == []


def test_only_channels_and_web_wiring_import_flask():
    def allowed(name: str) -> bool:
        return name.startswith(("channels/", "bot/api/")) or name in WEB_WIRING

    offenders = [name for name, roots in modules() if roots & {"flask", "werkzeug"} and not allowed(name)]
    assert offenders == []


def test_the_checker_sees_imports():
    """Guard against a checker that silently finds nothing."""
    roots = dict(modules())
    assert "twilio" in roots["channels/twilio_sms.py"] and "flask" in roots["bot/app.py"]
