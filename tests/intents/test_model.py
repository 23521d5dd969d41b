from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import intents
from intents.model import MODEL_FILE, WEIGHTS_FILE, IntentModel, ModelConfig, ModelError
from tests.intents import tiny_data


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_data.write(tmp_path_factory.mktemp("tiny"))


@pytest.mark.parametrize("embeddings", ["none", "wordllama"])
def test_train_save_load_round_trip(tiny: Path, tmp_path: Path, embeddings: str) -> None:
    out = tmp_path / "model"
    report = intents.train([tiny], out, ModelConfig(embeddings=embeddings))
    assert report["n_examples"] == sum(len(v) for v in tiny_data.examples().values())
    assert report["intents"] == ["greet", "out_of_scope", "refund", "track"]
    assert report["model_bytes"] == sum(f.stat().st_size for f in out.iterdir())
    assert (out / MODEL_FILE).is_file() and (out / WEIGHTS_FILE).is_file()

    interp = intents.load_interpreter("embedded", model_path=out)
    for text, want in [("where has my parcel got to", "track"), ("refund my order please", "refund"),
                       ("hello!", "greet")]:  # fmt: skip
        got = interp.parse(text)
        assert got.intent == want, (text, got)
        assert got.ranking[0].intent == want
        assert abs(sum(s.confidence for s in got.ranking) - 1.0) < 1e-3  # all 4 intents ranked
        assert 0.0 <= got.confidence <= 1.0

    # the same model loaded twice gives the same probabilities
    a = IntentModel.load(out)
    b = IntentModel.load(out)
    toks = a.tokens("when will my box arrive")
    assert np.allclose(a.proba_one(toks), b.proba_one(toks))
    # single-message path == batch path (training uses the batch path)
    assert np.allclose(a.proba_one(toks), a.proba([toks])[0], atol=1e-3)


def test_model_files_hold_no_pickles(tiny: Path, tmp_path: Path) -> None:
    intents.train([tiny], tmp_path / "m", ModelConfig(embeddings="none"))
    meta = json.loads((tmp_path / "m" / MODEL_FILE).read_text())
    assert meta["format_version"] == 1 and meta["labels"]
    with zipfile.ZipFile(tmp_path / "m" / WEIGHTS_FILE) as z:
        assert sorted(z.namelist()) == ["bias.npy", "dense_w.npy", "idf.npy", "sparse_w.npy"]
    with np.load(tmp_path / "m" / WEIGHTS_FILE, allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)


@pytest.mark.parametrize("classifier,c", [("linearsvc", 0.5), ("sgd", 1.0)])
def test_other_classifiers_share_the_format(tiny: Path, tmp_path: Path, classifier: str, c: float) -> None:
    intents.train([tiny], tmp_path / "m", ModelConfig(classifier=classifier, embeddings="none", c=c))
    interp = intents.load_interpreter("embedded", model_path=tmp_path / "m")
    assert interp.parse("track my package").intent == "track"


def test_loading_missing_or_foreign_model_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model"):
        IntentModel.load(tmp_path)
    (tmp_path / MODEL_FILE).write_text(json.dumps({"format_version": 99}))
    np.savez(tmp_path / WEIGHTS_FILE, x=np.zeros(1))
    with pytest.raises(ModelError, match="format"):
        IntentModel.load(tmp_path)


def test_training_needs_two_intents(tmp_path: Path) -> None:
    p = tmp_path / "one.yml"
    p.write_text("nlu:\n- intent: only\n  examples: |\n    - a\n    - b\n")
    with pytest.raises(ValueError, match="at least 2 intents"):
        intents.train([p], tmp_path / "m")


def test_patterns_become_placeholders_and_entities(tiny: Path, tmp_path: Path) -> None:
    extra = (
        "- regex: loyalty_id\n  examples: |\n    - \\bLY\\d{3}\\b\n"
        "- lookup: colour\n  examples: |\n    - teal\n    - mauve\n"
        "- synonym: purple\n  examples: |\n    - mauve\n"
    )
    path = tiny_data.write(tmp_path / "d", extra)
    intents.train([path], tmp_path / "m", ModelConfig(embeddings="none"))
    interp = intents.load_interpreter("embedded", model_path=tmp_path / "m")
    res = interp.parse("track my parcel LY123 in mauve")
    got = {(e.entity, e.value, e.start, e.end) for e in res.entities}
    assert ("loyalty_id", "LY123", 16, 21) in got
    assert ("colour", "purple", 25, 30) in got  # lookup match, value mapped through the synonym


def test_merchant_pattern_from_context_is_a_placeholder(tiny: Path, tmp_path: Path) -> None:
    intents.train([tiny], tmp_path / "m", ModelConfig(embeddings="none"))
    model = IntentModel.load(tmp_path / "m")
    from intents.interpreter import _merchant_patterns

    toks = model.tokens("where is ZZ-ABCDE", _merchant_patterns(r"ZZ-[A-Z]{5}", None))
    assert toks == ["where", "is", "orderref"]


def test_large_data_path_runs_folds_in_parallel_processes(tiny: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import intents.model as model_mod

    monkeypatch.setattr(model_mod, "LARGE", 10)  # the tiny set now counts as "large": 3 folds, joblib
    report = intents.train([tiny], tmp_path / "m", ModelConfig(embeddings="none"))
    loaded = IntentModel.load(tmp_path / "m")
    assert loaded.info["cv_folds"] == 3 and loaded.info["cv_accuracy"] > 0.8
    assert report["rules"]["temperature"] > 0
    assert intents.load_interpreter("embedded", model_path=tmp_path / "m").parse("track my box").intent == "track"
    # large data drops n-grams seen in only one example (half the features, same accuracy on CLINC150)
    monkeypatch.setattr(model_mod, "LARGE", 10**6)
    intents.train([tiny], tmp_path / "small", ModelConfig(embeddings="none"))
    small_vocab = set(IntentModel.load(tmp_path / "small").vectoriser.vocab)
    large_vocab = set(loaded.vectoriser.vocab)
    assert large_vocab < small_vocab
    assert "w:peru" in small_vocab - large_vocab  # in one example only


def test_large_data_stops_the_fit_at_a_looser_tolerance() -> None:
    from intents.model import LARGE

    cfg = ModelConfig()
    assert cfg.fit_tol(LARGE) == cfg.tol == 1e-4
    assert cfg.fit_tol(LARGE + 1) == cfg.large_tol == 1e-3
    assert ModelConfig(tol=1e-2).fit_tol(LARGE + 1) == 1e-2  # never tighter than asked
