"""Assessments in the vault: screenings and safety plans, each save a new row that supersedes the last.

Nothing is overwritten: every version is kept, ledgered and linked to the one before it through
`supersedes`, so an adviser can see how the picture changed and when. Results are JSON text with sorted
keys, so a row reads back, and hashes, the same on SQLCipher and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from stalkproof.evidence.ids import new_id
from stalkproof.risk.screening import Screening
from stalkproof.risk.triage import TriageResult
from stalkproof.vault.ledger import complete_row
from stalkproof.vault.schema import assessments
from stalkproof.vault.vault import Vault

SCREENING = "risk_screening"
SAFETY_PLAN = "safety_plan"
TRIAGE = "triage"


@dataclass(frozen=True)
class StoredAssessment:
    id: str
    case_id: str
    kind: str
    instrument: str | None
    instrument_version: str | None
    result: dict[str, Any]
    supersedes: str | None
    created_at: str
    version: int


def save_assessment(
    vault: Vault,
    case_id: str,
    kind: str,
    result: Mapping[str, Any],
    instrument: str | None = None,
    instrument_version: str | None = None,
) -> StoredAssessment:
    with vault.write() as writer:
        before = _chain(writer.connection, case_id, kind)
        row = complete_row(
            assessments,
            {
                "id": new_id(),
                "case_id": case_id,
                "kind": kind,
                "instrument": instrument,
                "instrument_version": instrument_version,
                "result": json.dumps(result, sort_keys=True, ensure_ascii=False),
                "supersedes": before[-1]["id"] if before else None,
                "created_at": writer.recorder.now,
            },
        )
        writer.recorder.insert(assessments, row)
    return _stored(row, len(before) + 1)


def history(vault: Vault, case_id: str, kind: str) -> list[StoredAssessment]:
    """Every saved version, oldest first."""
    with vault.read() as connection:
        rows = _chain(connection, case_id, kind)
    return [_stored(row, number) for number, row in enumerate(rows, start=1)]


def latest(vault: Vault, case_id: str, kind: str) -> StoredAssessment | None:
    versions = history(vault, case_id, kind)
    return versions[-1] if versions else None


def save_screening(vault: Vault, case_id: str, screening: Screening) -> StoredAssessment:
    return save_assessment(
        vault, case_id, SCREENING, screening.model_dump(mode="json"), screening.instrument, screening.version
    )


def save_triage(vault: Vault, case_id: str, triage: TriageResult) -> StoredAssessment:
    return save_assessment(
        vault, case_id, TRIAGE, triage.model_dump(mode="json"), triage.triage, triage.version
    )


def as_screening(stored: StoredAssessment) -> Screening:
    return Screening.model_validate(stored.result)


def _chain(connection: Connection, case_id: str, kind: str) -> list[dict[str, Any]]:
    """The rows in the order they supersede one another. Following the links, rather than sorting by
    time, keeps the order right even if the computer's clock was wrong when one was saved."""
    query = select(assessments).where(assessments.c.case_id == case_id, assessments.c.kind == kind)
    rows = [dict(row._mapping) for row in connection.execute(query)]
    return _ordered(rows)


def _ordered(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {row["id"]: row for row in rows}
    superseded = {row["supersedes"] for row in rows}
    heads = sorted((row for row in rows if row["id"] not in superseded), key=lambda r: r["created_at"])
    ordered: list[dict[str, Any]] = []
    current = heads[-1] if heads else None
    while current is not None:
        ordered.append(current)
        current = by_id.get(current["supersedes"])
    return ordered[::-1]


def _stored(row: Mapping[str, Any], version: int) -> StoredAssessment:
    return StoredAssessment(
        id=row["id"],
        case_id=row["case_id"],
        kind=row["kind"],
        instrument=row["instrument"],
        instrument_version=row["instrument_version"],
        result=json.loads(row["result"]),
        supersedes=row["supersedes"],
        created_at=row["created_at"],
        version=version,
    )
