"""Triage: danger first, by jurisdiction; the helpline's three questions; the steps and services after."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from stalkproof.errors import InputError
from stalkproof.guide.pages import PAGES_DIR
from stalkproof.risk import referrals
from stalkproof.risk.emergency import table
from stalkproof.risk.triage import default_triage, run_triage

TRIAGE = default_triage()
HELPLINE_QUESTIONS = [q.id for q in TRIAGE.questions if q.group == "helpline"]
HELPLINE_NUMBER = "0808 802 0300"


def answers_file(tmp_path: Path, answers: dict[str, str]) -> str:
    path = tmp_path / "triage.yaml"
    path.write_text("".join(f"{key}: {value}\n" for key, value in answers.items()))
    return str(path)


@pytest.mark.parametrize(
    ("jurisdiction", "number", "service"),
    [
        ("gb-eng-wls", "999", "police-emergency-uk"),
        ("gb-sct", "999", "police-emergency-uk"),
        ("gb-nir", "999", "police-emergency-uk"),
        ("us-fed", "911", "police-emergency-us"),
        ("us-ca", "911", "police-emergency-us"),
        ("us-ny", "911", "police-emergency-us"),
    ],
)
def test_danger_now_comes_first_with_the_local_number(jurisdiction: str, number: str, service: str) -> None:
    result = run_triage(TRIAGE, {"danger_now": "yes", "harassed": "yes"}, jurisdiction)
    assert result.steps[0].text.startswith(f"Call {number} now.")
    assert result.referrals[0]["id"] == service
    assert result.emergency["number"] == number


def test_silent_call_is_explained_for_the_uk() -> None:
    result = run_triage(TRIAGE, {"danger_now": "yes"}, "gb-eng-wls")
    assert "press 55" in result.steps[0].text


def test_not_knowing_about_danger_is_treated_as_danger() -> None:
    result = run_triage(TRIAGE, {}, "gb-sct")
    assert result.danger_now == "unknown"
    assert "call 999" in result.steps[0].text and result.referrals[0]["id"] == "police-emergency-uk"


def test_no_danger_moves_the_number_to_the_end() -> None:
    result = run_triage(TRIAGE, {"danger_now": "no"}, "us-ca")
    assert "911" not in result.steps[0].text and "call 911" in result.steps[-1].text
    assert result.referrals[0]["id"] != "police-emergency-us"
    assert result.referrals[-1]["id"] == "police-emergency-us"


def test_eu_gets_112_and_no_law_step() -> None:
    result = run_triage(TRIAGE, {"danger_now": "yes"}, "eu")
    assert result.steps[0].text.startswith("Call 112 now.")
    assert not [s for s in result.steps if (s.command or "").startswith("stalkproof law")]


def test_no_jurisdiction_names_every_number_and_says_so() -> None:
    result = run_triage(TRIAGE, {"danger_now": "yes"})
    assert all(number in result.steps[0].text for number in ("999", "911", "112"))
    assert result.note == table().default_note


@pytest.mark.parametrize("question", HELPLINE_QUESTIONS)
def test_any_helpline_question_yes_recommends_the_helpline(question: str) -> None:
    answers = {q: "no" for q in HELPLINE_QUESTIONS} | {"danger_now": "no", question: "yes"}
    result = run_triage(TRIAGE, answers, "gb-eng-wls")
    assert result.contact_helpline
    assert result.referrals[0]["id"] == "national-stalking-helpline"
    contacts: Any = result.referrals[0]["contact"]
    assert {"kind": "phone", "value": HELPLINE_NUMBER} in contacts
    assert result.steps[0].command == "stalkproof guide contact-the-helpline"


def test_three_noes_do_not_recommend_the_helpline() -> None:
    answers = {q: "no" for q in HELPLINE_QUESTIONS} | {"danger_now": "no"}
    assert not run_triage(TRIAGE, answers, "gb-eng-wls").contact_helpline


def test_unanswered_helpline_questions_still_point_to_the_helpline() -> None:
    result = run_triage(TRIAGE, {"danger_now": "yes"}, "gb-eng-wls")
    assert not result.contact_helpline
    assert result.steps[1].text.startswith("If someone's behaviour")
    assert [r["id"] for r in result.referrals][:2] == ["police-emergency-uk", "national-stalking-helpline"]


def test_answers_from_code_are_checked() -> None:
    with pytest.raises(InputError, match="'in_danger'"):
        run_triage(TRIAGE, {"in_danger": "yes"})
    with pytest.raises(InputError, match="'sometimes' is not an answer"):
        run_triage(TRIAGE, {"danger_now": "sometimes"})


def test_next_steps_point_to_this_tool() -> None:
    result = run_triage(TRIAGE, {"danger_now": "no", "harassed": "yes"}, "gb-nir")
    commands = [s.command for s in result.steps]
    for wanted in ("stalkproof diary add", "stalkproof risk screen", "stalkproof law --jurisdiction gb-nir",
                   "stalkproof safety-plan", "stalkproof guide contact-the-helpline"):  # fmt: skip
        assert wanted in commands


def test_every_guide_page_and_service_named_exists() -> None:
    steps = [*TRIAGE.always, *(s for q in TRIAGE.questions for o in (q.if_yes, q.if_no) for s in o.steps)]
    outcomes = (TRIAGE.helpline.if_yes, TRIAGE.helpline.if_no, TRIAGE.helpline.if_unknown)
    steps += [step for outcome in outcomes for step in outcome.steps]
    pages = {m.group(1) for s in steps if (m := re.match(r"stalkproof guide ([a-z0-9-]+)$", s.command or ""))}
    assert pages and all((PAGES_DIR / f"{page}.md").exists() for page in pages)
    named = [r for q in TRIAGE.questions for o in (q.if_yes, q.if_no, q.if_unknown) for r in o.referrals]
    named += [r for outcome in outcomes for r in outcome.referrals]
    named += [r.emergency_referral or "" for r in table().regions if r.emergency_referral]
    assert set(named) <= set(referrals.directory())


def test_cli_triage_from_answers_file(tmp_path: Path, cli: Any) -> None:
    path = answers_file(tmp_path, {"danger_now": "no", "harassed": "no", "unsure": "yes", "at_risk": "no"})
    result = cli("triage", "--jurisdiction", "gb-eng-wls", "--answers", path, "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["contact_helpline"] is True and data["jurisdiction"] == "gb-eng-wls"
    assert set(data) >= {"danger_now", "emergency", "steps", "referrals", "answers"}
    human = cli("triage", "--jurisdiction", "gb-eng-wls", "--answers", path)
    assert human.code == 0 and HELPLINE_NUMBER in human.out


def test_cli_triage_danger_panel_for_the_us(tmp_path: Path, cli: Any) -> None:
    result = cli(
        "triage", "--jurisdiction", "us-ny", "--answers", answers_file(tmp_path, {"danger_now": "yes"})
    )
    assert result.code == 0
    assert result.out.index("911") < result.out.index("What you could do next")


def test_cli_triage_refuses_unknown_jurisdiction_and_question(tmp_path: Path, cli: Any) -> None:
    path = answers_file(tmp_path, {"danger_now": "no"})
    wrong_place = cli("triage", "--jurisdiction", "narnia", "--answers", path)
    assert wrong_place.code == 1 and "'narnia' is not a jurisdiction" in wrong_place.err
    bad = answers_file(tmp_path, {"danger_now": "no", "in_danger": "yes"})
    wrong_id = cli("triage", "--answers", bad)
    assert wrong_id.code == 1
    assert wrong_id.err.count("\n") == 1 and f"{bad}, line 2: 'in_danger'" in wrong_id.err


def test_cli_triage_without_answers_or_terminal_asks_for_a_file(cli: Any) -> None:
    result = cli("triage")
    assert result.code == 1 and "--answers" in result.err
