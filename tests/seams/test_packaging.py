"""The default wording and the NLU training data ship inside the package: a plain (non-editable) install has
them, wherever it runs from, and reads them from where it is installed, not from a repository checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, bot, intents
from bot.core.wording import Wording, load_catalogue, responses_dir
print(json.dumps({
    "bot": bot.__file__,
    "responses": str(responses_dir()),
    "templates": len(load_catalogue()),
    "greeting": Wording().render("utter_greet", merchant=None),
    "training": [str(p) for p in intents.default_training_paths()],
}))
"""


def test_a_plain_install_carries_and_reads_its_own_wording(tmp_path: Path):
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info next to the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "data", "build", "dist", "tests",
                                                                 "*.egg-info", "__pycache__", ".*_cache"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w",
                            str(tmp_path / "dist")], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    [wheel] = (tmp_path / "dist").glob("parcelbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "training_data/responses/core.yml" in names and "training_data/nlu/actions.yml" in names
    assert "bot/web/templates/tracking.html" in names and "bot/web/api/openapi.yaml" in names
    assert any(n.startswith("backend/migrations/versions/0002") for n in names)

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=elsewhere, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(installed)})
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["bot"].startswith(str(installed))  # the installed copy, not the checkout
    assert found["responses"].startswith(str(installed))
    assert all(path.startswith(str(installed)) for path in found["training"])
    assert found["templates"] > 300 and "delivery assistant" in found["greeting"]
