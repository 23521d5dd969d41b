"""The NLU's own errors, in a module of their own so the encoders (minilm, minilm_onnx) and the model that
loads them can all raise them without importing each other."""

from __future__ import annotations


class ModelError(RuntimeError):
    """A model directory that is missing, incomplete or from an incompatible version."""
