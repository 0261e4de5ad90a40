"""A person's review of a flag: "yes, this is a threat" or "no, this flag is wrong here", with a note.

A review is an assessment, not evidence: it is kept in the `assessments` table, ledgered like every other
row, and the event it is about is never touched. Reviewing the same flag again adds a new row that
supersedes the last, so the history of a decision stays readable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from stalkproof.errors import InputError
from stalkproof.evidence.ids import new_id
from stalkproof.vault.ledger import complete_row
from stalkproof.vault.schema import assessments
from stalkproof.vault.vault import Writer

FLAG_REVIEW = "flag_review"
CONFIRMED = "confirmed"
DISMISSED = "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)
INSTRUMENT = "stalkproof flag rules"
NOTE_LIMIT = 4000


@dataclass(frozen=True)
class FlaggedOn:
    """The event version and the flag a review is about, as they were when it was reviewed."""

    event_id: str
    event_row_id: str
    event_version: int
    label: str
    rule: str
    reason: str
    rules_version: str


@dataclass(frozen=True)
class FlagReview:
    id: str
    event_id: str
    label: str
    decision: str
    note: str | None
    rule: str | None
    event_row_id: str | None
    created_at: str
    supersedes: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "label": self.label,
            "decision": self.decision,
            "note": self.note,
            "rule": self.rule,
            "event_row_id": self.event_row_id,
            "reviewed_at": self.created_at,
            "supersedes": self.supersedes,
        }


def subject_of(event_id: str, label: str) -> str:
    return f"event:{event_id}#{label}"


def store_review(
    writer: Writer, case_id: str, flagged: FlaggedOn, decision: str, note: str | None = None
) -> FlagReview:
    """Add a review (a new row superseding the last review of the same flag on the same event)."""
    if decision not in DECISIONS:
        raise InputError(f"A flag is either {' or '.join(DECISIONS)}, not '{decision}'.")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_LIMIT:
        raise InputError(f"The note is too long: keep it under {NOTE_LIMIT:,} characters.")
    subject = subject_of(flagged.event_id, flagged.label)
    before = latest_reviews(writer.connection, case_id).get((flagged.event_id, flagged.label))
    result = {
        "decision": decision,
        "note": note,
        "event_id": flagged.event_id,
        "event_row_id": flagged.event_row_id,
        "event_version": flagged.event_version,
        "label": flagged.label,
        "rule": flagged.rule,
        "reason": flagged.reason,
    }
    row = complete_row(
        assessments,
        {
            "id": new_id(),
            "case_id": case_id,
            "kind": FLAG_REVIEW,
            "subject": subject,
            "instrument": INSTRUMENT,
            "instrument_version": flagged.rules_version,
            # Sorted keys: the row reads back, and hashes, the same on SQLCipher and PostgreSQL.
            "result": json.dumps(result, sort_keys=True, ensure_ascii=False),
            "supersedes": before.id if before else None,
            "created_at": writer.recorder.now,
        },
    )
    writer.recorder.insert(assessments, row)
    return _review(row)


def latest_reviews(connection: Connection, case_id: str) -> dict[tuple[str, str], FlagReview]:
    """The current review of each reviewed flag, by (event id, label)."""
    query = select(assessments).where(assessments.c.case_id == case_id, assessments.c.kind == FLAG_REVIEW)
    reviews = [_review(row) for row in connection.execute(query).mappings()]
    superseded = {review.supersedes for review in reviews}
    return {(r.event_id, r.label): r for r in reviews if r.id not in superseded}


def _review(row: Any) -> FlagReview:
    result = json.loads(row["result"])
    return FlagReview(
        id=row["id"],
        event_id=result["event_id"],
        label=result["label"],
        decision=result["decision"],
        note=result.get("note"),
        rule=result.get("rule"),
        event_row_id=result.get("event_row_id"),
        created_at=row["created_at"],
        supersedes=row["supersedes"],
    )
