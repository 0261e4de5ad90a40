"""Getting help: the triage questions ("should I call the helpline?"), the safety plan, and the directory
of services. Triage and the directory work without unlocking; nothing is kept unless the person asks."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from stalkproof.errors import InputError, StalkproofError
from stalkproof.guide.pages import find_page
from stalkproof.guide.referrals import NEEDS, referrals_for
from stalkproof.law.loader import jurisdictions
from stalkproof.risk import emergency, store
from stalkproof.risk.safety_plan import Entries, entries_of, plan_json, save_plan, template
from stalkproof.risk.triage import Step, TriageResult, default_triage, run_triage
from stalkproof.web.deps import CaseDep, CsrfChecked, VaultDep
from stalkproof.web.pages import render, session_of

router = APIRouter()

ANSWERS = (("yes", "Yes"), ("no", "No"), ("unknown", "Not sure"))
# Where each CLI command in the guidance data leads in the web app.
PAGES_FOR_COMMANDS = {
    "stalkproof risk screen": ("/risk/new", "Risk screening questions"),
    "stalkproof safety-plan": ("/safety-plan", "Your safety plan"),
    "stalkproof diary add": ("/diary", "Your diary"),
}
LAW_COMMAND = re.compile(r"^stalkproof law(?: --jurisdiction (?P<code>[a-z-]+))?$")
GUIDE_COMMAND = re.compile(r"^stalkproof guide (?P<slug>[a-z0-9-]+)$")


# -- where you are ---------------------------------------------------------------------------------------


def places() -> dict[str, str]:
    """Every place stalkproof has numbers or services for, by code, with a name people know."""
    names = {law.jurisdiction: law.name for law in jurisdictions()}
    for region in emergency.table().regions:
        for code in region.jurisdictions:
            names.setdefault(code, region.name[:1].upper() + region.name[1:])
    return {code: names.get(code, code) for code in emergency.known_jurisdictions()}


def law_places() -> dict[str, str]:
    return {law.jurisdiction: law.name for law in jurisdictions()}


def chosen_place(code: str | None) -> str | None:
    """The place picked in a form, or None for "not chosen". A code nobody knows is refused."""
    return emergency.check_jurisdiction(code) if code else None


def default_place_name() -> str:
    return places().get(emergency.table().default_referrals_for, "")


# -- triage ----------------------------------------------------------------------------------------------


@router.get("/triage")
def triage_page(request: Request) -> Response:
    return render(request, "help/triage.html.j2", _triage_context(None))


@router.post("/triage", dependencies=[CsrfChecked])
async def triage_answered(request: Request) -> Response:
    form = await request.form()
    definition = default_triage()
    try:
        place = chosen_place(_text(form.get("jurisdiction")))
        ids = definition.question_shapes()
        answers = {i: _text(form.get(i)) or "unknown" for i in ids}
        result = run_triage(definition, answers, place)
    except InputError as error:
        context = _triage_context(_text(form.get("jurisdiction"))) | {"problem": error.message}
        return render(request, "help/triage.html.j2", context, status_code=400)
    saved = _save_triage(request, result) if _text(form.get("save")) == "yes" else None
    return render(request, "help/triage_result.html.j2", _result_context(result, saved))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _triage_context(place: str | None) -> dict[str, Any]:
    definition = default_triage()
    group = definition.helpline.group
    return {
        "definition": definition,
        "helpline_questions": [q for q in definition.questions if q.group == group],
        "more_questions": [q for q in definition.questions if q.group != group],
        "answers": ANSWERS,
        "places": places(),
        "place": place or "",
        "default_place": default_place_name(),
    }


def _save_triage(request: Request, result: TriageResult) -> bool:
    """Kept only when the vault is open and a case is in hand; otherwise the page says it was not kept."""
    session = session_of(request)
    if not session.unlocked:
        return False
    try:
        store.save_triage(session.vault(), session.case().id, result)
    except StalkproofError:
        return False
    return True


def _result_context(result: TriageResult, saved: bool | None) -> dict[str, Any]:
    steps = list(result.steps)
    danger = steps.pop(0) if result.danger_now != "no" else None
    return {
        "result": result,
        "danger_step": danger,
        "steps": [(step, link_for(step)) for step in steps],
        "saved": saved,
        "place_name": places().get(result.jurisdiction or "", default_place_name()),
        "place_chosen": result.jurisdiction is not None,
    }


def link_for(step: Step) -> tuple[str, str] | None:
    """(url, link text) of the page that carries out a step's CLI command, if the app has one."""
    command = step.command or ""
    if command in PAGES_FOR_COMMANDS:
        return PAGES_FOR_COMMANDS[command]
    if law := LAW_COMMAND.match(command):
        code = law.group("code")
        return (f"/law?jurisdiction={code}" if code else "/law", "What the law says")
    if (guide := GUIDE_COMMAND.match(command)) and (page := find_page(guide.group("slug"))):
        return (f"/guide/{page.id}", f"Guide: {page.title}")
    return None


# -- safety plan -----------------------------------------------------------------------------------------


@router.get("/safety-plan")
def safety_plan_page(request: Request, jurisdiction: str = "", saved: bool = False) -> Response:
    return render(request, "help/safety_plan.html.j2", _plan_context(request, jurisdiction, saved))


@router.post("/safety-plan", dependencies=[CsrfChecked])
async def safety_plan_save(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    form = await request.form()
    plan = template()
    entries: Entries = {section.id: _lines(form.get(section.id)) for section in plan.sections}
    try:
        save_plan(vault, case.id, entries, plan)
    except InputError as error:
        context = _plan_context(request, "", False) | {"problem": error.message, "entries": entries}
        return render(request, "help/safety_plan.html.j2", context, status_code=400)
    return RedirectResponse("/safety-plan?saved=true", status_code=303)


def _lines(value: object) -> list[str]:
    """One plan item per line, as the terminal asks for them."""
    text = value if isinstance(value, str) else ""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _plan_context(request: Request, jurisdiction: str, saved: bool) -> dict[str, Any]:
    plan = template()
    place = chosen_place(jurisdiction)
    stored = _latest_plan(request)
    return {
        "plan": plan,
        "hints": {section.id: section.filled_hints(place) for section in plan.sections},
        "shown": plan_json(stored, plan) if stored else None,
        "entries": entries_of(stored) if stored else {},
        "saved": saved,
        "places": places(),
        "place": place or "",
        "can_save": stored is not None or _has_case(request),
    }


def _latest_plan(request: Request) -> store.StoredAssessment | None:
    session = session_of(request)
    if not session.unlocked:
        return None
    try:
        return store.latest(session.vault(), session.case().id, store.SAFETY_PLAN)
    except StalkproofError:
        return None  # no case yet


def _has_case(request: Request) -> bool:
    session = session_of(request)
    if not session.unlocked:
        return False
    try:
        session.case()
    except StalkproofError:
        return False
    return True


# -- the directory of services ---------------------------------------------------------------------------


@router.get("/referrals")
def referrals_page(request: Request, jurisdiction: str = "", need: str = "") -> Response:
    # The directory lists services by the law files' places: a code with numbers but no law file is
    # shown every service, as the CLI would with no --jurisdiction.
    place = jurisdiction if jurisdiction in law_places() else None
    services = referrals_for(place, [need] if need else [])
    return render(
        request,
        "help/referrals.html.j2",
        {
            "services": services,
            "places": law_places(),
            "place": place or "",
            "needs": [(kind, kind.replace("_", " ")) for kind in NEEDS],
            "need": need,
        },
    )
