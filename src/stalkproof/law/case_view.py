"""The law view of a stored case: its timeline and its people, handed to the engine.

The one place that reads a case for the law engine, so the CLI, the web app and the demo see the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from stalkproof.analysis.event_flags import flags_for_rows
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.clock import now_iso
from stalkproof.evidence.events import TimelineFilter, decode_list, encode_list, timeline
from stalkproof.evidence.parties import list_parties
from stalkproof.law.engine import LawView, assess
from stalkproof.law.model import Jurisdiction
from stalkproof.law.occasions import Attribution
from stalkproof.vault.vault import Vault


@dataclass(frozen=True)
class CaseLawView:
    view: LawView
    labels: dict[str, str]  # entry id -> the diary number people know it by (D3)


def with_flagged_behaviours(
    rows: list[dict[str, Any]], connection: Connection, case_id: str
) -> list[dict[str, Any]]:
    """Rows whose text raises a flag gain the flag's behaviour code (a message threatening to kill counts
    as `threat_kill`, as a diary entry coded so would), so the law view and the analysis agree."""
    found = flags_for_rows(rows, WhoIsWho.of_case(connection, case_id), Flagger.load())
    widened = []
    for row, flags in zip(rows, found, strict=True):
        extra = [flag.behaviour for flag in flags if flag.behaviour]
        codes = list(dict.fromkeys([*decode_list(row.get("behaviours")), *extra]))
        widened.append({**row, "behaviours": encode_list(codes)} if extra else row)
    return widened


def case_law_view(vault: Vault, case_id: str, law: Jurisdiction, today: date | None = None) -> CaseLawView:
    people = list_parties(vault, case_id)
    with vault.read() as connection:
        rows = with_flagged_behaviours(timeline(connection, case_id, TimelineFilter()), connection, case_id)
    attribution = Attribution(
        suspects=frozenset(person.id for person in people if person.role == "suspect"),
        accounts={f"{a.platform}:{a.identifier}": person.id for person in people for a in person.accounts},
    )
    view = assess(law, rows, today or date.fromisoformat(now_iso()[:10]), attribution)
    labels = {row["entry_id"]: f"D{row['number']}" for row in rows if row["number"]}
    return CaseLawView(view, labels)
