"""Static sentence embeddings from WordLlama, loaded strictly offline.

Why WordLlama: a 16 MB token-embedding table shipped inside the package (no download, no torch), so a
sentence vector is a tokeniser call plus an average: ~20 us. It adds paraphrase knowledge the n-gram
model can't learn from a few hundred examples ("parcel" ~ "package" ~ "delivery").
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

_LOCK = threading.Lock()
_MODEL: Any = None


class EmbeddingsUnavailable(RuntimeError):
    """WordLlama's bundled weights could not be loaded (package missing or incomplete)."""


def wordllama_info() -> dict[str, Any]:
    import wordllama

    return {"name": "wordllama", "version": getattr(wordllama, "__version__", "?"), "dim": dim()}


def _load() -> Any:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            try:
                import wordllama
                from wordllama import WordLlama

                # The default cache_dir looks in the wrong folder and then tries the network.
                _MODEL = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
            except Exception as exc:  # noqa: BLE001 - any failure here means "no embeddings"
                raise EmbeddingsUnavailable(f"cannot load WordLlama offline: {exc}") from exc
    return _MODEL


def dim() -> int:
    return int(_load().embedding.shape[1])


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised average of token embeddings, one row per text (zeros for empty text)."""
    model = _load()
    table = model.embedding
    out = np.zeros((len(texts), table.shape[1]), np.float32)
    if not texts:
        return out
    encoded = model.tokenizer.encode_batch(texts, add_special_tokens=False)
    for row, enc in enumerate(encoded):
        ids = np.asarray(enc.ids, dtype=np.int64)[np.asarray(enc.attention_mask, dtype=bool)]
        ids = ids[ids < table.shape[0]]
        if ids.size:
            v = table[ids].mean(axis=0)
            n = float(np.linalg.norm(v))
            if n > 0:
                out[row] = v / n
    return out
