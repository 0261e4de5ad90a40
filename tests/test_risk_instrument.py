"""The screening instrument: its data file, its rules, and the pure `screen` function."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import write_yaml
from stalkproof.errors import InputError
from stalkproof.risk import referrals
from stalkproof.risk.answers import question_for, read_answers
from stalkproof.risk.instrument import DEFAULT_INSTRUMENT, Instrument, default_instrument, load_instrument
from stalkproof.risk.screening import Screening, Signal, screen

INSTRUMENT = default_instrument()
BORROWED_NAMES = re.compile(r"\b(S-DASH|DASH|Dash|SHARP|SAM|SRP)\b")


def all_no(instrument: Instrument = INSTRUMENT) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in instrument.items:
        if item.type == "choice":
            answers[item.id] = next(c.value for c in item.choices if c.counts_as == "no")
        else:
            answers[item.id] = 0 if item.type == "number" else "no"
    return answers


def rewritten(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(DEFAULT_INSTRUMENT.read_text(encoding="utf-8"))
    change(data)
    return write_yaml(tmp_path / "instrument.yaml", data)


def test_instrument_validates_and_is_documented() -> None:
    assert INSTRUMENT.version == "1.0.0"
    assert 18 <= len(INSTRUMENT.items) <= 24
    assert INSTRUMENT.source and INSTRUMENT.reviewed and INSTRUMENT.reviewer
    for item in INSTRUMENT.items:
        assert item.evidence and item.licence and item.adviser_note
        assert "wording not reproduced" in item.licence or "Own wording and topic" in item.licence


def test_our_wording_never_borrows_a_tools_name() -> None:
    for item in INSTRUMENT.items:
        assert not BORROWED_NAMES.search(item.text + item.label), item.id
    assert not BORROWED_NAMES.search(INSTRUMENT.title)


def test_every_referral_id_is_in_the_directory() -> None:
    known = referrals.directory()
    named = [r for advice in INSTRUMENT.levels.values() for r in advice.referrals]
    named += [r for item in INSTRUMENT.items for r in item.referrals]
    assert set(named) <= set(known)


@pytest.mark.parametrize("field", ["source", "reviewed"])
def test_missing_provenance_fails(tmp_path: Path, field: str) -> None:
    path = rewritten(tmp_path, lambda data: data.pop(field))
    with pytest.raises(InputError, match=field):
        load_instrument(path)


def test_unknown_item_type_fails_at_its_line(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["items"][1]["type"] = "free_text"

    path = rewritten(tmp_path, change)
    with pytest.raises(InputError, match="type") as raised:
        load_instrument(path)
    line = raised.value.line
    assert line is not None and "free_text" in path.read_text().splitlines()[line - 1]


def test_rule_on_a_missing_item_fails(tmp_path: Path) -> None:
    path = rewritten(tmp_path, lambda data: data["always_escalate"][0].update(item="no_such_item"))
    with pytest.raises(InputError, match="no_such_item"):
        load_instrument(path)


def test_all_no_is_standard_with_no_reasons() -> None:
    result = screen(INSTRUMENT, all_no())
    assert (result.level, result.reasons, result.unknowns) == ("standard", [], [])


@pytest.mark.parametrize("rule", INSTRUMENT.always_escalate, ids=lambda rule: rule.id)
def test_each_always_escalate_rule_gives_high_with_its_reason(rule: Any) -> None:
    answers = all_no() | {rule.item: rule.values[0]}
    result = screen(INSTRUMENT, answers)
    assert result.level == "high"
    fired = [reason for reason in result.reasons if reason.kind == "escalation"]
    assert [(r.rule, r.text) for r in fired] == [(rule.id, rule.reason)]


def test_quite_frightened_counts_but_does_not_escalate() -> None:
    result = screen(INSTRUMENT, all_no() | {"fear": "quite"})
    assert result.level == "standard" and result.score == 2
    assert [r.item for r in result.reasons] == ["fear"]


def test_weighted_yes_answers_reach_the_thresholds() -> None:
    elevated = screen(INSTRUMENT, all_no() | {"ex_intimate": "yes", "threats_violence": "yes"})
    assert (elevated.level, elevated.score) == ("elevated", 4)
    assert elevated.reasons[0].kind == "threshold"
    heavy = {
        "ex_intimate": "yes",
        "threats_violence": "yes",
        "violence_history": "yes",
        "violence_during": "yes",
    }
    high = screen(INSTRUMENT, all_no() | heavy)
    assert (high.level, high.score) == ("high", 9)
    assert not [r for r in high.reasons if r.kind == "escalation"]


def test_numbers_count_as_yes_from_their_threshold() -> None:
    assert screen(INSTRUMENT, all_no() | {"visits": 2}).score == 0
    result = screen(INSTRUMENT, all_no() | {"visits": 3})
    assert result.score == 1 and "3 times a week" in result.reasons[0].text


def test_unknowns_are_counted_and_named() -> None:
    answers = all_no()
    for item_id in ("weapons", "substance_misuse"):
        answers.pop(item_id)
    answers["strangulation"] = "unknown"
    result = screen(INSTRUMENT, answers)
    assert result.level == "standard"
    assert [u.id for u in result.unknowns] == ["weapons", "strangulation", "substance_misuse"]
    assert [u.escalates for u in result.unknowns] == [True, True, False]
    assert result.if_unknowns_were_yes == "high"
    assert any(a.startswith("3 of the answers are not known yet") for a in result.actions)
    assert any("would be high" in a for a in result.actions)


def test_nothing_answered_lists_every_item_as_unknown() -> None:
    result = screen(INSTRUMENT, {})
    assert len(result.unknowns) == len(INSTRUMENT.items)
    assert result.answers == {item.id: "unknown" for item in INSTRUMENT.items}


def test_signal_answers_an_unknown_and_escalates_with_its_events() -> None:
    answers = all_no()
    answers.pop("threats_kill")
    signal = Signal("threats_kill", "a message on 3 March says 'you're dead'", ("ev01", "ev02"))
    result = screen(INSTRUMENT, answers, [signal])
    assert result.level == "high"
    assert result.reasons[0].rule == "threats-to-kill" and result.reasons[0].events == ["ev01", "ev02"]
    assert any("not answered, but the records point to it" in r.text for r in result.reasons)


def test_signal_against_a_no_is_counted_and_named() -> None:
    result = screen(INSTRUMENT, all_no(), [Signal("stalkerware_or_tracking", "knew the cafe", ("ev9",))])
    (reason,) = result.reasons
    assert reason.kind == "signal" and "answer given was 'no'" in reason.text and reason.events == ["ev9"]
    assert result.score == 1


def test_signal_on_a_topic_with_no_question_is_listed_only() -> None:
    result = screen(INSTRUMENT, all_no(), [Signal("night_calls", "calls between 1 and 4 am", ("ev5",))])
    assert result.level == "standard" and result.score == 0
    assert [(r.kind, r.topic, r.events) for r in result.reasons] == [("signal", "night_calls", ["ev5"])]


def test_referrals_follow_level_and_jurisdiction() -> None:
    answers = all_no() | {"weapons": "yes", "ex_intimate": "yes"}
    uk = [r["id"] for r in screen(INSTRUMENT, answers, jurisdiction="gb-eng-wls").referrals]
    assert uk[:3] == ["police-emergency-uk", "police-non-emergency-uk", "paladin"]
    assert "national-stalking-helpline" in uk and "national-domestic-abuse-helpline" in uk
    us = [r["id"] for r in screen(INSTRUMENT, answers, jurisdiction="us-ca").referrals]
    assert us[0] == "police-emergency-us" and "paladin" not in us and "nys-dsv-hotline" not in us
    high = screen(INSTRUMENT, answers, jurisdiction="us-ca")
    assert high.actions[0].startswith("If you are in danger now, call 911.")


def test_answers_from_code_are_checked_too() -> None:
    with pytest.raises(InputError, match="'no_such_item'"):
        screen(INSTRUMENT, {"no_such_item": "yes"})
    with pytest.raises(InputError, match="'perhaps' is not an answer to 'weapons'"):
        screen(INSTRUMENT, {"weapons": "perhaps"})
    assert screen(INSTRUMENT, {"weapons": "Yes", "visits": "5"}).answers["visits"] == 5


def test_screening_round_trips_through_json() -> None:
    result = screen(INSTRUMENT, all_no() | {"fear": "very"}, [Signal("escalation", "more often", ("e1",))])
    assert Screening.model_validate(result.model_dump(mode="json")) == result


def shapes() -> dict[str, Any]:
    return {item.id: question_for(item) for item in INSTRUMENT.items}


def test_answers_file_accepts_plain_ways_of_answering(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        'threats_kill: yes\nweapons: No\nfear: very\nvisits: 4\nduration: "don\'t know"\nescalation:\n'
    )
    assert read_answers(path, shapes(), "see the list") == {
        "threats_kill": "yes", "weapons": "no", "fear": "very", "visits": 4, "duration": "unknown",
        "escalation": "unknown",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("threats_kill: yes\nfear: terrified\n", 2, "'terrified' is not an answer to 'fear'"),
        ("threats_kill: yes\nvisits: lots\n", 2, "a whole number"),
        ("weapons: no\nweapons: yes\n", 2, "given twice"),
        ("weapons: [yes, no]\n", 1, "not an answer"),
        ("- weapons\n", 1, "one 'name: value' per line"),
        ("weapons: no\n  strangulation: yes\n", 2, "not valid YAML"),
    ],
)
def test_bad_answers_name_the_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(words)) as raised:
        read_answers(path, shapes(), "see the list")
    assert raised.value.line == line


def test_missing_answers_file_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="could not be found"):
        read_answers(tmp_path / "nope.yaml", shapes(), "see the list")
