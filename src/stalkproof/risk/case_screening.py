"""Screening a stored case: the answers and what the case's evidence shows, saved as a new version, with
what changed since the one before. The one place the CLI and the web app screen a case, so both store and
show the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stalkproof.analysis.course import analyse_case
from stalkproof.errors import NotFoundError
from stalkproof.risk import store
from stalkproof.risk.answers import AnswerValue
from stalkproof.risk.changes import changes
from stalkproof.risk.evidence_signals import evidence_signals
from stalkproof.risk.instrument import Instrument
from stalkproof.risk.screening import Screening, screen
from stalkproof.vault.vault import Vault


@dataclass(frozen=True)
class CaseScreening:
    """A saved screening, read back: the result, its stored row, and what changed since the last one."""

    result: Screening
    saved: store.StoredAssessment
    changed: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        saved = {"id": self.saved.id, "created_at": self.saved.created_at}
        return {**self.result.model_dump(mode="json"), **saved, "changes": self.changed}


def screen_case(
    vault: Vault,
    case_id: str,
    instrument: Instrument,
    answers: Mapping[str, AnswerValue],
    jurisdiction: str | None = None,
) -> CaseScreening:
    """Screen with `answers` and the case's evidence, and save the result as the case's newest screening."""
    # What the stored evidence shows (threats found, escalation, contact after a stop request…) goes in
    # beside the answers, each with the events behind it.
    signals = evidence_signals(analyse_case(vault, case_id))
    result = screen(instrument, answers, signals, jurisdiction=jurisdiction)
    previous = store.latest(vault, case_id, store.SCREENING)
    saved = store.save_screening(vault, case_id, result)
    return CaseScreening(result, saved, _changed(previous, result))


def saved_screening(vault: Vault, case_id: str, screening_id: str) -> CaseScreening:
    """One saved screening of the case, with what changed since the version before it."""
    versions = store.history(vault, case_id, store.SCREENING)
    for index, stored in enumerate(versions):
        if stored.id == screening_id:
            previous = versions[index - 1] if index else None
            result = store.as_screening(stored)
            return CaseScreening(result, stored, _changed(previous, result))
    raise NotFoundError("There is no saved screening with that id in this case.")


def history_rows(vault: Vault, case_id: str) -> list[dict[str, Any]]:
    """The case's saved screenings, oldest first, as the history lists them."""
    return [
        {
            "id": v.id,
            "version": v.version,
            "created_at": v.created_at,
            "level": v.result["level"],
            "instrument": v.instrument,
            "instrument_version": v.instrument_version,
            "supersedes": v.supersedes,
        }
        for v in store.history(vault, case_id, store.SCREENING)
    ]


def _changed(previous: store.StoredAssessment | None, result: Screening) -> dict[str, Any] | None:
    if previous is None:
        return None
    difference = changes(store.as_screening(previous), result).model_dump(mode="json")
    return {"previous": previous.id, "since": previous.created_at, **difference}
