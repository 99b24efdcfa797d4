"""Every page that shows a command says, at its top, how the command gets on PATH (15.2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
COMMAND = re.compile(r"`(?:clausewatch|prefect) [a-z-]+|^(?:clausewatch|prefect) ", re.M)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_with_commands_says_how_they_get_on_path(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    if not COMMAND.search(text):
        pytest.skip("shows no command")
    head = "\n".join(text.splitlines()[:40])
    assert "source .venv/bin/activate" in head and ".venv/bin/clausewatch" in head, page.name
