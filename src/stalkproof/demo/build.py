"""Build the fictional demo case from case.yaml into a fresh vault."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stalkproof.analysis.course import Analysis, analyse_case
from stalkproof.analysis.figures import write_charts
from stalkproof.demo import history
from stalkproof.demo.digital import check_phone, check_photo
from stalkproof.evidence.cases import create_case, use_case
from stalkproof.evidence.diary import add_entry, amend_entry, diary_draft
from stalkproof.evidence.exhibits import ExhibitDetails, add_exhibit
from stalkproof.evidence.imports import ImportRequest, run_import
from stalkproof.evidence.parties import add_party
from stalkproof.evidence.time import parse_when
from stalkproof.law.case_view import case_law_view
from stalkproof.law.loader import load_jurisdiction
from stalkproof.report.bundle import build_pack
from stalkproof.report.pdf import render_pdf
from stalkproof.report.selection import PackSelection
from stalkproof.report.verify_pack import verify_pack
from stalkproof.risk import store
from stalkproof.risk.answers import AnswerValue
from stalkproof.risk.evidence_signals import evidence_signals
from stalkproof.risk.instrument import default_instrument
from stalkproof.risk.screening import screen
from stalkproof.risk.store import TRIAGE
from stalkproof.risk.triage import default_triage, run_triage
from stalkproof.vault.keys import KdfParams
from stalkproof.vault.vault import Vault
from stalkproof.vault.verify import verify_vault

SCENARIO = Path(__file__).with_name("case.yaml")
DEMO_PASSPHRASE = "demo passphrase, not for real evidence"


@dataclass
class DemoResult:
    vault: Path
    passphrase: str
    recovery_code: str
    case_id: str
    outputs: list[dict[str, Any]] = field(default_factory=list)


def build_demo(
    out: Path,
    passphrase: str = DEMO_PASSPHRASE,
    kdf: KdfParams | None = None,
    database_url: str | None = None,
) -> DemoResult:
    scenario = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    vault_path = out / "vault"
    vault, recovery_code = Vault.create(vault_path, passphrase, kdf=kdf, database_url=database_url)
    with vault:
        case = create_case(vault, scenario["case"]["name"], scenario["case"]["reference"])
        use_case(vault, case.id)
        result = DemoResult(vault_path, passphrase, recovery_code, case.id)
        people = _add_parties(vault, case.id, scenario["parties"])
        exhibit_refs = _add_exhibits(vault, case.id, scenario["exhibits"])
        imported = _add_imports(vault, case.id, scenario)
        numbers = _add_diary(vault, case.id, scenario, people, exhibit_refs)
        for change in scenario.get("amendments", []):
            amend_entry(vault, case.id, str(change["entry"]), {"text": change["what"]}, change["note"])
        analysis = analyse_case(vault, case.id)
        guidance = _add_guidance(vault, case.id, scenario, analysis)
        analysed = _analysis_output(analysis, out / "charts")
        checked = check_phone(vault, case.id, scenario["phone_check"])
        photo = check_photo(scenario["photo_check"], out / "cleaned")
        pack = build_pack(vault, case.id, out / "pack", PackSelection(), render_pdf=render_pdf)
        vault.close()
        report = verify_vault(vault)
    pack_check = verify_pack(pack.out)
    result.outputs = [
        {"kind": "case", "id": case.id, "name": case.name},
        {"kind": "parties", "count": len(people)},
        {"kind": "exhibits", "refs": sorted(exhibit_refs.values())},
        *imported,
        {"kind": "diary", "entries": len(numbers), "amendments": len(scenario.get("amendments", []))},
        *guidance,
        analysed,
        checked,
        photo,
        {"kind": "verify", "ok": report.ok, "counts": report.counts},
        {
            "kind": "evidence pack",
            "folder": str(pack.out),
            "pdf": str(pack.pdf),
            "exhibits": len(pack.exhibits),
            "events": pack.events,
            "verified": pack_check.ok,
        },
    ]
    return result


def _add_guidance(
    vault: Vault, case_id: str, scenario: dict[str, Any], analysis: Analysis
) -> list[dict[str, Any]]:
    """Triage and a risk screening as Sam might answer them (both stored, the screening with what the
    evidence shows), and the law view of the case."""
    code = str(scenario["jurisdiction"])
    triage = run_triage(default_triage(), _answers(scenario["triage"]), code)
    result = triage.model_dump(mode="json")
    store.save_assessment(vault, case_id, TRIAGE, result, triage.triage, triage.version)
    signals = evidence_signals(analysis)
    screening = screen(default_instrument(), _answers(scenario["screening"]), signals, jurisdiction=code)
    store.save_screening(vault, case_id, screening)
    law = case_law_view(vault, case_id, load_jurisdiction(code)).view
    return [
        {"kind": "triage", "danger_now": triage.danger_now, "contact_helpline": triage.contact_helpline},
        {"kind": "risk screening", "level": screening.level, "reasons": len(screening.reasons)},
        {
            "kind": "law view",
            "jurisdiction": code,
            "offences with elements apparently present": sum(
                1 for offence in law.offences if offence.count("apparently_present")
            ),
        },
    ]


def _analysis_output(analysis: Analysis, charts: Path) -> dict[str, Any]:
    """What the course-of-conduct analysis found, with its four charts drawn into `charts`."""
    return {
        "kind": "analysis",
        "events": int(analysis.conduct.sum()),
        "escalating": analysis.escalation.escalating,
        "escalation": analysis.escalation.describe(),
        "flags": analysis.flag_counts,
        "four": [item.name for item in analysis.four if item.shown],
        "charts": [str(path) for path in write_charts(analysis, charts)],
    }


def _answers(given: dict[str, Any]) -> dict[str, AnswerValue]:
    return {key: value if isinstance(value, int) else str(value) for key, value in given.items()}


def _add_parties(vault: Vault, case_id: str, parties: list[dict[str, Any]]) -> dict[str, str]:
    return {
        p["key"]: add_party(vault, case_id, p["name"], p["role"], p.get("accounts", [])).id for p in parties
    }


def _add_exhibits(vault: Vault, case_id: str, exhibits: list[dict[str, Any]]) -> dict[str, str]:
    refs: dict[str, str] = {}
    # The demo's "original files" are written to a private temporary folder, kept, then removed.
    with tempfile.TemporaryDirectory(prefix="stalkproof-demo-") as folder:
        for item in exhibits:
            path = Path(folder) / item["file"]
            path.write_text(item["content"], encoding="utf-8")
            details = ExhibitDetails(
                description=item["describe"], capture_method=item["how"], captured_by="Sam Carter (fictional)"
            )
            refs[item["file"]] = add_exhibit(vault, case_id, path, details).ref
    return refs


def _add_imports(vault: Vault, case_id: str, scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """Import the scenario's exports (a WhatsApp chat, an SMS backup, a mailbox) as a person would."""
    done = []
    with tempfile.TemporaryDirectory(prefix="stalkproof-demo-") as folder:
        for item in scenario.get("imports", []):
            path = Path(folder) / item["file"]
            path.write_bytes(_with_history(item, scenario["zone"]).encode("utf-8"))
            request = ImportRequest(path=path, source=item["source"], zone=scenario["zone"])
            report = run_import(vault, case_id, request)
            done.append(
                {"kind": "import", "source": report.source, "exhibit": report.exhibit, "records": report.new}
            )
    return done


def _with_history(item: dict[str, Any], zone: str) -> str:
    """The export's text with the generated background messages merged in, where the scenario has some."""
    content, spec = str(item["content"]), item.get("history")
    if not spec:
        return content
    if item["source"] == "whatsapp":
        first, _, rest = content.partition("\n")
        return first + "\n" + history.whatsapp_lines(spec, zone, spec["sender"]) + rest
    elements = history.sms_elements(spec, zone, spec["address"], spec["contact"])
    content = content.replace("</smses>", elements + "</smses>")
    total = content.count("<sms ")
    return re.sub(r'<smses count="\d+">', f'<smses count="{total}">', content, count=1)


def _add_diary(
    vault: Vault, case_id: str, scenario: dict[str, Any], people: dict[str, str], exhibit_refs: dict[str, str]
) -> list[int]:
    numbers = []
    for item in scenario["diary"]:
        draft = diary_draft(
            parse_when(item["when"], zone=scenario["zone"], approximate=item.get("approx", False)),
            item["what"],
            place=item.get("where"),
            channel=item.get("platform"),
            behaviours=item.get("behaviours", []),
            parties=[people[key] for key in item.get("parties", [])],
            witnesses=item.get("witnesses", []),
            impact=item.get("impact"),
            actions=item.get("actions", []),
            how_saved=item.get("how_saved"),
            risk_notes=item.get("risk_notes", []),
            exhibit_refs=[exhibit_refs[name] for name in item.get("exhibits", [])],
        )
        numbers.append(add_entry(vault, case_id, draft).number)
    return numbers
