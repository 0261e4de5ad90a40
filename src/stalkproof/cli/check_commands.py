"""The digital checks: `device check`, `network check`, `accounts check`, `computer check`, and the indicator
lists they use (`indicators list`, `indicators update` — the only command that may use the network)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from stalkproof.cli.check_views import show_report
from stalkproof.cli.common import (
    CaseOption,
    JsonOption,
    VaultOption,
    ask_secret,
    console,
    emit,
    opened_case,
    out,
)
from stalkproof.digital.findings import CheckReport, Verdict
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.indicators.update import ECHAP_URL, current_lists, update_echap
from stalkproof.digital.saving import save_report
from stalkproof.errors import InputError
from stalkproof.vault.files import atomic_write

device_app = typer.Typer(help="Check a phone for stalkerware and tracking apps (from a copy of it).")
network_app = typer.Typer(help="Check a network recording for contact with spying services.")
accounts_app = typer.Typer(help="Check account sign-in history for devices and places you do not know.")
computer_app = typer.Typer(help="Check this computer for spying and remote-control programs.")
indicators_app = typer.Typer(help="The lists of known spying apps, servers and websites the checks use.")

StixOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--indicators",
        "-i",
        metavar="FILE",
        help="Also use this STIX2 indicator file (as MVT does). Repeat for more.",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="FOLDER",
        help="Also write report.json, MVT-style alerts.json and info.json (input hashes) here.",
    ),
]
SaveOption = Annotated[
    bool,
    typer.Option("--save", help="Keep the report in your case as an exhibit, each finding as an event."),
]
KeepInputsOption = Annotated[
    bool,
    typer.Option("--keep-inputs", help="With --save: also keep the files that were checked as exhibits."),
]


def _finish(
    report: CheckReport,
    *,
    as_json: bool,
    out_dir: Path | None,
    save: bool,
    keep_inputs: bool,
    vault: Path | None,
    case: str | None,
    data: dict[str, Any] | None = None,
    verdict: Verdict | None = None,
) -> None:
    data = data if data is not None else report.to_json()
    if out_dir is not None:
        _write_outputs(report, data, out_dir)
    if save:
        data["saved"] = _save(report, data, keep_inputs, vault, case)
    emit(as_json, data, lambda: _show(report, data, out_dir, verdict))


def _show(report: CheckReport, data: dict[str, Any], out_dir: Path | None, verdict: Verdict | None) -> None:
    show_report(report, verdict)
    if out_dir is not None:
        out.print(f"Reports written to {out_dir}")
    if "saved" in data:
        saved = data["saved"]
        out.print(
            f"Saved in your case: report {saved['report']}, "
            f"{len(saved['events'])} finding(s) on the timeline."
        )


def _write_outputs(report: CheckReport, data: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    pretty = orjson.OPT_INDENT_2
    atomic_write(out_dir / "report.json", orjson.dumps(data, option=pretty))
    atomic_write(out_dir / "alerts.json", orjson.dumps(report.mvt_alerts(), option=pretty))
    info = {"inputs": [item.to_json() for item in report.inputs], "indicators": report.indicator_sources}
    atomic_write(out_dir / "info.json", orjson.dumps(info, option=pretty))


def _save(
    report: CheckReport, data: dict[str, Any], keep_inputs: bool, vault: Path | None, case: str | None
) -> dict[str, Any]:
    inputs = [Path(item.path) for item in report.inputs] if keep_inputs else []
    with opened_case(vault, case) as (opened_vault, chosen):
        saved = save_report(opened_vault, chosen.id, report, data, inputs)
    return saved.to_json()


def _indicators(stix2: list[Path] | None) -> Any:
    loaded = load_indicators(stix2 or [])
    if loaded.unread_patterns:
        console.print(
            f"[yellow]{loaded.unread_patterns} indicator pattern(s) in the STIX2 file(s) use forms "
            "stalkproof does not read; they were left out.[/yellow]"
        )
    return loaded.indicators


@device_app.command("check")
def device_check(
    path: Annotated[
        Path,
        typer.Argument(
            help="An AndroidQF folder or zip, an Android bugreport zip, dumpsys or 'pm list packages' "
            "output, or an iPhone backup folder. It is only read, never changed."
        ),
    ],
    password: Annotated[
        str | None,
        typer.Option(
            envvar="STALKPROOF_BACKUP_PASSWORD",
            help="The password of an encrypted iPhone backup. Typed here it stays in your shell history: "
            "prefer --ask-password, or the STALKPROOF_BACKUP_PASSWORD environment variable.",
        ),
    ] = None,
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help="Ask for the iPhone backup password without showing it.")
    ] = False,
    indicators: StixOption = None,
    out_dir: OutOption = None,
    save: SaveOption = False,
    keep_inputs: KeepInputsOption = False,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Look for stalkerware, tracking apps and risky settings in a copy of a phone."""
    from stalkproof.digital.phone.check import check_device

    if ask_password and password is None:
        password = ask_secret("iPhone backup password")
    report = check_device(_existing(path), _indicators(indicators), password=password)
    _finish(
        report, as_json=as_json, out_dir=out_dir, save=save, keep_inputs=keep_inputs, vault=vault, case=case
    )


@network_app.command("check")
def network_check(
    path: Annotated[
        Path, typer.Argument(help="A pcap or pcapng recording, a Zeek dns.log, or a PCAPdroid CSV export.")
    ],
    indicators: StixOption = None,
    out_dir: OutOption = None,
    save: SaveOption = False,
    keep_inputs: KeepInputsOption = False,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Look for contact with servers that spying apps use, and visits to their websites."""
    from stalkproof.digital.network import check_network

    report = check_network(_existing(path), _indicators(indicators))
    _finish(
        report, as_json=as_json, out_dir=out_dir, save=save, keep_inputs=keep_inputs, vault=vault, case=case
    )


@accounts_app.command("check")
def accounts_check(
    path: Annotated[
        Path,
        typer.Argument(
            help="A login or session export (Facebook, Instagram, Google Takeout, Telegram, or a CSV), "
            "as a file, folder or zip."
        ),
    ],
    known_device: Annotated[
        list[str] | None, typer.Option("--known-device", help="A device you use, e.g. 'iPhone'. Repeat.")
    ] = None,
    known_place: Annotated[
        list[str] | None, typer.Option("--known-place", help="A town or country you sign in from. Repeat.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Point out sign-ins after this date (e.g. when you changed your password)."),
    ] = None,
    home: Annotated[
        str | None, typer.Option(help="Where you usually are, e.g. 'Leeds, United Kingdom' or 'France'.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="For a CSV: a YAML file saying which column holds what."),
    ] = None,
    out_dir: OutOption = None,
    save: SaveOption = False,
    keep_inputs: KeepInputsOption = False,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Look for sign-ins from devices and places you do not know, and travel nobody could do."""
    from stalkproof.digital.accounts import check_accounts, read_mapping

    result = check_accounts(
        _existing(path),
        known_devices=tuple(known_device or ()),
        known_places=tuple(known_place or ()),
        since=_date(since),
        home=home,
        mapping=read_mapping(_existing(mapping)) if mapping else None,
    )
    _finish(
        result.report,
        as_json=as_json,
        out_dir=out_dir,
        save=save,
        keep_inputs=keep_inputs,
        vault=vault,
        case=case,
        data=result.to_json(),
        verdict=result.verdict(),
    )


@computer_app.command("check")
def computer_check(
    out_dir: OutOption = None,
    save: SaveOption = False,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Look for spying and remote-control programs running, starting, or installed on this computer."""
    from stalkproof.digital.computer.checks import check_computer

    report = check_computer()
    _finish(report, as_json=as_json, out_dir=out_dir, save=save, keep_inputs=False, vault=vault, case=case)


@indicators_app.command("list")
def indicators_list(as_json: JsonOption = False) -> None:
    """Which indicator lists the checks use, and how old they are."""
    data = current_lists()

    def show() -> None:
        for source in data["sources"]:
            when = "shipped with stalkproof" if source["shipped"] else f"updated {source['updated_at']}"
            counts = ", ".join(f"{count:,} {kind}" for kind, count in source["counts"].items())
            out.print(f"{source['name']}: {when} ({source['licence']}). {counts}.")

    emit(as_json, data, show)


@indicators_app.command("update")
def indicators_update(
    source_url: Annotated[
        str, typer.Option("--from", metavar="URL", help="Where to fetch Echap's lists from.")
    ] = ECHAP_URL,
    as_json: JsonOption = False,
) -> None:
    """Download the newest lists of stalkerware apps and servers: the only command that goes online."""
    console.print(f"Downloading indicator lists from {source_url} …")
    result = update_echap(source_url)
    data = result.to_json()

    def show() -> None:
        for source in data["sources"]:
            counts = ", ".join(f"{count:,} {kind}" for kind, count in source["counts"].items())
            out.print(f"Updated {source['name']} at {data['updated_at']}: {counts}.")

    emit(as_json, data, show)


def _existing(path: Path) -> Path:
    if not path.exists():
        raise InputError("there is no such file or folder.", path)
    return path


def _date(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a date stalkproof can read; write it like 2026-03-01.") from None
    return moment if moment.tzinfo else moment.astimezone()
