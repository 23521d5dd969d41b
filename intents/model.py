"""The embedded intent model: normaliser + n-gram TF-IDF + WordLlama embedding + linear classifier,
with calibrated out_of_scope / clarification rules; trained, saved and loaded without pickle.

Files in a model directory: ``model.json`` (config, labels, rules, vocabulary, patterns) and
``weights.npz`` (idf and weight arrays, loaded with ``allow_pickle=False``). Nothing executable is
stored, so loading a model from an untrusted place can't run code.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import softmax

from intents import calibration, embeddings
from intents.calibration import Rules
from intents.errors import ModelError
from intents.features import NgramConfig, NgramVectoriser
from intents.linear import LinearWeights, fit_softmax
from intents.loader import TrainingData
from intents.normalise import Normaliser
from intents.types import OUT_OF_SCOPE

FORMAT_VERSION = 1
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
CLASSIFIERS = ("logreg", "linearsvc", "sgd")
EMBEDDINGS = ("wordllama", "minilm", "minilm-onnx", "none")
ENCODER_DIR = "minilm"  # minilm-onnx: the model directory carries its encoder (intents/minilm_onnx.py)


@dataclass
class ModelConfig:
    classifier: str = "logreg"
    # or "none"; "minilm" (numpy) / "minilm-onnx" (onnxruntime): optional packages, slower per message
    embeddings: str = "wordllama"
    embedding_weight: float = 1.0
    c: float = 10.0  # inverse L2 strength (as scikit-learn's C); ~0.5 suits linearsvc
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 1
    large_min_df: int = 2  # above LARGE examples: n-grams seen once are noise and double the fit time
    max_iter: int = 200
    tol: float = 1e-4
    large_tol: float = 1e-3  # above LARGE examples: same accuracy on CLINC150 (95.8 both), a quarter less fit time
    cv_folds: int = 5
    large_cv_folds: int = 3  # above LARGE examples: CV cost dominates training time
    max_false_rejection: float = calibration.MAX_FALSE_REJECTION
    seed: int = 0
    cascade: bool = False  # also train a minilm-onnx model for the messages this one is unsure of
    max_route: float = 0.4  # cascade: at most this share of CV messages go to the slower model

    def ngram(self, n_examples: int = 0) -> NgramConfig:
        min_df = max(self.min_df, self.large_min_df) if n_examples > LARGE else self.min_df
        return NgramConfig(tuple(self.word_ngrams), tuple(self.char_ngrams), min_df=min_df)

    def fit_tol(self, n_examples: int) -> float:
        return max(self.tol, self.large_tol) if n_examples > LARGE else self.tol

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ModelConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for k in ("word_ngrams", "char_ngrams"):
            if k in known:
                known[k] = tuple(known[k])
        return cls(**known)


LARGE = 5000


def _fit_weights(
    cfg: ModelConfig, xs: sparse.csr_matrix, xd: np.ndarray | None, y: np.ndarray, k: int
) -> LinearWeights:
    if cfg.classifier == "logreg":
        return fit_softmax(xs, xd, y, k, c=cfg.c, max_iter=cfg.max_iter, tol=cfg.fit_tol(len(y)))
    from sklearn.linear_model import SGDClassifier
    from sklearn.svm import LinearSVC

    x = xs if xd is None else sparse.hstack([xs, sparse.csr_matrix(xd)]).tocsr()
    if cfg.classifier == "linearsvc":
        clf: Any = LinearSVC(C=cfg.c, random_state=cfg.seed)
    elif cfg.classifier == "sgd":
        clf = SGDClassifier(loss="modified_huber", alpha=1e-5, max_iter=200, tol=1e-4, random_state=cfg.seed)
    else:
        raise ValueError(f"unknown classifier {cfg.classifier!r}; expected one of {CLASSIFIERS}")
    clf.fit(x, y)
    coef = np.asarray(clf.coef_, np.float32)
    bias = np.asarray(clf.intercept_, np.float32)
    if k == 2:  # binary: one weight vector; scores [-s/2, s/2] give the same decision and softmax
        coef, bias = np.vstack([-coef / 2, coef / 2]), np.concatenate([-bias / 2, bias / 2])
    w = coef.T
    return LinearWeights(np.ascontiguousarray(w[: xs.shape[1]]), np.ascontiguousarray(w[xs.shape[1] :]), bias)


@dataclass
class IntentModel:
    config: ModelConfig
    labels: list[str]
    normaliser_patterns: dict[str, Any]
    vectoriser: NgramVectoriser
    weights: LinearWeights
    rules: Rules = field(default_factory=Rules)
    synonyms: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    encoder_dir: Path | None = None  # minilm-onnx: where encoder.onnx is (not saved: it is the model's ENCODER_DIR)

    def __post_init__(self) -> None:
        self.normaliser = Normaliser(
            self.normaliser_patterns.get("regexes"), self.normaliser_patterns.get("lookups")
        )
        self.oos_index = self.labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.labels else None
        self._dense_w = self.weights.dense_w if self.weights.dense_w.size else None

    # -- prediction ---------------------------------------------------------------------------------
    def tokens(self, text: str, extra: Sequence[tuple[re.Pattern[str], str]] = ()) -> list[str]:
        return self.normaliser.tokens(text, extra)

    def scores_one(self, tokens: list[str]) -> np.ndarray:
        idx, val = self.vectoriser.transform_one(tokens)
        s = val @ self.weights.sparse_w[idx] + self.weights.bias if idx.size else self.weights.bias.copy()
        if self._dense_w is not None:
            e = _encoder(self.config, self.encoder_dir)([" ".join(tokens)])[0] * self.config.embedding_weight
            s = s + e @ self._dense_w
        return s

    def proba_one(self, tokens: list[str]) -> np.ndarray:
        return softmax(self.scores_one(tokens) / self.rules.temperature)

    def scores(self, docs: list[list[str]]) -> np.ndarray:
        xs = self.vectoriser.transform(docs)
        xd = _dense(self.config, docs, self.encoder_dir)
        return self.weights.scores(xs, xd)

    def proba(self, docs: list[list[str]]) -> np.ndarray:
        return softmax(self.scores(docs) / self.rules.temperature, axis=1)

    # -- persistence --------------------------------------------------------------------------------
    def save(self, out: Path) -> int:
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "format_version": FORMAT_VERSION,
            "config": asdict(self.config),
            "labels": self.labels,
            "rules": asdict(self.rules),
            "patterns": self.normaliser_patterns,
            "synonyms": self.synonyms,
            "vectoriser": {"n_word": self.vectoriser.n_word, "terms": self.vectoriser.terms()},
            "info": self.info,
        }
        (out / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(
            out / WEIGHTS_FILE,
            idf=self.vectoriser.idf.astype(np.float32),
            sparse_w=self.weights.sparse_w.astype(np.float16),
            dense_w=self.weights.dense_w.astype(np.float32),
            bias=self.weights.bias.astype(np.float32),
        )
        return sum(f.stat().st_size for f in (out / MODEL_FILE, out / WEIGHTS_FILE))

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        meta_path, weights_path = path / MODEL_FILE, path / WEIGHTS_FILE
        if not meta_path.is_file() or not weights_path.is_file():
            raise ModelError(f"no model at {path} (expected {MODEL_FILE} and {WEIGHTS_FILE}); train one first")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{path}: model format {meta.get('format_version')}, expected {FORMAT_VERSION}")
        with np.load(weights_path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        config = ModelConfig.from_json(meta["config"])
        vec = NgramVectoriser.from_terms(
            config.ngram(), meta["vectoriser"]["terms"], arrays["idf"], meta["vectoriser"]["n_word"]
        )
        weights = LinearWeights(
            np.ascontiguousarray(arrays["sparse_w"].astype(np.float32)), arrays["dense_w"], arrays["bias"]
        )
        encoder_dir = None
        if config.embeddings == "minilm-onnx":  # load it now: a missing runtime fails here, in one line
            from intents import minilm_onnx

            minilm_onnx.load(encoder_dir := path / ENCODER_DIR)
        return cls(config, meta["labels"], meta["patterns"], vec, weights, Rules(**meta["rules"]),
                   meta.get("synonyms", {}), meta.get("info", {}), encoder_dir)  # fmt: skip


def _encoder(cfg: ModelConfig, encoder_dir: Path | None = None) -> Callable[[list[str]], np.ndarray]:
    if cfg.embeddings == "wordllama":
        return embeddings.embed
    if cfg.embeddings == "minilm":
        from intents import minilm

        return minilm.embed
    if cfg.embeddings == "minilm-onnx":
        from intents import minilm_onnx

        if encoder_dir is None:
            raise ModelError("embeddings='minilm-onnx' needs the model's encoder directory")
        return minilm_onnx.load(encoder_dir).embed
    raise ValueError(f"unknown embeddings {cfg.embeddings!r}; expected one of {EMBEDDINGS}")


def _dense(cfg: ModelConfig, docs: list[list[str]], encoder_dir: Path | None = None) -> np.ndarray | None:
    if cfg.embeddings == "none":
        return None
    return _encoder(cfg, encoder_dir)([" ".join(d) for d in docs]) * cfg.embedding_weight


def _folds(y: np.ndarray, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds; classes with a single example only ever sit in training folds."""
    rng = np.random.default_rng(seed)
    fold_of = np.full(len(y), -1)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        if len(idx) < 2:
            continue
        rng.shuffle(idx)
        fold_of[idx] = (np.arange(len(idx)) + rng.integers(n_folds)) % n_folds
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(n_folds)]


def _fit_fold(
    cfg: ModelConfig, ngram: NgramConfig, docs: list[list[str]], xd_all: np.ndarray | None, y: np.ndarray, k: int,
    tr: np.ndarray, va: np.ndarray,
) -> tuple[NgramVectoriser, LinearWeights, np.ndarray]:
    """Fit on rows ``tr`` (vocabulary included, as unseen words must stay unseen) and score rows ``va``."""
    vec = NgramVectoriser(ngram).fit([docs[i] for i in tr])
    w = _fit_weights(cfg, vec.transform([docs[i] for i in tr]), None if xd_all is None else xd_all[tr], y[tr], k)
    s = np.zeros((len(va), k), np.float32)
    if len(va):
        s = w.scores(vec.transform([docs[i] for i in va]), None if xd_all is None else xd_all[va])
        s[:, np.setdiff1d(np.arange(k), np.unique(y[tr]))] = -1e4  # classes absent from the fold can't win
    return vec, w, s


@dataclass
class Fitted:
    """A trained model and its out-of-fold probabilities (rows of ``covered`` examples; labels ``y``),
    kept so a cascade can choose its routing on CV predictions rather than on any test data."""

    model: IntentModel
    oof_proba: np.ndarray
    covered: np.ndarray
    y: np.ndarray


def train_model(data: TrainingData, config: ModelConfig | None = None, encoder_dir: Path | None = None) -> IntentModel:
    """Fit on all examples after calibrating the rules on out-of-fold predictions."""
    return fit(data, config, encoder_dir).model


def sentence_vectors(data: TrainingData, config: ModelConfig, encoder_dir: Path | None = None) -> np.ndarray | None:
    """The examples' sentence vectors before ``embedding_weight``, for ``fit(vectors=...)``: a caller
    fitting several weights embeds once (MiniLM's pass is most of the training time)."""
    norm = Normaliser(data.regexes, data.lookups)
    return _dense(replace(config, embedding_weight=1.0), [norm.tokens(e.text) for e in data.examples], encoder_dir)


def fit(
    data: TrainingData, config: ModelConfig | None = None, encoder_dir: Path | None = None,
    vectors: np.ndarray | None = None,
) -> Fitted:  # fmt: skip
    """``train_model``, keeping the out-of-fold probabilities. ``encoder_dir``: minilm-onnx's encoder;
    ``vectors``: ``sentence_vectors`` for this data and encoder, if already computed."""
    cfg = config or ModelConfig()
    if cfg.classifier not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {cfg.classifier!r}; expected one of {CLASSIFIERS}")
    labels = data.intents
    if len(labels) < 2:
        raise ValueError(f"need examples of at least 2 intents to train, got {labels}")
    t0 = time.perf_counter()
    patterns = {"regexes": data.regexes, "lookups": data.lookups}
    norm = Normaliser(data.regexes, data.lookups)
    docs = [norm.tokens(e.text) for e in data.examples]
    index = {label: i for i, label in enumerate(labels)}
    y = np.array([index[e.intent] for e in data.examples])
    k = len(labels)
    oos = index.get(OUT_OF_SCOPE)
    xd_all = vectors * cfg.embedding_weight if vectors is not None else _dense(cfg, docs, encoder_dir)
    ngram = cfg.ngram(len(y))  # decided here: fold jobs may run in other processes

    n_folds = cfg.cv_folds if len(y) <= LARGE else cfg.large_cv_folds
    oof = np.zeros((len(y), k), np.float32)
    covered = np.zeros(len(y), bool)
    folds = [(tr, va) for tr, va in _folds(y, n_folds, cfg.seed) if len(va) and len(np.unique(y[tr])) > 1]
    all_idx = np.arange(len(y))
    jobs = [(all_idx, all_idx[:0]), *folds]  # first job: the final model (the longest, so it starts first)
    if len(y) > LARGE and (os.cpu_count() or 1) > 1:
        # big data (CLINC150): CV folds and the final fit run side by side, one per core
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=min(len(jobs), os.cpu_count() or 1))(
            delayed(_fit_fold)(cfg, ngram, docs, xd_all, y, k, tr, va) for tr, va in jobs
        )
    else:
        results = [_fit_fold(cfg, ngram, docs, xd_all, y, k, tr, va) for tr, va in jobs]
    for (_, va), (_, _, s) in zip(folds, results[1:], strict=True):
        oof[va], covered[va] = s, True
    rules = (
        calibration.calibrate(oof[covered], y[covered], oos, cfg.max_false_rejection) if covered.sum() else Rules()
    )
    vec, weights, _ = results[0]
    info: dict[str, Any] = {
        "n_examples": len(y),
        "intents": {label: int((y == i).sum()) for i, label in enumerate(labels)},
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_seconds": round(time.perf_counter() - t0, 2),
        "cv_folds": n_folds,
        "cv_accuracy": round(float(np.mean(oof[covered].argmax(1) == y[covered])), 4) if covered.any() else None,
        "n_features": vec.n_features,
    }
    if cfg.embeddings == "wordllama":
        info["embeddings"] = embeddings.wordllama_info()
    elif cfg.embeddings == "minilm":
        from intents import minilm

        info["embeddings"] = minilm.info()
    elif cfg.embeddings == "minilm-onnx" and encoder_dir is not None:
        from intents import minilm_onnx

        info["embeddings"] = minilm_onnx.load(encoder_dir).info
    model = IntentModel(cfg, labels, patterns, vec, weights, rules, dict(data.synonyms), info, encoder_dir)
    oof_proba = softmax(oof[covered] / rules.temperature, axis=1) if covered.any() else oof[:0]
    return Fitted(model, oof_proba, covered, y)
