"""The labels of the quality benchmark: generated files are current and every label resolves."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "tests" / "fixtures" / "labels"
STATUSES = {"unchanged", "modified", "moved", "split", "merged", "added", "dropped"}
TRANSLATION_STATUSES = {"matched", "added", "dropped"}
CHANGE_STATUSES = {"added", "dropped", "retained", "weakened", "strengthened"}


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("labels_build", LABELS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BUILD = _load_build()
CASE_FILES = sorted((LABELS / "cases").glob("*.yaml"))


def _case(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def test_generated_files_are_current() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, content in BUILD.rendered_outputs().items()
        if not path.exists() or path.read_text(encoding="utf-8") != content
    ]
    assert stale == [], "run .venv/bin/python tests/fixtures/labels/build.py"


def test_every_case_file_comes_from_cases_yaml() -> None:
    names = {c["name"] for c in yaml.safe_load((LABELS / "cases.yaml").read_text())["cases"]}
    assert {p.stem for p in CASE_FILES} == names


def test_case_groups_cover_the_brief() -> None:
    groups = [_case(p)["group"] for p in CASE_FILES]
    assert len(groups) >= 60
    assert groups.count("successor") >= 8
    assert groups.count("translation") >= 5
    assert groups.count("revision") >= 5
    assert groups.count("no-lexicon") >= 2
    assert groups.count("cross-language") >= 8


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_labels_resolve_and_cover_both_documents(path: Path) -> None:
    case = _case(path)
    texts = {
        side: (ROOT / case[side]["file"]).read_text(encoding="utf-8") for side in ("old", "new")
    }
    covered: dict[str, list[str]] = {"old": [], "new": []}
    allowed = TRANSLATION_STATUSES if case["kind"] == "translation" else STATUSES
    for entry in case["alignment"]:
        assert entry["status"] in allowed
        assert entry["old"] or entry["new"]
        for side in ("old", "new"):
            for snippet in entry[side]:
                assert texts[side].count(snippet) == 1, snippet
                covered[side].append(snippet)
    for side in ("old", "new"):
        remainder = texts[side]
        for snippet in covered[side]:
            remainder = remainder.replace(snippet, "")
        assert remainder.split() == [], f"{side} text not covered by any label"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_expected_changes_are_well_formed(path: Path) -> None:
    case = _case(path)
    for item in case["commitments"]:
        assert item["status"] in CHANGE_STATUSES
        assert item["key"] and item["evidence"]
    for item in case["phrases"]:
        assert ("text" in item and item["status"] in CHANGE_STATUSES) or "also" in item
    for item in case["quantities"]:
        assert item["status"] in {"added", "dropped", "changed"}
        assert bool(item.get("old")) is (item["status"] != "added")
        assert bool(item.get("new")) is (item["status"] != "dropped")
    for item in case["participants"]:
        assert item["side"] in {"US", "ROK"}
        assert item["status"] in {"added", "dropped", "changed"}


def test_the_canonical_change_is_labelled() -> None:
    case = _case(LABELS / "cases" / "successor-ncg-4-5-en.yaml")
    dropped = [t for e in case["alignment"] if e["status"] == "dropped" for t in e["old"]]
    added = [t for e in case["alignment"] if e["status"] == "added" for t in e["new"]]
    assert any("joint planning and execution" in t for t in dropped)
    assert any("end of the Kim regime" in t for t in dropped)
    assert any("leading role" in t for t in added)
    changes = {(c["key"], c["status"]) for c in case["commitments"]}
    assert ("joint-planning-execution", "dropped") in changes
    assert ("rok-leading-conventional-role", "added") in changes
    assert ("extended-deterrence-full-range", "retained") in changes


def test_revision_labels_show_each_kind_of_edit() -> None:
    statuses = {
        p.stem: {e["status"] for e in _case(p)["alignment"]}
        for p in CASE_FILES
        if p.stem.startswith("revision-")
    }
    assert statuses["revision-ncg-1-ko-identical"] == {"unchanged"}
    assert "moved" in statuses["revision-ncg-2-en-paragraph-moved"]
    assert "split" in statuses["revision-ncg-3-en-clause-split"]
    assert "split" in statuses["revision-ncg-4-ko-clause-split"]
    assert "dropped" in statuses["revision-ncg-4-en-sentence-deleted"]
    assert statuses["revision-ncg-3-en-typo-fixed"] == {"unchanged", "modified"}


@pytest.mark.parametrize(
    ("annotated", "message"),
    [
        ("stray text [[a]]One.", "before the first marker"),
        ("[[a]]Same words. [[b]]Same words.", "not unique"),
    ],
)
def test_annotation_errors_are_reported(annotated: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BUILD.parse_annotated("x.en", annotated)


CLIMATE = ROOT / "tests" / "fixtures" / "series" / "climate"


@pytest.mark.parametrize(
    ("number", "phrase", "present"),
    [
        (1, "phase out unabated coal power", True),
        (2, "phase out unabated coal power", True),
        (3, "phase out unabated coal power", False),
        (1, "will mobilize climate finance", True),
        (2, "intend to mobilize climate finance", True),
        (3, "discussed mobilizing climate finance", True),
    ],
)
def test_climate_series_facts(number: int, phrase: str, present: bool) -> None:
    text = (CLIMATE / f"climate-{number}.en.txt").read_text(encoding="utf-8")
    assert (phrase in text) is present
