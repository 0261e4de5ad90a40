"""The law view of a stored case: its timeline and its people, handed to the engine.

The one place that reads a case for the law engine, so the CLI, the web app and the demo see the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stalkproof.clock import now_iso
from stalkproof.evidence.events import TimelineFilter, timeline
from stalkproof.evidence.parties import list_parties
from stalkproof.law.engine import LawView, assess
from stalkproof.law.model import Jurisdiction
from stalkproof.law.occasions import Attribution
from stalkproof.vault.vault import Vault


@dataclass(frozen=True)
class CaseLawView:
    view: LawView
    labels: dict[str, str]  # entry id -> the diary number people know it by (D3)


def case_law_view(vault: Vault, case_id: str, law: Jurisdiction, today: date | None = None) -> CaseLawView:
    people = list_parties(vault, case_id)
    with vault.read() as connection:
        rows = timeline(connection, case_id, TimelineFilter())
    attribution = Attribution(
        suspects=frozenset(person.id for person in people if person.role == "suspect"),
        accounts={f"{a.platform}:{a.identifier}": person.id for person in people for a in person.accounts},
    )
    view = assess(law, rows, today or date.fromisoformat(now_iso()[:10]), attribution)
    labels = {row["entry_id"]: f"D{row['number']}" for row in rows if row["number"]}
    return CaseLawView(view, labels)
