"""docs/operators.md's deployments table and prefect.yaml name the same deployments, each
with the same flow (check-sources was once deployed but missing from the table)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HEADER = "| deployment | flow | schedule | what it does |"
ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| `(?P<flow>[^`]+)` \|")


def documented() -> dict[str, str]:
    """The deployments table of docs/operators.md: deployment name → flow entrypoint."""
    lines = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its |---| line
    rows: dict[str, str] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        match = ROW.match(line)
        assert match, f"a row of the deployments table is not `name` | `flow`: {line}"
        assert match["name"] not in rows, f"{match['name']} is listed twice"
        rows[match["name"]] = match["flow"]
    return rows


def deployed() -> dict[str, str]:
    """prefect.yaml's deployments: name → entrypoint."""
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return {d["name"]: d["entrypoint"] for d in config["deployments"]}


def test_the_table_lists_every_deployment_and_no_other() -> None:
    table, config = documented(), deployed()
    assert config, "prefect.yaml declares no deployment"
    assert sorted(set(config) - set(table)) == [], "deployed but missing from the table"
    assert sorted(set(table) - set(config)) == [], "in the table but not deployed"


def test_the_table_names_each_deployments_flow() -> None:
    assert documented() == deployed()
