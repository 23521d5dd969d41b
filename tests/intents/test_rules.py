from __future__ import annotations

import numpy as np
import pytest

from intents.calibration import Rules, decide, fit_margin, fit_temperature, fit_threshold
from intents.features import NgramVectoriser
from intents.interpreter import EmbeddedInterpreter
from intents.linear import LinearWeights
from intents.model import IntentModel, ModelConfig

LABELS = ["greet", "out_of_scope", "refund", "track"]


def interpreter(threshold: float, margin: float) -> EmbeddedInterpreter:
    vec = NgramVectoriser().fit([["x"]])
    w = LinearWeights(np.zeros((vec.n_features, 4), np.float32), np.zeros((0, 4), np.float32), np.zeros(4, np.float32))
    model = IntentModel(ModelConfig(embeddings="none"), LABELS, {}, vec, w, Rules(1.0, threshold, margin))
    return EmbeddedInterpreter(model)


def test_low_top_confidence_is_out_of_scope() -> None:
    it = interpreter(threshold=0.5, margin=0.0)
    res = it.decide("?", np.array([0.1, 0.1, 0.35, 0.45]))
    assert res.intent == "out_of_scope"
    assert res.confidence == pytest.approx(0.55)
    assert res.ranking[0].intent == "out_of_scope" and res.ranking[1].intent == "track"
    assert res.clarify is None


def test_confident_prediction_is_kept() -> None:
    it = interpreter(threshold=0.5, margin=0.1)
    res = it.decide("?", np.array([0.05, 0.05, 0.1, 0.8]))
    assert (res.intent, res.confidence, res.clarify) == ("track", pytest.approx(0.8), None)


def test_out_of_scope_class_wins_even_above_threshold() -> None:
    it = interpreter(threshold=0.2, margin=0.5)
    res = it.decide("?", np.array([0.05, 0.7, 0.1, 0.15]))
    assert res.intent == "out_of_scope" and res.confidence == pytest.approx(0.7)
    assert res.clarify is None


def test_close_in_scope_pair_asks_for_clarification_skipping_oos() -> None:
    it = interpreter(threshold=0.3, margin=0.15)
    probs = np.array([0.05, 0.08, 0.40, 0.47])  # track .47, refund .40, oos .08
    res = it.decide("?", probs)
    assert res.intent == "track" and res.clarify == ("track", "refund")
    probs = np.array([0.05, 0.40, 0.05, 0.50])  # runner-up is out_of_scope: skipped, greet is far behind
    assert it.decide("?", probs).clarify is None


def test_fit_temperature_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 5)) * 3
    p = np.exp(logits / 2.0)
    p /= p.sum(1, keepdims=True)
    y = np.array([rng.choice(5, p=row) for row in p])
    assert fit_temperature(logits, y) == pytest.approx(2.0, rel=0.1)


def test_fit_threshold_respects_false_rejection_budget() -> None:
    rng = np.random.default_rng(1)
    n_in, n_oos = 900, 300
    # in-scope: confident on class 0/2/3; oos examples spread thin over in-scope classes
    prob_in = np.full((n_in, 4), 0.02)
    y_in = rng.choice([0, 2, 3], n_in)
    prob_in[np.arange(n_in), y_in] = rng.uniform(0.4, 0.99, n_in)
    prob_oos = np.full((n_oos, 4), 0.02)
    prob_oos[np.arange(n_oos), rng.choice([0, 2, 3], n_oos)] = rng.uniform(0.2, 0.6, n_oos)
    prob = np.vstack([prob_in, prob_oos])
    prob /= prob.sum(1, keepdims=True)
    y = np.concatenate([y_in, np.ones(n_oos, int)])
    thr = fit_threshold(prob, y, oos=1, max_fr=0.05)
    pred = decide(prob, 1, thr)
    assert thr > 0.3  # it did reject something
    assert np.mean(pred[:n_in] == 1) <= 0.05
    assert np.mean(pred[n_in:] == 1) > 0.5


def test_fit_threshold_without_oos_examples_rejects_only_a_sliver() -> None:
    prob = np.tile([0.1, 0.9], (100, 1))
    prob[:10] = [0.45, 0.55]
    thr = fit_threshold(prob, np.ones(100, int), oos=None, max_fr=0.04)
    assert 0.5 <= thr <= 0.9
    assert np.mean(prob.max(1) < thr) <= 0.04


def test_fit_margin_picks_up_near_ties_where_runner_up_is_right() -> None:
    n = 400
    prob = np.tile([0.0, 0.0, 0.05, 0.95], (n, 1))
    y = np.full(n, 3)
    prob[:30] = [0.0, 0.0, 0.47, 0.53]  # near ties, runner-up (refund) right
    y[:30] = 2
    assert 0.06 < fit_margin(prob, y, oos=1, threshold=0.0) <= 0.5
    assert fit_margin(np.tile([0.0, 0.0, 0.05, 0.95], (n, 1)), np.full(n, 3), oos=1, threshold=0.0) == 0.0
