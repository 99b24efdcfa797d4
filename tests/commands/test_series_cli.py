"""``clausewatch series`` and ``clausewatch lexicon`` through the command line's entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from clausewatch.cli import main
from clausewatch.demo.corpus import get_statement


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def initialised_history(capsys: pytest.CaptureFixture[str]) -> None:
    """A history made by ``clausewatch init`` at the settings' default place."""
    assert cli(capsys, "init")[0] == 0


def test_list_shows_builtin_series_without_a_history(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "series", "list", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["slug"] for r in rows] == ["ncg", "scm", "us-rok-leaders"]
    assert set(rows[0]) == {"slug", "title", "builtin", "keywords", "languages", "lexicons"}
    assert rows[0]["builtin"] is True and rows[0]["lexicons"] == ["extended-deterrence"]


def test_add_edit_list_export_import_remove(
    capsys: pytest.CaptureFixture[str], initialised_history: None, tmp_path: Path
) -> None:
    code, out, err = cli(
        capsys,
        "series", "add", "trilateral",
        "--title", "US–Japan–ROK trilateral statements",
        "--keyword", "Trilateral", "--keyword", "ko:한미일",
        "--lang", "en", "--lang", "ko",
        "--lexicon", "extended-deterrence",
    )  # fmt: skip
    assert code == 0, err
    assert "added series trilateral" in out
    rows = {r["slug"]: r for r in json.loads(cli(capsys, "series", "list", "--format", "json")[1])}
    assert rows["trilateral"] == {
        "slug": "trilateral",
        "title": "US–Japan–ROK trilateral statements",
        "builtin": False,
        "keywords": {"*": ["Trilateral"], "ko": ["한미일"]},
        "languages": ["en", "ko"],
        "lexicons": ["extended-deterrence"],
    }
    assert cli(capsys, "series", "edit", "trilateral", "--no-lexicon")[0] == 0
    text = cli(capsys, "series", "list")[1]
    assert "trilateral  US–Japan–ROK trilateral statements  (user)" in text
    assert "none (phrase and figure changes)" in text

    exported = tmp_path / "series.yaml"
    assert cli(capsys, "series", "export", "--out", str(exported))[0] == 0
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert [s["slug"] for s in data["series"]] == ["trilateral"]
    assert cli(capsys, "series", "remove", "trilateral")[0] == 0
    assert "trilateral" not in cli(capsys, "series", "list")[1]
    code, out, _ = cli(capsys, "series", "import", str(exported))
    assert code == 0 and "imported 1 series (1 new)" in out
    assert "trilateral" in cli(capsys, "series", "list")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("series", "add", "ncg", "--title", "X", "--keyword", "x"), "'ncg' is a built-in series"),
        (("series", "add", "Bad!", "--title", "X", "--keyword", "x"), "slug must be"),
        (("series", "add", "x", "--title", "X", "--keyword", "x", "--lang", "fr"), "'fr'"),
        (("series", "add", "x", "--title", "X", "--keyword", "x", "--lexicon", "nope"),
         "unknown lexicon family 'nope'"),
        (("series", "add", "x", "--title", "X", "--keyword", "x", "--source", "nope"),
         "unknown source 'nope'"),
        (("series", "add", "x", "--title", "X", "--keyword", "x",
          "--not-statement-title", "(oops"), "bad pattern"),
        (("series", "edit", "ncg", "--title", "Y"), "built-in series"),
        (("run", "--series", "nope"), "unknown series 'nope'"),
        (("backfill", "--source", "us-dod", "--since", "2024-01-01", "--until", "2024-02-01",
          "--series", "nope"), "unknown series 'nope'"),
        (("series", "remove", "nope"), "unknown series 'nope'"),
        (("lexicon", "check", "missing.txt"), "missing.txt"),
    ],
)  # fmt: skip
def test_bad_definitions_are_one_line_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    initialised_history: None,
    args: tuple[str, ...],
    message: str,
) -> None:
    code, _, err = cli(capsys, *args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and err.startswith("clausewatch: error:")


def test_series_import_names_the_file_and_line_of_bad_yaml(
    capsys: pytest.CaptureFixture[str], initialised_history: None, tmp_path: Path
) -> None:
    bad = tmp_path / "series.yaml"
    bad.write_text("series:\n  - slug: x\n    title: [unclosed\n", encoding="utf-8")
    code, _, err = cli(capsys, "series", "import", str(bad))
    assert code == 2 and f"{bad}: line " in err and "not valid YAML" in err
    bad.write_text("series:\n  - {slug: x, title: X, keywords: [a], colour: red}\n")
    code, _, err = cli(capsys, "series", "import", str(bad))
    assert code == 2 and "unknown field 'colour'" in err and str(bad) in err
    # Nothing was imported from either file.
    assert "x  X" not in cli(capsys, "series", "list")[1]


def test_adding_a_series_twice_is_refused(
    capsys: pytest.CaptureFixture[str], initialised_history: None
) -> None:
    args = ("series", "add", "g7", "--title", "G7", "--keyword", "G7")
    assert cli(capsys, *args)[0] == 0
    code, _, err = cli(capsys, *args)
    assert code == 2 and "exists" in err


def test_import_needs_a_defined_series(
    capsys: pytest.CaptureFixture[str], initialised_history: None, tmp_path: Path
) -> None:
    path = tmp_path / "s-2025-01-01.txt"
    path.write_text("The two sides met.", encoding="utf-8")
    code, _, err = cli(capsys, "import", str(path), "--series", "nope", "--lexical")
    assert code == 2 and "unknown series 'nope'" in err and "series add" in err


def test_lexicon_check_prints_the_clause_each_commitment_matched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ncg-4.txt"
    path.write_text(get_statement("ncg-4-en").text, encoding="utf-8")
    code, out, err = cli(capsys, "lexicon", "check", str(path), "--family", "extended-deterrence")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}: en, ")
    joint = next(line for line in lines if line.strip().startswith("joint-planning-execution"))
    assert "clause" in joint and "joint planning and execution" in joint
    data = json.loads(cli(capsys, "lexicon", "check", str(path), "--format", "json")[1])
    [family] = data["families"]
    found = {c["key"]: c for c in family["commitments"]}
    assert (
        found["end-of-regime"]["found"]
        and "end of the Kim regime" in (found["end-of-regime"]["evidence"])
    )
    assert not found["rok-leading-conventional-role"]["found"]


def test_lexicon_check_reports_a_bad_family_file_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    statement = tmp_path / "s.txt"
    statement.write_text("The two sides will cut tariffs.", encoding="utf-8")
    family = tmp_path / "trade.yaml"
    family.write_text(
        "commitments:\n  - key: tariff-cut\n    patterns:\n      en:\n        - 'cut (tariffs'\n",
        encoding="utf-8",
    )
    code, _, err = cli(capsys, "lexicon", "check", str(statement), "--family", str(family))
    assert code == 2
    assert f"{family}:5: commitment 'tariff-cut': bad pattern 'cut (tariffs'" in err
    family.write_text(family.read_text().replace("'cut (tariffs'", "'cut tariffs?'"))
    code, out, _ = cli(capsys, "lexicon", "check", str(statement), "--family", str(family))
    assert code == 0 and "tariff-cut  clause 1 (" in out


def test_a_family_in_the_lexicon_folder_serves_a_user_series(
    capsys: pytest.CaptureFixture[str], initialised_history: None, _isolated_settings: Path
) -> None:
    folder = _isolated_settings / "lexicons"
    folder.mkdir()
    (folder / "trade.yaml").write_text(
        "commitments:\n  - key: tariff-cut\n    patterns: {en: ['cut tariffs?']}\n",
        encoding="utf-8",
    )
    assert "trade" in cli(capsys, "lexicon", "list")[1]
    code, _, err = cli(
        capsys, "series", "add", "trade", "--title", "Trade", "--keyword", "trade",
        "--lexicon", "trade",
    )  # fmt: skip
    assert code == 0, err
    # Importing reads the folder's family too: the commitment is found, then found gone.
    first, second = (
        _isolated_settings / "trade-2024-03-01.txt",
        _isolated_settings / "trade-2025-03-01.txt",
    )
    first.write_text(
        "The trade ministers met in Lisbon.\n\nThe partners agreed to cut tariffs on machine"
        " parts by the end of the year.\n",
        encoding="utf-8",
    )
    second.write_text(
        "The trade ministers met in Oslo.\n\nThe partners reviewed customs procedures for"
        " machine parts.\n",
        encoding="utf-8",
    )
    code, _, err = cli(capsys, "import", str(first), str(second), "--series", "trade", "--lexical")
    assert code == 0, err
    [change] = json.loads(cli(capsys, "changes", "--format", "json")[1])
    assert [(c["key"], c["status"]) for c in change["commitments"]] == [("tariff-cut", "dropped")]


TRILATERAL = sorted((Path(__file__).parents[1] / "fixtures" / "trilateral").glob("*.txt"))


def test_a_user_series_with_no_lexicon_gets_phrase_and_quantity_flags_and_a_timeline(
    capsys: pytest.CaptureFixture[str], initialised_history: None
) -> None:
    code, _, err = cli(
        capsys, "series", "add", "trilateral-defense",
        "--title", "US–Japan–ROK defense ministers' statements",
        "--keyword", "trilateral", "--lang", "en",
    )  # fmt: skip
    assert code == 0, err
    assert len(TRILATERAL) == 3
    code, out, err = cli(
        capsys, "import", *map(str, TRILATERAL), "--series", "trilateral-defense", "--lexical"
    )
    assert code == 0, err
    changes = json.loads(cli(capsys, "changes", "--format", "json")[1])
    assert [c["kind"] for c in changes] == ["successor", "successor"]
    # No lexicon family: no commitment is looked for, phrases carry the change.
    assert all(c["commitments"] == [] for c in changes)
    last = changes[-1]
    dropped = {p["text"].lower() for p in last["phrases"] if p["status"] == "dropped"}
    assert any("denuclearization" in p for p in dropped), last["phrases"]
    # And figures: the ministers' meetings went from every year to every two years.
    assert {(q["kind"], q["old"], q["new"]) for q in last["quantities"]} >= {
        ("frequency", "every year", "every two years")
    }

    code, out, err = cli(capsys, "timeline", "--series", "trilateral-defense", "--format", "json")
    assert code == 0, err
    timeline = json.loads(out)
    assert [d["published"] for d in timeline["documents"]] == [
        "2024-06-02",
        "2024-07-28",
        "2025-12-12",
    ]
    assert timeline["commitments"] == []
    rows = {r["phrase"].lower(): [c["state"] for c in r["cells"]] for r in timeline["phrases"]}
    denuclearization = next(v for k, v in rows.items() if "denuclearization" in k)
    assert denuclearization == ["present", "present", "absent"]
    text = cli(capsys, "timeline", "--series", "trilateral-defense")[1]
    assert "Phrases that appeared or vanished:" in text


def test_builtin_series_are_known_to_the_analyst_commands_from_init(
    capsys: pytest.CaptureFixture[str], initialised_history: None
) -> None:
    code, _, err = cli(capsys, "timeline", "--series", "scm")
    assert code == 0 and "no en statements stored for series 'scm'" in err
    code, _, err = cli(capsys, "subscribe", "a@example.org", "--series", "scm")
    assert code == 0, err
    code, _, err = cli(capsys, "subscribe", "a@example.org", "--series", "sxm")
    assert code == 2 and "unknown series 'sxm'" in err
