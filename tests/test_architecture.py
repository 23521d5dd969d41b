"""The house as docs/architecture.md draws it, checked on the source: a stray import fails the build.

- the layer contracts in .importlinter hold (import-linter, the same check scripts/test runs as `lint-imports`);
- there is no import cycle anywhere in the project (function-level imports included);
- only channels/ imports twilio; only channels/ and the web wiring (bot/web) import flask.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "channels", "dialogues", "intents", "backend", "training_data")


def test_the_layer_contracts_hold():
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                          "lint_imports_command()"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    graph = grimp.build_graph(*PACKAGES)
    edges = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    """Guard against a checker that silently finds nothing."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


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
    return [(path.relative_to(ROOT).as_posix(), imported_roots(path))
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def test_only_channels_import_twilio():
    offenders = [name for name, roots in modules() if "twilio" in roots and not name.startswith("channels/")]
    assert offenders == []


def test_only_channels_and_web_wiring_import_flask():
    offenders = [name for name, roots in modules()
                 if roots & {"flask", "werkzeug"} and not name.startswith(("channels/", "bot/web/"))]
    assert offenders == []


def test_the_checker_sees_imports():
    """Guard against a checker that silently finds nothing."""
    roots = dict(modules())
    assert "twilio" in roots["channels/twilio_sms.py"] and "flask" in roots["bot/web/__init__.py"]
