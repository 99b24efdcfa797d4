"""Alignment: statuses, scores, word diffs, splits, merges and moves."""

from __future__ import annotations

import pytest

from clauses import align, segment, word_diff

BASE = [
    "The two sides held the fourth meeting of the group in Washington.",
    "The United States reaffirmed its deterrence commitment and will maintain asset visibility.",
    "The delegations reviewed the nuclear scenarios of the summer exercise.",
    "The two sides agreed to hold the next meeting in Seoul.",
]


def _statuses(old: list[str], new: list[str]) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    changes = align(segment("\n\n".join(old), "en"), segment("\n\n".join(new), "en"))
    return [(c.status, c.old, c.new) for c in changes]


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (BASE, [("unchanged", (i,), (i,)) for i in range(4)]),
        (
            [BASE[0], BASE[1].replace("reaffirmed", "reaffirmd"), BASE[2], BASE[3]],
            [
                ("unchanged", (0,), (0,)),
                ("modified", (1,), (1,)),
                ("unchanged", (2,), (2,)),
                ("unchanged", (3,), (3,)),
            ],
        ),
        (
            [BASE[0], BASE[2], BASE[3]],
            [
                ("unchanged", (0,), (0,)),
                ("dropped", (1,), ()),
                ("unchanged", (2,), (1,)),
                ("unchanged", (3,), (2,)),
            ],
        ),
        (
            [BASE[0], "The two sides condemned the missile launches of last month.", *BASE[1:]],
            [
                ("unchanged", (0,), (0,)),
                ("added", (), (1,)),
                ("unchanged", (1,), (2,)),
                ("unchanged", (2,), (3,)),
                ("unchanged", (3,), (4,)),
            ],
        ),
        (
            [BASE[3], BASE[1], BASE[2], BASE[0]],
            None,  # checked below: two clauses moved, two unchanged
        ),
        (
            [
                BASE[0],
                "The United States reaffirmed its deterrence commitment.",
                "It will maintain asset visibility.",
                BASE[2],
                BASE[3],
            ],
            [
                ("unchanged", (0,), (0,)),
                ("split", (1,), (1, 2)),
                ("unchanged", (2,), (3,)),
                ("unchanged", (3,), (4,)),
            ],
        ),
    ],
    ids=["identical", "typo", "deleted", "inserted", "moved", "split"],
)
def test_alignment_table(
    new: list[str], expected: list[tuple[str, tuple[int, ...], tuple[int, ...]]] | None
) -> None:
    got = _statuses(BASE, new)
    if expected is None:
        assert sorted(s for s, _, _ in got) == ["moved", "moved", "unchanged", "unchanged"]
    else:
        assert got == expected


def test_merge_is_the_mirror_of_split() -> None:
    old = [
        BASE[0],
        "The United States reaffirmed its deterrence commitment.",
        "It will maintain asset visibility.",
        BASE[3],
    ]
    got = _statuses(old, [BASE[0], BASE[1], BASE[3]])
    assert ("merged", (1, 2), (1,)) in got


def test_unrelated_sentences_are_not_paired() -> None:
    got = _statuses(
        ["The delegations condemned the growing military cooperation with Russia."],
        ["The ROK will take the leading role in the conventional defense of the peninsula."],
    )
    assert got == [("dropped", (0,), ()), ("added", (), (0,))] or got == [
        ("added", (), (0,)),
        ("dropped", (0,), ()),
    ]


def test_modified_pair_has_score_and_word_diff() -> None:
    old = segment("The two sides agreed to strengthen joint planning.", "en")
    new = segment("The two sides discussed ways to strengthen joint planning.", "en")
    (change,) = align(old, new)
    assert change.status == "modified"
    assert change.score is not None and 0.55 < change.score < 1.0
    assert change.diff is not None
    assert [w for _, a, _ in change.diff for w in a] == old[0].text.split()
    assert [w for _, _, b in change.diff for w in b] == new[0].text.split()
    changed = {w for op, a, b in change.diff if op != "equal" for w in (*a, *b)}
    assert changed == {"agreed", "discussed", "ways"}


@pytest.mark.parametrize(
    ("old", "new", "ops"),
    [
        ("a b c", "a b c", [("equal", ("a", "b", "c"), ("a", "b", "c"))]),
        (
            "a b c",
            "a c",
            [("equal", ("a",), ("a",)), ("delete", ("b",), ()), ("equal", ("c",), ("c",))],
        ),
        (
            "a c",
            "a b c",
            [("equal", ("a",), ("a",)), ("insert", (), ("b",)), ("equal", ("c",), ("c",))],
        ),
        (
            "a x c",
            "a y c",
            [("equal", ("a",), ("a",)), ("replace", ("x",), ("y",)), ("equal", ("c",), ("c",))],
        ),
        ("", "a", [("insert", (), ("a",))]),
    ],
)
def test_word_diff(
    old: str, new: str, ops: list[tuple[str, tuple[str, ...], tuple[str, ...]]]
) -> None:
    assert list(word_diff(old, new)) == ops


def test_translation_without_encoder_uses_structure() -> None:
    english = segment(
        "The fifth meeting was held on December 11, 2025.\n\n"
        "The DPRK was not named.\n\n"
        "They agreed on a work plan for 2026, including the sixth NCG meeting.",
        "en",
    )
    korean = segment(
        "제5차 회의가 2025년 12월 11일에 열렸다.\n\n북한은 언급되지 않았다.\n\n"
        "양측은 제6차 NCG 회의를 포함한 2026년 작업계획에 합의하였다.",
        "ko",
    )
    changes = align(english, korean, cross_language=True)
    assert [(c.status, c.old, c.new) for c in changes] == [
        ("matched", (0,), (0,)),
        ("matched", (1,), (1,)),
        ("matched", (2,), (2,)),
    ]
    assert all(c.diff is None for c in changes)


def test_adjacent_word_edits_read_as_one_replacement() -> None:
    from clauses.align import word_diff

    ops = word_diff(
        "The two sides agreed to strengthen CNI.", "The two sides discussed ways to strengthen CNI."
    )
    assert [op for op in ops if op[0] != "equal"] == [
        ("replace", ("agreed",), ("discussed", "ways"))
    ]
    # Edits separated by an unchanged word stay apart.
    assert [op[0] for op in word_diff("a b c", "a x b c y")] == [
        "equal",
        "insert",
        "equal",
        "insert",
    ]


def test_very_long_statements_are_aligned_in_bounded_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from clauses.segment import Clause

    # The package exports the function ``align``, which hides the module of that name.
    aligner = importlib.import_module("clauses.align")

    def clause(k: int, text: str) -> Clause:
        return Clause(position=k, paragraph=k // 5, text=text, key=text.lower())

    texts = [
        f"The parties agreed on item {k} of the plan for meeting {k % 13}." for k in range(1200)
    ]
    old = [clause(k, t) for k, t in enumerate(texts)]
    edited = list(texts)
    edited[10] = edited[10].replace("agreed on", "discussed")
    del edited[700]
    new = [clause(k, t) for k, t in enumerate(edited)]
    sizes: list[int] = []
    real = aligner.PairScorer.__init__

    def spy(self: object, old_: list[Clause], new_: list[Clause], **kw: object) -> None:
        sizes.append(len(old_) * len(new_))
        real(self, old_, new_, **kw)

    monkeypatch.setattr(aligner.PairScorer, "__init__", spy)
    changes = align(old, new)
    assert sizes and max(sizes) <= aligner.MAX_ALIGNED_CELLS
    # Every clause is in exactly one change, and the edits are found where they are.
    assert sorted(i for c in changes for i in c.old) == list(range(len(old)))
    assert sorted(j for c in changes for j in c.new) == list(range(len(new)))
    by_old = {c.old: c.status for c in changes if len(c.old) == 1}
    assert by_old[(10,)] == "modified" and by_old[(700,)] == "dropped"
    assert sum(c.status == "unchanged" for c in changes) == len(new) - 1
