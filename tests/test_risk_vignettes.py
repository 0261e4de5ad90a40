"""The vignette table's concern levels: each vignette's screening answers give the level worked out by hand
from the shipped instrument's weights and always-escalate rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stalkproof.risk.answers import question_for, read_answers
from stalkproof.risk.instrument import default_instrument
from stalkproof.risk.screening import screen

VIGNETTES = Path(__file__).parent / "data" / "vignettes.yaml"
_TABLE: list[dict[str, Any]] = yaml.safe_load(VIGNETTES.read_text(encoding="utf-8"))["vignettes"]


def _as_typed(value: Any) -> str:
    """YAML reads the table's yes/no as booleans; an answers file holds the words a person types."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@pytest.mark.parametrize("vignette", _TABLE, ids=[vignette["id"] for vignette in _TABLE])
def test_the_screening_gives_the_expected_concern_level(vignette: dict[str, Any], tmp_path: Path) -> None:
    instrument = default_instrument()
    answers_file = tmp_path / "answers.yaml"
    answers_file.write_text(
        "".join(f"{key}: {_as_typed(value)}\n" for key, value in vignette["risk"]["answers"].items())
    )
    shapes = {item.id: question_for(item) for item in instrument.items}
    result = screen(instrument, read_answers(answers_file, shapes, "see the instrument"))
    assert result.level == vignette["risk"]["level"], [reason.text for reason in result.reasons]
    assert result.reasons or result.level == "standard"


def test_every_level_and_every_escalation_rule_is_in_the_table() -> None:
    assert {vignette["risk"]["level"] for vignette in _TABLE} == {"standard", "elevated", "high"}
    escalating = {rule.item for rule in default_instrument().always_escalate}
    answered_yes = {
        key
        for vignette in _TABLE
        for key, value in vignette["risk"]["answers"].items()
        if value is True or value == "very"
    }
    assert escalating <= answered_yes, escalating - answered_yes
