"""The demo command: a fictional case, end to end, in a fresh vault."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from stalkproof.cli.common import JsonOption, emit, out
from stalkproof.config import DATABASE_URL_ENV, PASSPHRASE_ENV
from stalkproof.demo.build import DEMO_PASSPHRASE, build_demo
from stalkproof.errors import InputError


def demo(
    to: Annotated[
        Path | None, typer.Option("--out", help="Folder to build the demo in (must not exist yet).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Build a fictional case in a fresh vault, to see what stalkproof does. Uses no real evidence."""
    folder = to or Path(f"stalkproof-demo-{datetime.now():%Y%m%d-%H%M%S}")
    if folder.exists() and any(folder.iterdir()):
        raise InputError("already has files in it; choose a new folder for the demo with --out.", folder)
    passphrase = os.environ.get(PASSPHRASE_ENV) or DEMO_PASSPHRASE
    result = build_demo(folder.resolve(), passphrase, database_url=os.environ.get(DATABASE_URL_ENV) or None)
    data = {"vault": str(result.vault), "case": result.case_id, "outputs": result.outputs}

    def show() -> None:
        out.print(f"Built a fictional case in a new vault at {result.vault}")
        for item in result.outputs:
            details = ", ".join(f"{key}: {value}" for key, value in item.items() if key != "kind")
            out.print(f"  - {item['kind']}: {details}", markup=False)
        if passphrase == DEMO_PASSPHRASE:
            out.print(f"Its passphrase is: {passphrase}")
        else:
            out.print("It uses the passphrase in STALKPROOF_PASSPHRASE.")
        out.print(f"Look around:  STALKPROOF_VAULT={result.vault} stalkproof diary list")
        out.print(f"              STALKPROOF_VAULT={result.vault} stalkproof law")
        out.print(f"              STALKPROOF_VAULT={result.vault} stalkproof risk history")
        out.print(f"              STALKPROOF_VAULT={result.vault} stalkproof verify")
        out.print(f"In a browser: STALKPROOF_VAULT={result.vault} stalkproof web")
        pack = next((item for item in result.outputs if item["kind"] == "evidence pack"), None)
        if pack:
            out.print(f"The evidence pack's report (PDF) is {pack['pdf']}")
            out.print(
                f"Check the pack with:  stalkproof pack verify {pack['folder']}  (or follow its VERIFY.txt)"
            )

    emit(as_json, data, show)
