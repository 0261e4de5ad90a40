"""The law engine against fictional scenario vignettes (tests/data/vignettes.yaml): pure, no vault needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from stalkproof.clock import utc_iso
from stalkproof.evidence.events import encode_list
from stalkproof.law.engine import DISCLAIMER, LawView, assess
from stalkproof.law.limits import months_before
from stalkproof.law.loader import jurisdiction_codes, load_jurisdiction
from stalkproof.law.model import CourseOfConduct
from stalkproof.law.occasions import Attribution, Occasion
from stalkproof.law.predicates import check

VIGNETTES = Path(__file__).with_name("data") / "vignettes.yaml"
STATUSES = {"apparently_present", "not_shown", "needs_judgement"}


@cache
def _file() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(VIGNETTES.read_text(encoding="utf-8"))
    return data


def _vignettes() -> list[dict[str, Any]]:
    return list(_file()["vignettes"])


def _today(vignette: dict[str, Any]) -> date:
    day = vignette.get("today", _file()["today"])
    assert isinstance(day, date)
    return day


def _rows(vignette: dict[str, Any]) -> list[dict[str, Any]]:
    """The events as `evidence.events.timeline` gives them (only the columns the engine reads)."""
    today = _today(vignette)
    rows = []
    for number, event in enumerate(vignette["events"], start=1):
        day = event["date"] if "date" in event else today - timedelta(days=event["days_ago"])
        platform, _, identifier = str(event.get("from", "")).partition(":")
        rows.append(
            {
                "entry_id": f"E{number}",
                "occurred_at": utc_iso(datetime.combine(day, time(12, 0), tzinfo=UTC)),
                "kind": event["kind"],
                "channel": event["channel"],
                "behaviours": encode_list(event["behaviours"]),
                "parties": encode_list([event["by"]] if "by" in event else []),
                "sender_platform": platform or None,
                "sender_identifier": identifier or None,
                "text": event["text"],
            }
        )
    return rows


def _attribution(vignette: dict[str, Any]) -> Attribution:
    people: dict[str, str] = vignette.get("people", {})
    return Attribution(
        suspects=frozenset(name for name, role in people.items() if role == "suspect"),
        accounts=dict(vignette.get("accounts", {})),
    )


def _view(vignette: dict[str, Any]) -> LawView:
    law = load_jurisdiction(vignette["jurisdiction"])
    return assess(law, _rows(vignette), _today(vignette), _attribution(vignette))


@pytest.mark.parametrize("vignette", _vignettes(), ids=lambda vignette: vignette["id"])
def test_vignette(vignette: dict[str, Any]) -> None:
    view = _view(vignette)
    offences = {offence.offence.id: offence for offence in view.offences}
    for offence_id, elements in vignette["expected_law"].items():
        assert offence_id in offences, f"{offence_id} is not in {vignette['jurisdiction']}"
        found = {element.element.id: element for element in offences[offence_id].elements}
        for element_id, status in elements.items():
            assert element_id in found, f"{offence_id} has no element {element_id}"
            assert found[element_id].status == status, f"{offence_id}/{element_id}: {found[element_id].note}"
    for key, events in vignette.get("expected_events", {}).items():
        offence_id, element_id = key.split("/")
        element = next(e for e in offences[offence_id].elements if e.element.id == element_id)
        assert element.events == events, key
    warned = sorted(offence.offence.id for offence in view.offences if offence.warnings)
    assert warned == sorted(vignette["expected_warnings"])


@pytest.mark.parametrize("vignette", _vignettes(), ids=lambda vignette: vignette["id"])
def test_vignette_json_keeps_the_contract(vignette: dict[str, Any]) -> None:
    data = _view(vignette).to_json()
    assert data["jurisdiction"] == vignette["jurisdiction"]
    assert data["disclaimer"] == DISCLAIMER
    for offence in data["offences"]:
        assert offence["id"].startswith(vignette["jurisdiction"] + "/")
        assert {"id", "citation", "title", "elements", "warnings"} <= set(offence)
        for element in offence["elements"]:
            assert {"id", "text", "status", "events"} <= set(element)
            assert element["status"] in STATUSES
            assert (element["status"] == "needs_judgement") == ("question" in element)
            assert element["events"] == [] or element["status"] == "apparently_present"


def test_the_table_is_wide_enough() -> None:
    vignettes = _vignettes()
    assert len(vignettes) >= 32
    assert len({vignette["id"] for vignette in vignettes}) == len(vignettes), "ids must be unique"
    assert {vignette["jurisdiction"] for vignette in vignettes} == set(jurisdiction_codes())
    for vignette in vignettes:
        assert vignette.get("risk"), f"{vignette['id']}: give the screening answers and expected level"
        assert vignette["expected_law"], vignette["id"]
        assert vignette.get("note"), f"{vignette['id']}: explain the expected outcome"
    kinds = {vignette["id"] for vignette in vignettes}
    for borderline in (
        "ew-one-incident-only",
        "ew-two-incidents-two-people",
        "ew-conduct-older-than-six-months",
    ):
        assert borderline in kinds


def test_nothing_ever_says_an_offence_was_committed() -> None:
    for vignette in _vignettes():
        text = str(_view(vignette).to_json()).lower()
        assert "was committed" not in text.replace("cannot say whether an offence was committed", "")
        assert "guilty" not in text


def test_no_events_gives_a_note_and_no_support() -> None:
    view = assess(load_jurisdiction("gb-eng-wls"), [], date(2026, 11, 24))
    assert view.considered == 0 and view.notes
    assert all(element.status != "apparently_present" for o in view.offences for element in o.elements)
    assert all(not offence.warnings for offence in view.offences)


def test_max_days_counts_only_events_close_together() -> None:
    def occasion(number: int, day: int) -> Occasion:
        return Occasion(
            f"E{number}", datetime(2026, 1, day, tzinfo=UTC), frozenset({"follow"}), False, frozenset()
        )

    spread = [occasion(1, 1), occasion(2, 20), occasion(3, 22), occasion(4, 30)]
    test = CourseOfConduct(kind="course_of_conduct", min_occasions=3, max_days=10)
    assert check(test, {"": spread}).events == ["E2", "E3", "E4"]
    assert not check(test.model_copy(update={"max_days": 5}), {"": spread}).met


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 24), 5, date(2026, 6, 24)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected
