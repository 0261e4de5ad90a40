"""`risk questions`, `risk screen` and `risk history` through the command line, stored in the vault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import VaultSetup
from stalkproof.risk import store
from stalkproof.risk.instrument import default_instrument


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_risk_questions_json_shape(cli: Any) -> None:
    result = cli("risk", "questions", "--json")
    assert result.code == 0
    questions = result.json()
    assert [q["id"] for q in questions] == [item.id for item in default_instrument().items]
    for question in questions:
        assert {"id", "text", "topic", "type"} <= set(question)
        assert question["type"] in {"yes_no_unknown", "choice", "number"}
    assert cli("risk", "questions").code == 0


def test_screen_is_stored_and_a_rescreen_shows_changes(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    first_file = write(tmp_path, "first.yaml", "ex_intimate: yes\nthreats_violence: yes\nweapons: no\n")
    first = cli("risk", "screen", "--answers", first_file, "--jurisdiction", "gb-eng-wls", "--json")
    assert first.code == 0, first.err
    data = first.json()
    assert {"instrument", "version", "level", "reasons", "actions", "referrals", "changes"} <= set(data)
    assert (data["instrument"], data["version"], data["level"]) == ("stalking-screen", "1.0.0", "elevated")
    assert data["changes"] is None

    second_file = write(tmp_path, "second.yaml", "ex_intimate: yes\nthreats_violence: yes\nweapons: yes\n")
    second = cli("risk", "screen", "--answers", second_file, "--json").json()
    changes = second["changes"]
    assert changes["previous"] == data["id"]
    assert changes["level"] == {"before": "elevated", "after": "high", "changed": True}
    assert changes["answers"] == [{"id": "weapons", "before": "no", "after": "yes"}]
    assert any("weapon" in text for text in changes["reasons_added"])

    history = cli("risk", "history", "--json").json()
    assert [(h["version"], h["level"]) for h in history] == [(1, "elevated"), (2, "high")]
    assert history[1]["supersedes"] == history[0]["id"]
    (case,) = cli("case", "list", "--json").json()
    with case_setup.open() as vault:
        rows = store.history(vault, case["id"], store.SCREENING)
    assert [(row.kind, row.instrument_version) for row in rows] == [("risk_screening", "1.0.0")] * 2
    assert rows[1].result["answers"]["weapons"] == "yes"
    human = cli("risk", "screen", "--answers", second_file)
    assert human.code == 0 and "Concern level: high" in human.out and "The level is the same" in human.out
    assert cli("verify").code == 0


def test_malformed_answers_file_is_one_sentence_with_file_and_line(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, "broken.yaml", "weapons: no\nthreats_kill: [yes\n")
    result = cli("risk", "screen", "--answers", path)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"{path}, line ") and result.err.count("\n") == 1
    assert cli("risk", "history", "--json").json() == []


def test_unknown_item_id_is_one_sentence_with_file_and_line(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, "typo.yaml", "weapons: no\nthreat_to_kill: yes\n")
    result = cli("risk", "screen", "--answers", path)
    assert result.code == 1
    assert result.err == (
        f"{path}, line 2: 'threat_to_kill' is not one of the questions; "
        "'stalkproof risk questions' lists their ids.\n"
    )


def test_bad_value_names_what_is_allowed(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "value.yaml", "fear: petrified\n")
    result = cli("risk", "screen", "--answers", path)
    assert result.code == 1 and "line 1" in result.err and "not_really, a_little, quite, very" in result.err


def test_screen_without_answers_or_terminal_asks_for_a_file(case_setup: VaultSetup, cli: Any) -> None:
    result = cli("risk", "screen")
    assert result.code == 1 and "--answers" in result.err
