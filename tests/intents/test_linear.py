"""Our L-BFGS softmax must find the same optimum as scikit-learn's, and a looser tolerance stop sooner."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from intents.linear import fit_softmax, lbfgs


def _toy(seed: int = 0) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 300)
    xd = rng.normal(size=(300, 4)).astype(np.float32) + y[:, None] * 0.8
    xs = sparse.random(300, 12, density=0.3, random_state=seed, format="csr", dtype=np.float32)
    return xs, xd, y


def test_softmax_matches_scikit_learn_on_sparse_plus_dense_features() -> None:
    xs, xd, y = _toy()
    ours = fit_softmax(xs, xd, y, 3, c=1.0, max_iter=500, tol=1e-6)
    x = sparse.hstack([xs, sparse.csr_matrix(xd)]).toarray()
    ref = LogisticRegression(C=1.0, tol=1e-8, max_iter=2000).fit(x, y)
    p_ours = np.exp(ours.scores(xs, xd))
    p_ours /= p_ours.sum(axis=1, keepdims=True)
    assert np.abs(p_ours - ref.predict_proba(x)).max() < 5e-3
    assert (p_ours.argmax(axis=1) == ref.predict(x)).mean() > 0.99


def test_looser_tolerance_stops_sooner_near_the_same_minimum() -> None:
    a = np.diag(np.linspace(1.0, 400.0, 50)).astype(np.float32)
    target = np.linspace(-1.0, 1.0, 50).astype(np.float32)
    calls = {"n": 0}

    def quad(x: np.ndarray) -> tuple[float, np.ndarray]:
        calls["n"] += 1
        d = x - target
        return 0.5 * float(d @ a @ d), (a @ d).astype(np.float32)

    counts, finals = [], []
    for tol in (1e-3, 1e-6):
        calls["n"] = 0
        x = lbfgs(quad, np.zeros(50, np.float32), max_iter=500, tol=tol)
        counts.append(calls["n"])
        finals.append(quad(x)[0])
    assert counts[0] < counts[1]
    assert finals[1] <= finals[0] < 1e-2 * quad(np.zeros(50, np.float32))[0]
