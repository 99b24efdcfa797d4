"""A small NCG-like history in English and Korean, built with ``models.store`` only.

Five statements per language, written for these tests (short paraphrases of the facts in
NCG-FACTS.md, not official text). "Joint planning and execution" is carried by the 1st,
3rd and 4th statements and dropped by the 5th; the 5th adds the ROK's leading role; the
English 5th statement has a second version (a silent edit). Comparisons are hand-made
dicts in the documented JSON shape, so the analyst commands are tested without the
clause engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from models import History, open_history, store

LABELS = {
    "extended-deterrence": "Extended deterrence backed by the full range of US capabilities",
    "end-of-regime": "A nuclear attack would mean the end of the regime",
    "swift-response": "Swift, overwhelming and decisive response",
    "joint-planning-execution": "Joint planning and execution",
    "strategic-assets": "Regular visibility of US strategic assets",
    "rok-leading-role": "ROK leading role in conventional defense",
}


@dataclass(frozen=True)
class Statement:
    """A statement to store: metadata, clause texts and the commitments it carries."""

    meeting: int
    language: str
    published: dt.date
    title: str
    clauses: list[str]
    mentions: dict[str, tuple[str, int]] = field(default_factory=dict)  # key: (strength, clause)

    @property
    def url(self) -> str:
        """A stable made-up URL for the statement."""
        return f"https://statements.example.test/ncg/{self.meeting}/{self.language}"


EN = [
    Statement(
        1,
        "en",
        dt.date(2023, 7, 18),
        "Joint Readout of the Inaugural Nuclear Consultative Group Meeting",
        [
            "The United States and the ROK held the first NCG meeting in Seoul.",
            "The United States reaffirmed extended deterrence backed by its full range of "
            "capabilities, including nuclear.",
            "Any nuclear attack by North Korea is unacceptable and would mean the end of "
            "the regime.",
            "The allies will continue joint planning and execution of nuclear contingencies.",
            "Both sides intend to keep US strategic assets regularly visible near the peninsula.",
        ],
        {
            "extended-deterrence": ("strong", 1),
            "end-of-regime": ("strong", 2),
            "joint-planning-execution": ("medium", 3),
            "strategic-assets": ("medium", 4),
        },
    ),
    Statement(
        2,
        "en",
        dt.date(2023, 12, 15),
        "Joint Press Statement on Nuclear Consultative Group Meeting",
        [
            "The NCG met for the second time in Washington.",
            "The United States reaffirmed extended deterrence backed by its full range of "
            "capabilities, including nuclear.",
            "Any nuclear attack by North Korea is unacceptable and would mean the end of "
            "the regime.",
            "A North Korean nuclear attack would meet a swift, overwhelming and decisive response.",
        ],
        {
            "extended-deterrence": ("strong", 1),
            "end-of-regime": ("strong", 2),
            "swift-response": ("strong", 3),
        },
    ),
    Statement(
        3,
        "en",
        dt.date(2024, 6, 10),
        "Joint Press Statement on the 3rd Nuclear Consultative Group Meeting",
        [
            "The third NCG meeting took place at the Ministry of National Defense in Seoul.",
            "The United States reaffirmed extended deterrence backed by its full range of "
            "capabilities, including nuclear.",
            "The allies committed to joint planning and execution, with ROK conventional "
            "support to US nuclear operations.",
            "The sides discussed the visibility of US strategic assets.",
        ],
        {
            "extended-deterrence": ("strong", 1),
            "joint-planning-execution": ("strong", 2),
            "strategic-assets": ("weak", 3),
        },
    ),
    Statement(
        4,
        "en",
        dt.date(2025, 1, 10),
        "Joint Press Statement on the Fourth Nuclear Consultative Group Meeting",
        [
            "The fourth NCG meeting was held in Washington.",
            "The United States reaffirmed extended deterrence backed by its full range of "
            "capabilities, including nuclear.",
            "Any nuclear attack by North Korea is unacceptable and would mean the end of "
            "the regime.",
            "A North Korean nuclear attack would meet a swift, overwhelming and decisive response.",
            "The allies reaffirmed joint planning and execution of nuclear contingencies.",
            "The allies will keep US strategic assets regularly visible around the peninsula.",
        ],
        {
            "extended-deterrence": ("strong", 1),
            "end-of-regime": ("strong", 2),
            "swift-response": ("strong", 3),
            "joint-planning-execution": ("strong", 4),
            "strategic-assets": ("strong", 5),
        },
    ),
    Statement(
        5,
        "en",
        dt.date(2025, 12, 11),
        "Joint Press Statement on the Fifth Nuclear Consultative Group Meeting",
        [
            "The fifth NCG meeting was held in Washington.",
            "The United States reaffirmed extended deterrence backed by its full range of "
            "capabilities, including nuclear.",
            "The ROK will take the leading role in the conventional defense of the peninsula.",
        ],
        {"extended-deterrence": ("strong", 1), "rok-leading-role": ("strong", 2)},
    ),
]

KO = [
    Statement(
        1,
        "ko",
        dt.date(2023, 7, 18),
        "핵협의그룹 출범회의 공동언론발표문",
        [
            "한미는 서울에서 첫 핵협의그룹 회의를 열었다.",
            "미국은 핵을 포함한 모든 범주의 미국 역량으로 뒷받침되는 확장억제를 재확인했다.",
            "북한의 어떠한 핵 공격도 용납될 수 없으며 정권의 종말로 이어질 것이다.",
            "양측은 공동기획 및 실행을 계속해 나가기로 했다.",
        ],
        {
            "extended-deterrence": ("strong", 1),
            "end-of-regime": ("strong", 2),
            "joint-planning-execution": ("medium", 3),
        },
    ),
    Statement(
        2,
        "ko",
        dt.date(2023, 12, 16),
        "제2차 핵협의그룹 회의 공동언론발표문",
        [
            "핵협의그룹은 워싱턴에서 두 번째 회의를 가졌다.",
            "미국은 핵을 포함한 모든 범주의 미국 역량으로 뒷받침되는 확장억제를 재확인했다.",
            "북한의 핵 공격에는 즉각적이고 압도적이며 결정적인 대응이 따를 것이다.",
        ],
        {"extended-deterrence": ("strong", 1), "swift-response": ("strong", 2)},
    ),
    Statement(
        3,
        "ko",
        dt.date(2024, 6, 10),
        "제3차 핵협의그룹 회의 공동언론성명",
        [
            "제3차 회의는 서울 국방부에서 열렸다.",
            "미국은 핵을 포함한 모든 범주의 미국 역량으로 뒷받침되는 확장억제를 재확인했다.",
            "양측은 공동기획 및 실행에 합의했다.",
        ],
        {"extended-deterrence": ("strong", 1), "joint-planning-execution": ("strong", 2)},
    ),
    Statement(
        4,
        "ko",
        dt.date(2025, 1, 11),
        "제4차 핵협의그룹 회의 공동언론성명",
        [
            "제4차 회의는 워싱턴에서 열렸다.",
            "미국은 핵을 포함한 모든 범주의 미국 역량으로 뒷받침되는 확장억제를 재확인했다.",
            "북한의 어떠한 핵 공격도 용납될 수 없으며 정권의 종말로 이어질 것이다.",
            "양측은 공동기획 및 실행을 재확인했다.",
        ],
        {
            "extended-deterrence": ("strong", 1),
            "end-of-regime": ("strong", 2),
            "joint-planning-execution": ("strong", 3),
        },
    ),
    Statement(
        5,
        "ko",
        dt.date(2025, 12, 12),
        "제5차 핵협의그룹 회의 공동언론성명",
        [
            "제5차 회의는 워싱턴에서 열렸다.",
            "미국은 핵을 포함한 모든 범주의 미국 역량으로 뒷받침되는 확장억제를 재확인했다.",
            "한국은 한반도 재래식 방위에서의 주도적 역할을 맡을 것이다.",
        ],
        {"extended-deterrence": ("strong", 1), "rok-leading-role": ("strong", 2)},
    ),
]

# The silent edit of the English 5th statement: one clause reworded, weaker wording.
EN5_EDIT = [
    *EN[4].clauses[:2],
    "The ROK may explore a leading role in the conventional defense of the peninsula.",
]


@dataclass
class NcgHistory:
    """Ids of what ``build`` stored: versions by (meeting, language), the edit's version."""

    url: str
    versions: dict[tuple[int, str], int] = field(default_factory=dict)
    documents: dict[tuple[int, str], int] = field(default_factory=dict)
    edit_version: int = 0
    comparisons: list[int] = field(default_factory=list)


def _rows(texts: list[str]) -> list[store.ClauseRow]:
    return [store.ClauseRow(i, i, t, t.lower()) for i, t in enumerate(texts)]


def word_diff(old: str, new: str) -> list[list[Any]]:
    """Word opcodes in the stored shape, from difflib (the engine's own diff is not needed)."""
    import difflib

    a, b = old.split(), new.split()
    return [
        [tag, a[i1:i2], b[j1:j2]]
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes()
    ]


def comparison_for(
    old: list[str],
    new: list[str],
    old_mentions: dict[str, tuple[str, int]],
    new_mentions: dict[str, tuple[str, int]],
    kind: str,
) -> dict[str, Any]:
    """A hand-made comparison: clauses equal by text, the rest dropped/added; commitments
    from the two mention sets."""
    clauses: list[dict[str, Any]] = []
    summary = {"unchanged": 0, "added": 0, "dropped": 0, "modified": 0}
    for i, t in enumerate(old):
        if t in new:
            j = new.index(t)
            clauses.append(
                {
                    "status": "unchanged",
                    "old": [i],
                    "new": [j],
                    "old_text": t,
                    "new_text": t,
                    "score": 100.0,
                    "diff": None,
                }
            )
            summary["unchanged"] += 1
        elif len(old) == len(new) and i == len(old) - 1:
            # The edited last clause: a modification with a word diff.
            clauses.append(
                {
                    "status": "modified",
                    "old": [i],
                    "new": [i],
                    "old_text": t,
                    "new_text": new[i],
                    "score": 70.0,
                    "diff": word_diff(t, new[i]),
                }
            )
            summary["modified"] += 1
        else:
            clauses.append(
                {
                    "status": "dropped",
                    "old": [i],
                    "new": [],
                    "old_text": t,
                    "new_text": None,
                    "score": None,
                    "diff": None,
                }
            )
            summary["dropped"] += 1
    matched = {j for c in clauses for j in c["new"]}
    for j, t in enumerate(new):
        if j not in matched:
            clauses.append(
                {
                    "status": "added",
                    "old": [],
                    "new": [j],
                    "old_text": None,
                    "new_text": t,
                    "score": None,
                    "diff": None,
                }
            )
            summary["added"] += 1
    commitments = []
    for key in sorted(set(old_mentions) | set(new_mentions)):
        before, after = old_mentions.get(key), new_mentions.get(key)
        status = "retained" if before and after else "dropped" if before else "added"
        commitments.append(
            {
                "key": key,
                "label": LABELS[key],
                "status": status,
                "old_evidence": old[before[1]] if before else None,
                "new_evidence": new[after[1]] if after else None,
                "strength_old": before[0] if before else None,
                "strength_new": after[0] if after else None,
            }
        )
    return {
        "kind": kind,
        "clauses": clauses,
        "commitments": commitments,
        # A phrase for each dropped commitment, so the phrase views have rows.
        "phrases": [
            {"text": str(c["label"]).lower(), "status": "dropped", "support": 1}
            for c in commitments
            if c["status"] == "dropped"
        ],
        "summary": summary,
    }


def build(url: str) -> NcgHistory:
    """Store both languages' five statements, their successor comparisons and the edit."""
    built = NcgHistory(url)
    history: History = open_history(url)
    try:
        with history.sessions.begin() as s:
            series = store.ensure_series(s, "ncg", "NCG joint statements")
            sources = {
                "en": store.ensure_source(s, "us-dod", language="en"),
                "ko": store.ensure_source(s, "rok-mnd", language="ko"),
            }
            for statements in (EN, KO):
                previous: Statement | None = None
                for st in statements:
                    document, _ = store.ensure_document(
                        s,
                        url=st.url,
                        source_id=sources[st.language].id,
                        language=st.language,
                        series_id=series.id,
                        title=st.title,
                        published=st.published,
                    )
                    version, _ = store.add_version(
                        s, document.id, "\n\n".join(st.clauses), _rows(st.clauses)
                    )
                    store.save_mentions(
                        s,
                        version.id,
                        [
                            {
                                "key": k,
                                "label": LABELS[k],
                                "strength": strength,
                                "evidence": st.clauses[pos],
                                "position": pos,
                            }
                            for k, (strength, pos) in st.mentions.items()
                        ],
                    )
                    built.versions[(st.meeting, st.language)] = version.id
                    built.documents[(st.meeting, st.language)] = document.id
                    if previous is not None:
                        result = comparison_for(
                            previous.clauses,
                            st.clauses,
                            previous.mentions,
                            st.mentions,
                            "successor",
                        )
                        dropped = any(c["status"] == "dropped" for c in result["commitments"])
                        comparison, _ = store.save_comparison(
                            s,
                            built.versions[(previous.meeting, previous.language)],
                            version.id,
                            result,
                            severity="high" if dropped else "low",
                        )
                        built.comparisons.append(comparison.id)
                    previous = st
            fifth = EN[4]
            edit_mentions = {
                "extended-deterrence": ("strong", 1),
                "rok-leading-role": ("weak", 2),
            }
            edit, _ = store.add_version(
                s, built.documents[(5, "en")], "\n\n".join(EN5_EDIT), _rows(EN5_EDIT)
            )
            store.save_mentions(
                s,
                edit.id,
                [
                    {
                        "key": k,
                        "label": LABELS[k],
                        "strength": strength,
                        "evidence": EN5_EDIT[pos],
                        "position": pos,
                    }
                    for k, (strength, pos) in edit_mentions.items()
                ],
            )
            built.edit_version = edit.id
            result = comparison_for(
                fifth.clauses, EN5_EDIT, fifth.mentions, edit_mentions, "revision"
            )
            result["commitments"] = [
                {**c, "status": "weakened"} if c["key"] == "rok-leading-role" else c
                for c in result["commitments"]
            ]
            comparison, _ = store.save_comparison(
                s, built.versions[(5, "en")], edit.id, result, severity="medium"
            )
            built.comparisons.append(comparison.id)
    finally:
        history.close()
    return built


def module_database(request: pytest.FixtureRequest, backend: str) -> str:
    """A fresh migrated database for a module-scoped fixture (conftest's ``db_url`` is
    per test; read-only tests share one history to stay fast)."""
    name = "fresh_sqlite_url" if backend == "sqlite" else "fresh_pg_url"
    fresh: Callable[[], str] = request.getfixturevalue(name)
    return fresh()
