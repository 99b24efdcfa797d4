"""``timeline``, ``search``, ``report`` and ``browse`` through the CLI entry point."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.ncg_history import NcgHistory

#: The ``cli`` fixture (tests/commands/conftest.py): (exit code, stdout, stderr).
Runner = Callable[..., tuple[int, str, str]]


def test_timeline_json_and_text(cli: Runner) -> None:
    code, out, _ = cli("timeline", "--series", "ncg", "--lang", "ko", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["language"] == "ko" and len(data["documents"]) == 5
    jpe = next(r for r in data["commitments"] if r["key"] == "joint-planning-execution")
    assert [c["state"] for c in jpe["cells"]] == [
        "present",
        "absent",
        "present",
        "present",
        "absent",
    ]
    code, out, _ = cli("timeline", "--series", "ncg")
    line = next(x for x in out.splitlines() if x.startswith("Joint planning and execution"))
    assert line.split()[-5:] == ["M", "✗", "S", "S", "✗"]


def test_timeline_png_and_html(cli: Runner, tmp_path: Path) -> None:
    png = tmp_path / "t.png"
    code, _, _ = cli("timeline", "--series", "ncg", "--format", "png", "--out", str(png))
    data = png.read_bytes()
    assert code == 0 and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1600, 900)
    page = tmp_path / "t.html"
    code, _, _ = cli("timeline", "--series", "ncg", "--format", "html", "--out", str(page))
    assert code == 0 and "data:image/png;base64," in page.read_text(encoding="utf-8")
    code, _, err = cli("timeline", "--series", "ncg", "--format", "png")
    assert code == 2 and "--out" in err


def test_search_json_and_text(cli: Runner) -> None:
    code, out, _ = cli("search", "공동기획", "--series", "ncg", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert [s["published"] for s in data["statements"]] == [
        "2023-07-18",
        "2024-06-10",
        "2025-01-11",
    ]
    assert data["last_seen"]["published"] == "2025-01-11"
    code, out, _ = cli("search", "joint planning and execution", "--lang", "en")
    assert code == 0
    assert "last seen:  2025-01-10  Joint Press Statement on the Fourth" in out
    code, out, _ = cli("search", "joint planing", "--fuzzy", "--format", "json")
    assert code == 0 and len(json.loads(out)["statements"]) == 3


def test_search_without_hit_is_empty_not_an_error(cli: Runner) -> None:
    code, out, _ = cli("search", "denuclearization", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["statements"] == [] and data["last_seen"] is None
    code, out, _ = cli("search", "denuclearization")
    assert code == 0 and out == "no clause holds “denuclearization”\n"


@pytest.mark.parametrize(
    "args",
    [
        ("timeline", "--series", "nope"),
        ("search", "joint", "--series", "nope"),
        ("report", "--series", "nope", "--out", "r.html"),
        ("search", "  "),
    ],
)
def test_bad_arguments_exit_2(cli: Runner, args: tuple[str, ...]) -> None:
    code, out, err = cli(*args)
    assert code == 2 and out == "" and err.count("\n") == 1


def test_report(cli: Runner, tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    code, out, _ = cli("report", "--series", "ncg", "--out", str(out_file))
    assert code == 0 and "5 statements, 5 comparisons" in out
    page = out_file.read_text(encoding="utf-8")
    assert page.count('<h2 id="cmp-') == 5 and "data:image/png;base64," in page
    assert "Joint planning and execution" in page


def test_browse_refuses_postgresql(cli: Runner, ncg: NcgHistory) -> None:
    if ncg.url.startswith("sqlite"):
        pytest.skip("browse serves SQLite histories; tested through Datasette's client")
    code, _, err = cli("browse", "--no-open")
    assert code == 2 and "read-only role" in err


def test_a_search_phrase_is_capped_in_length(cli: Runner) -> None:
    code, out, err = cli("search", "joint planning and execution " * 70, "--fuzzy")
    assert code == 2 and out == ""
    assert err.startswith("clausewatch: error: the search phrase has ")
    assert "at most 200" in err and err.count("\n") == 1
