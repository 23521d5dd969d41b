"""Sparse word + character n-gram TF-IDF features with a fast single-message path.

Why our own and not scikit-learn's vectorisers: the model must be saved as plain JSON + numpy (no
pickle), and predicting one SMS must take well under a millisecond. A vocabulary dict and an idf
array are all that is needed for both, and the same code computes training and serving features, so
they cannot drift apart.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse


@dataclass
class NgramConfig:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    word_weight: float = 1.0
    char_weight: float = 1.0
    min_df: int = 1
    max_features: int | None = None


def word_ngrams(tokens: Sequence[str], lo: int, hi: int) -> list[str]:
    grams: list[str] = []
    for n in range(lo, hi + 1):
        for i in range(len(tokens) - n + 1):
            grams.append("w:" + " ".join(tokens[i : i + n]))
    return grams


def char_ngrams(tokens: Sequence[str], lo: int, hi: int) -> list[str]:
    """Character n-grams inside word boundaries (like scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    for tok in tokens:
        padded = f" {tok} "
        size = len(padded)
        for n in range(lo, hi + 1):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


@dataclass
class NgramVectoriser:
    """Two TF-IDF blocks (words, characters), each sublinear-tf, L2-normalised and weighted."""

    config: NgramConfig = field(default_factory=NgramConfig)
    vocab: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    n_word: int = 0  # features [0, n_word) are word n-grams, the rest character n-grams

    @property
    def n_features(self) -> int:
        return len(self.vocab)

    def _grams(self, tokens: Sequence[str]) -> tuple[list[str], list[str]]:
        c = self.config
        return word_ngrams(tokens, *c.word_ngrams), char_ngrams(tokens, *c.char_ngrams)

    def fit(self, docs: Iterable[Sequence[str]]) -> NgramVectoriser:
        word_df: Counter[str] = Counter()
        char_df: Counter[str] = Counter()
        n_docs = 0
        for tokens in docs:
            w, ch = self._grams(tokens)
            word_df.update(set(w))
            char_df.update(set(ch))
            n_docs += 1
        c = self.config

        def keep(df: Counter[str]) -> list[str]:
            terms = [t for t, n in df.items() if n >= c.min_df]
            if c.max_features and len(terms) > c.max_features:
                terms = sorted(terms, key=lambda t: (-df[t], t))[: c.max_features]
            return sorted(terms)

        words, chars = keep(word_df), keep(char_df)
        self.n_word = len(words)
        self.vocab = {t: i for i, t in enumerate(words + chars)}
        df = np.array([word_df[t] for t in words] + [char_df[t] for t in chars], dtype=np.float64)
        self.idf = (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)
        return self

    def transform_one(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices and values of one message (sparse), ready to multiply with weights."""
        w, ch = self._grams(tokens)
        idx: list[int] = []
        val: list[float] = []
        for grams, weight in ((w, self.config.word_weight), (ch, self.config.char_weight)):
            counts: Counter[int] = Counter()
            vocab = self.vocab
            for g in grams:
                j = vocab.get(g)
                if j is not None:
                    counts[j] += 1
            if not counts:
                continue
            block_idx = list(counts)
            block_val = [(1.0 + math.log(counts[j])) * float(self.idf[j]) for j in block_idx]
            norm = math.sqrt(sum(v * v for v in block_val)) or 1.0
            idx.extend(block_idx)
            val.extend(v * weight / norm for v in block_val)
        return np.asarray(idx, dtype=np.int64), np.asarray(val, dtype=np.float32)

    def transform(self, docs: Iterable[Sequence[str]]) -> sparse.csr_matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for tokens in docs:
            i, v = self.transform_one(tokens)
            indices.append(i)
            data.append(v)
            indptr.append(indptr[-1] + len(i))
        cat_i = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
        cat_v = np.concatenate(data) if data else np.zeros(0, dtype=np.float32)
        return sparse.csr_matrix((cat_v, cat_i, np.asarray(indptr)), shape=(len(indptr) - 1, self.n_features))

    # -- persistence: a term list in JSON order, idf in the weights file ------------------------------
    def terms(self) -> list[str]:
        out = [""] * len(self.vocab)
        for t, i in self.vocab.items():
            out[i] = t
        return out

    @classmethod
    def from_terms(cls, config: NgramConfig, terms: list[str], idf: np.ndarray, n_word: int) -> NgramVectoriser:
        return cls(config, {t: i for i, t in enumerate(terms)}, idf.astype(np.float32), n_word)
