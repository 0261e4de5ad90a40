"""The safety plan: saved in the vault, a new version each time, every version kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import VaultSetup
from stalkproof.risk import store
from stalkproof.risk.safety_plan import template

FIRST = """\
people:
  - My sister Ana checks in at 9pm
  - Reception at work screens visitors
code_word: "Text 'pineapple' to Ana: she calls the police"
"""
SECOND = """\
people: My sister Ana checks in at 9pm
safe_places: [The supermarket on Hill Road, open until 11pm]
numbers: ~
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_saving_twice_keeps_both_versions(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    first = cli("safety-plan", "--answers", write(tmp_path, "one.yaml", FIRST), "--json")
    assert first.code == 0, first.err
    one = first.json()
    assert one["version"] == 1 and one["supersedes"] is None
    sections = {s["id"]: s["entries"] for s in one["sections"]}
    assert list(sections) == template().section_ids()
    assert sections["people"] == ["My sister Ana checks in at 9pm", "Reception at work screens visitors"]
    assert sections["home"] == []

    two = cli("safety-plan", "--answers", write(tmp_path, "two.yaml", SECOND), "--json").json()
    assert two["version"] == 2 and two["supersedes"] == one["id"]
    assert {s["id"]: s["entries"] for s in two["sections"]}["code_word"] == []

    (case,) = cli("case", "list", "--json").json()
    with case_setup.open() as vault:
        versions = store.history(vault, case["id"], store.SAFETY_PLAN)
    assert [v.id for v in versions] == [one["id"], two["id"]]
    assert versions[0].result["sections"]["code_word"] == ["Text 'pineapple' to Ana: she calls the police"]
    assert cli("verify").code == 0


def test_show_gives_the_latest_plan(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    assert cli("safety-plan", "--show", "--json").json() is None
    assert "No safety plan saved" in cli("safety-plan", "--show").out
    saved = cli("safety-plan", "--answers", write(tmp_path, "one.yaml", FIRST), "--json").json()
    assert cli("safety-plan", "--show", "--json").json() == saved
    human = cli("safety-plan", "--show", "--jurisdiction", "gb-eng-wls")
    assert human.code == 0 and "People I can tell" in human.out and "pineapple" in human.out


def test_unknown_section_names_the_line(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "people: Ana\nescape_route: back door\n")
    result = cli("safety-plan", "--answers", path)
    assert result.code == 1 and result.err.startswith(f"{path}, line 2: 'escape_route' is not a section")


def test_empty_plan_is_not_saved(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    result = cli("safety-plan", "--answers", write(tmp_path, "empty.yaml", "people: []\n"))
    assert result.code == 1 and "empty" in result.err
    assert cli("safety-plan", "--show", "--json").json() is None


def test_show_and_answers_together_is_a_usage_error(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    assert cli("safety-plan", "--show", "--answers", write(tmp_path, "one.yaml", FIRST)).code == 2
