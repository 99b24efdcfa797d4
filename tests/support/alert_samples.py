"""Sample comparisons for the alert tests, written for these tests from NCG-FACTS.md.

The texts paraphrase the 4th (2025-01-10) and 5th (2025-12-11) NCG meetings' statements;
they are not official wording.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from models.outbox import CaptureRef, OutboxItem, StatementRef

OLD_TITLE = "Joint Press Statement on the Fourth Nuclear Consultative Group Meeting"
NEW_TITLE = "Joint Press Statement on the 5th Nuclear Consultative Group Meeting"
OLD_URL = "https://www.defense.example/News/Releases/fourth-ncg-meeting/"
NEW_URL = "https://www.war.example/News/Releases/fifth-ncg-meeting/"


def _dropped(key: str, label: str, evidence: str) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "status": "dropped",
        "old_evidence": evidence,
        "new_evidence": None,
        "strength_old": "strong",
        "strength_new": None,
    }


NCG_4_TO_5: dict[str, Any] = {
    "kind": "successor",
    "old": {"title": OLD_TITLE, "language": "en", "clauses": 12},
    "new": {"title": NEW_TITLE, "language": "en", "clauses": 6},
    "clauses": [
        {
            "status": "modified",
            "old": [0],
            "new": [0],
            "old_text": "The United States and the Republic of Korea held the fourth NCG "
            "meeting in Washington on January 10, 2025.",
            "new_text": "The United States and the Republic of Korea held the fifth NCG "
            "meeting in Washington on December 11, 2025.",
            "score": 88.0,
            "diff": [
                [
                    "equal",
                    [
                        "The",
                        "United",
                        "States",
                        "and",
                        "the",
                        "Republic",
                        "of",
                        "Korea",
                        "held",
                        "the",
                    ],
                    [
                        "The",
                        "United",
                        "States",
                        "and",
                        "the",
                        "Republic",
                        "of",
                        "Korea",
                        "held",
                        "the",
                    ],
                ],
                ["replace", ["fourth"], ["fifth"]],
                [
                    "equal",
                    ["NCG", "meeting", "in", "Washington", "on"],
                    ["NCG", "meeting", "in", "Washington", "on"],
                ],
                ["replace", ["January", "10,"], ["December", "11,"]],
                ["equal", ["2025."], ["2025."]],
            ],
        },
        {
            "status": "unchanged",
            "old": [1],
            "new": [1],
            "old_text": "The United States reaffirmed that its extended deterrence commitment "
            "to the ROK is backed by the full range of US capabilities, including nuclear.",
            "new_text": "The United States reaffirmed that its extended deterrence commitment "
            "to the ROK is backed by the full range of US capabilities, including nuclear.",
            "score": 100.0,
            "diff": None,
        },
        {
            "status": "dropped",
            "old": [2],
            "new": [],
            "old_text": "Both sides stated that any nuclear attack by the DPRK against the ROK "
            "would be met with a swift, overwhelming and decisive response and would bring "
            "the end of the regime.",
            "new_text": None,
            "score": None,
            "diff": None,
        },
        {
            "status": "dropped",
            "old": [3],
            "new": [],
            "old_text": "The two sides reaffirmed joint planning and execution of ROK "
            "conventional support to US nuclear operations.",
            "new_text": None,
            "score": None,
            "diff": None,
        },
        {
            "status": "dropped",
            "old": [4],
            "new": [],
            "old_text": "The United States committed to enhance the regular visibility of its "
            "strategic assets on and around the Korean Peninsula.",
            "new_text": None,
            "score": None,
            "diff": None,
        },
        {
            "status": "added",
            "old": [],
            "new": [2],
            "old_text": None,
            "new_text": "The US side welcomed the ROK taking the leading role in the "
            "conventional defense of the Korean Peninsula.",
            "score": None,
            "diff": None,
        },
    ],
    "commitments": [
        _dropped(
            "end-of-regime",
            "A DPRK nuclear attack would mean the end of the regime",
            "Both sides stated that any nuclear attack by the DPRK against the ROK would be "
            "met with a swift, overwhelming and decisive response and would bring the end of "
            "the regime.",
        ),
        _dropped(
            "swift-decisive-response",
            "Swift, overwhelming and decisive response",
            "Both sides stated that any nuclear attack by the DPRK against the ROK would be "
            "met with a swift, overwhelming and decisive response and would bring the end of "
            "the regime.",
        ),
        _dropped(
            "joint-planning-execution",
            "Joint planning and execution",
            "The two sides reaffirmed joint planning and execution of ROK conventional "
            "support to US nuclear operations.",
        ),
        _dropped(
            "strategic-asset-visibility",
            "Regular visibility of US strategic assets",
            "The United States committed to enhance the regular visibility of its strategic "
            "assets on and around the Korean Peninsula.",
        ),
        _dropped(
            "dprk-named",
            "North Korea (DPRK) named",
            "Both sides stated that any nuclear attack by the DPRK against the ROK would be "
            "met with a swift, overwhelming and decisive response.",
        ),
        {
            "key": "rok-leading-conventional-role",
            "label": "ROK leading role in conventional defense",
            "status": "added",
            "old_evidence": None,
            "new_evidence": "The US side welcomed the ROK taking the leading role in the "
            "conventional defense of the Korean Peninsula.",
            "strength_old": None,
            "strength_new": "weak",
        },
        {
            "key": "extended-deterrence-full-range",
            "label": "Extended deterrence backed by the full range of US capabilities",
            "status": "retained",
            "old_evidence": "The United States reaffirmed that its extended deterrence "
            "commitment to the ROK is backed by the full range of US capabilities, including "
            "nuclear.",
            "new_evidence": "The United States reaffirmed that its extended deterrence "
            "commitment to the ROK is backed by the full range of US capabilities, including "
            "nuclear.",
            "strength_old": "strong",
            "strength_new": "strong",
        },
    ],
    "phrases": [{"text": "joint planning and execution", "status": "dropped", "support": 3}],
    "summary": {
        "unchanged": 1,
        "modified": 1,
        "moved": 0,
        "split": 0,
        "merged": 0,
        "added": 1,
        "dropped": 3,
    },
}


def ncg_item(
    comparison: dict[str, Any] | None = None,
    *,
    old_title: str = OLD_TITLE,
    new_title: str = NEW_TITLE,
    old_url: str = OLD_URL,
    new_url: str = NEW_URL,
    severity: str = "high",
    email: str = "analyst@example.org",
    series_title: str | None = "NCG joint statements",
    alert_id: int = 1,
    language: str = "en",
) -> OutboxItem:
    """An outbox item about ``comparison`` (default: the 4th→5th NCG one), without a DB."""
    data = copy.deepcopy(comparison if comparison is not None else NCG_4_TO_5)
    return OutboxItem(
        alert_id=alert_id,
        message_id=f"<alert.{alert_id}.1.test@clausewatch.invalid>",
        severity=severity,
        attempts=0,
        email=email,
        subscription_id=1,
        digest="immediate",
        subscription_series="ncg",
        subscription_keys=(),
        min_severity="medium",
        comparison_id=alert_id,
        series_slug="ncg",
        series_title=series_title,
        old=StatementRef(
            title=old_title,
            url=old_url,
            language=language,
            published=dt.date(2025, 1, 10),
            version_seq=1,
            capture=CaptureRef(
                old_url,
                dt.datetime(2025, 1, 11, 8, 30, tzinfo=dt.UTC),
                "ab" * 32,
                "cw-0001.warc.gz",
            ),
        ),
        new=StatementRef(
            title=new_title,
            url=new_url,
            language=language,
            published=dt.date(2025, 12, 11),
            version_seq=1,
            capture=CaptureRef(
                "https://web.archive.org/web/20251212093000/" + new_url,
                dt.datetime(2025, 12, 12, 9, 30, tzinfo=dt.UTC),
                "cd" * 32,
                None,
            ),
        ),
        comparison=data,
    )
