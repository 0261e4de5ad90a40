"""The phone, network, account sign-in and this-computer checks: upload a copy (or press a button), read
the verdict first, the safety note before any finding, and optionally keep the report in the case.

Each route only gathers the form, calls the same check the command line calls, and shows its report."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from stalkproof.digital.findings import CheckReport, Verdict
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.report_view import report_view
from stalkproof.digital.saving import save_report
from stalkproof.errors import InputError
from stalkproof.web.deps import CsrfChecked
from stalkproof.web.pages import config_of, render, wants_fragment
from stalkproof.web.routes.checks_common import keep_in_case, plain_sentence
from stalkproof.web.uploads import received

router = APIRouter()

NO_FILE = "Choose a file to check first."
SaveBox = Annotated[bool, Form()]


@dataclass(frozen=True)
class Outcome:
    """What one check gave: its report, the verdict to show (when the check words its own), its JSON."""

    report: CheckReport
    verdict: Verdict | None = None
    data: dict[str, Any] | None = None


# --- the pages ---------------------------------------------------------------------------------------


@router.get("/checks/phone")
def phone_page(request: Request) -> Response:
    return render(request, "checks/phone.html.j2")


@router.get("/checks/network")
def network_page(request: Request) -> Response:
    return render(request, "checks/network.html.j2")


@router.get("/checks/accounts")
def accounts_page(request: Request) -> Response:
    return render(request, "checks/accounts.html.j2", {"form": {}})


@router.get("/checks/computer")
def computer_page(request: Request) -> Response:
    return render(request, "checks/computer.html.j2")


# --- running the checks ------------------------------------------------------------------------------


@router.post("/checks/phone", dependencies=[CsrfChecked])
def phone_check(
    request: Request,
    acquisition: Annotated[UploadFile | None, File()] = None,
    password: Annotated[str, Form()] = "",
    save: SaveBox = False,
    keep_file: SaveBox = False,
) -> Response:
    from stalkproof.digital.phone.uploaded import check_device_file

    def run(path: Path) -> Outcome:
        with tempfile.TemporaryDirectory(prefix="stalkproof-phone-") as workspace:
            indicators = load_indicators().indicators
            return Outcome(check_device_file(path, indicators, Path(workspace), password=password or None))

    return _checked_upload(request, "checks/phone.html.j2", acquisition, run, save, keep_file)


@router.post("/checks/network", dependencies=[CsrfChecked])
def network_check(
    request: Request,
    capture: Annotated[UploadFile | None, File()] = None,
    save: SaveBox = False,
    keep_file: SaveBox = False,
) -> Response:
    from stalkproof.digital.network import check_network

    def run(path: Path) -> Outcome:
        return Outcome(check_network(path, load_indicators().indicators))

    return _checked_upload(request, "checks/network.html.j2", capture, run, save, keep_file)


@router.post("/checks/accounts", dependencies=[CsrfChecked])
def accounts_check(
    request: Request,
    export: Annotated[UploadFile | None, File()] = None,
    known_devices: Annotated[str, Form()] = "",
    known_places: Annotated[str, Form()] = "",
    home: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    save: SaveBox = False,
    keep_file: SaveBox = False,
) -> Response:
    from stalkproof.digital.accounts import check_accounts

    form = {"known_devices": known_devices, "known_places": known_places, "home": home, "since": since}

    def run(path: Path) -> Outcome:
        result = check_accounts(
            path,
            known_devices=_lines(known_devices),
            known_places=_lines(known_places),
            since=_since(since),
            home=home.strip() or None,
        )
        return Outcome(result.report, result.verdict(), result.to_json())

    return _checked_upload(request, "checks/accounts.html.j2", export, run, save, keep_file, {"form": form})


@router.post("/checks/computer", dependencies=[CsrfChecked])
def computer_check(request: Request, save: SaveBox = False) -> Response:
    from stalkproof.digital.computer.checks import check_computer

    return _shown(request, "checks/computer.html.j2", Outcome(check_computer()), save, ())


# --- shared steps ------------------------------------------------------------------------------------


def _checked_upload(
    request: Request,
    template: str,
    upload: UploadFile | None,
    run: Callable[[Path], Outcome],
    save: bool,
    keep_file: bool,
    extra: dict[str, Any] | None = None,
) -> Response:
    context = extra or {}
    if upload is None or not upload.filename:
        return _problem(request, template, NO_FILE, context)
    try:
        with received([upload], config_of(request).upload_limit) as paths:
            outcome = run(paths[0])
            return _shown(request, template, outcome, save, paths if keep_file else (), context)
    except InputError as error:
        return _problem(request, template, plain_sentence(error), context)


def _shown(
    request: Request,
    template: str,
    outcome: Outcome,
    save: bool,
    inputs: Sequence[Path],
    extra: dict[str, Any] | None = None,
) -> Response:
    context: dict[str, Any] = {**(extra or {}), "view": report_view(outcome.report, outcome.verdict)}
    if save:
        data = outcome.data if outcome.data is not None else outcome.report.to_json()
        context["saved"], context["not_kept"] = keep_in_case(
            request, lambda vault, case_id: save_report(vault, case_id, outcome.report, data, inputs)
        )
    return _page(request, template, context)


def _problem(request: Request, template: str, problem: str, extra: dict[str, Any]) -> Response:
    # A fragment answers 200 so that HTMX swaps the message in; a whole page says 400.
    status = 200 if wants_fragment(request) else 400
    return _page(request, template, {**extra, "problem": problem}, status)


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    if wants_fragment(request):
        return render(request, "checks/_result.html.j2", context, status_code=status)
    return render(request, template, context, status_code=status)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _since(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"'{text}' is not a date stalkproof can read; write it like 2026-03-01.") from None
    return datetime.combine(day, time()).astimezone()
