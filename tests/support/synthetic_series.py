"""Three synthetic series (NCG, SCM, leaders) in English and Korean, written for the tests
of series side by side (ADR 0108) and reprocessing (ADR 0109), with the helpers that
ingest them and age the result as an older engine and a killed run would have left it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from models import History, open_history, store
from models.schema import Version
from pipeline import parallel
from pipeline.stages import StatementInput
from pipeline.tracking import chronological
from tests.support.fingerprints import subscribe_analyst

D = dt.date

#: Each meeting's sentences, written for these tests: the second meeting drops joint
#: planning and execution, the third adds a quantity, so successors flag and alert.
MEETINGS = {
    "en": [
        [
            "The two sides held meeting {n} of the {series} group in Seoul.",
            "They reaffirmed joint planning and execution of the alliance's nuclear deterrence.",
            "They agreed to hold two tabletop exercises each year.",
            "The next meeting will take place in Washington.",
        ],
        [
            "The two sides held meeting {n} of the {series} group in Washington.",
            "They agreed to hold two tabletop exercises each year.",
            "They reviewed progress on information sharing.",
            "The next meeting will take place in Seoul.",
        ],
        [
            "The two sides held meeting {n} of the {series} group in Seoul.",
            "They agreed to hold three tabletop exercises each year.",
            "They reviewed progress on information sharing and crisis consultation.",
            "The next meeting will take place in Washington.",
        ],
    ],
    "ko": [
        [
            "양측은 서울에서 {series} 그룹 제{n}차 회의를 개최했다.",
            "양측은 동맹의 핵억제에 관한 공동기획 및 공동실행을 재확인했다.",
            "양측은 매년 두 차례 도상연습을 실시하기로 합의했다.",
            "다음 회의는 워싱턴에서 열린다.",
        ],
        [
            "양측은 워싱턴에서 {series} 그룹 제{n}차 회의를 개최했다.",
            "양측은 매년 두 차례 도상연습을 실시하기로 합의했다.",
            "양측은 정보공유의 진전을 점검했다.",
            "다음 회의는 서울에서 열린다.",
        ],
        [
            "양측은 서울에서 {series} 그룹 제{n}차 회의를 개최했다.",
            "양측은 매년 세 차례 도상연습을 실시하기로 합의했다.",
            "양측은 정보공유와 위기협의의 진전을 점검했다.",
            "다음 회의는 워싱턴에서 열린다.",
        ],
    ],
}
SERIES = ("ncg", "scm", "us-rok-leaders")


def statement(series: str, meeting: int, language: str) -> StatementInput:
    """One synthetic statement; both languages of a meeting share its day and series."""
    text = "\n\n".join(s.format(n=meeting + 1, series=series) for s in MEETINGS[language][meeting])
    day = D(2025, 3, 3) + dt.timedelta(days=90 * meeting + SERIES.index(series))
    return StatementInput(
        url=f"https://example.org/{series}/{meeting + 1}/{language}",
        source="synthetic",
        text=text,
        language=language,
        title=f"{series} meeting {meeting + 1} ({language})",
        published=day,
        series=series,
    )


ALL = chronological(
    statement(s, m, language) for s in SERIES for m in range(3) for language in ("en", "ko")
)


def ingested(url: str) -> History:
    """A history at ``url`` (migrated) with the analyst subscribed and every synthetic
    statement ingested one series after another, lexically."""
    history = open_history(url)
    subscribe_analyst(history)
    for group in parallel.series_groups(ALL):
        for result in parallel.ingest_series(history, group, lexical=True):
            assert result.error is None, result
    return history


def keys(history: History) -> dict[int, tuple[str | None, str | None]]:
    """Each version's support key and stamp, by version id."""
    with history.sessions() as session:
        rows = session.execute(select(Version.id, Version.support_key, Version.support_stamp))
        return {int(i): (k, s) for i, k, s in rows}


def age(history: History) -> tuple[int, int]:
    """Make the history look as an older engine and a killed run left it: every support key
    under another stamp (half of them with none at all), and in each series the last
    successor comparison gone with its alerts. Returns (stale versions, removed)."""
    with history.sessions.begin() as session:
        ids = sorted(session.scalars(select(Version.id)))
        session.execute(update(Version).values(support_key="old key", support_stamp="0ld"))
        session.execute(
            update(Version)
            .where(Version.id.in_(ids[::2]))
            .values(support_key=None, support_stamp=None)
        )
        removed = 0
        for slug in SERIES:
            series = store.get_series(session, slug)
            assert series is not None
            last = max(cid for cid, _, _ in store.successor_comparisons(session, series.id))
            assert store.retire_comparison(session, last, "test: lost in a killed run")
            removed += 1
    return len(ids), removed
