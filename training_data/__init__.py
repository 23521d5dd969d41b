"""Parcelbot's hand-written data, shipped inside the package so a plain `pip install` has it.

    nlu/        NLU training examples (Rasa 3.x YAML): what `parcelbot nlu train` learns from
    responses/  the default wording of every message the bot sends (Rasa-style `responses:`)
    test/, dev/, holdout/, holdout_hard/   held-out evaluation sets (in the repository, not shipped)
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def data_path(name: str) -> Path:
    """A folder of this package on disk (`responses`, `nlu`, ...), wherever the package is installed."""
    resource = files(__name__) / name
    with as_file(resource) as path:  # a real directory for a normal install; never a temporary copy here
        return Path(path)
