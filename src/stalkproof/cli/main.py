"""Entry point: builds the command tree and turns every error into one plain sentence and an exit code."""

from __future__ import annotations

import os
import sys

import typer
from sqlalchemy.exc import SQLAlchemyError

from stalkproof import __version__
from stalkproof.cli import (
    analysis_commands,
    case_commands,
    check_commands,
    demo_command,
    diary_commands,
    event_commands,
    exhibit_commands,
    flag_commands,
    guide_commands,
    import_commands,
    law_commands,
    media_commands,
    pack_commands,
    risk_commands,
    timestamp_commands,
    vault_commands,
    web_command,
)
from stalkproof.errors import StalkproofError

DEBUG_ENV = "STALKPROOF_DEBUG"

app = typer.Typer(
    name="stalkproof",
    help="Keep evidence of stalking and harassment safely on your own computer, see the pattern, get help.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("init")(vault_commands.init)
app.command("verify")(vault_commands.verify)
app.command("export-key")(vault_commands.export_key)
app.command("import")(import_commands.import_command)
app.command("events")(event_commands.events)
app.command("analyse")(analysis_commands.analyse)
app.command("demo")(demo_command.demo)
app.command("guide")(guide_commands.guide)
app.command("referrals")(guide_commands.referrals)
app.command("law")(law_commands.law)
app.command("triage")(risk_commands.triage)
app.command("safety-plan")(risk_commands.safety_plan)
app.command("web")(web_command.web)
app.add_typer(vault_commands.passphrase_app, name="passphrase")
app.add_typer(case_commands.case_app, name="case")
app.add_typer(case_commands.party_app, name="party")
app.add_typer(diary_commands.diary_app, name="diary")
app.add_typer(exhibit_commands.exhibit_app, name="exhibit")
app.add_typer(import_commands.imports_app, name="imports")
app.add_typer(risk_commands.risk_app, name="risk")
app.add_typer(media_commands.media_app, name="media")
app.add_typer(check_commands.device_app, name="device")
app.add_typer(check_commands.network_app, name="network")
app.add_typer(check_commands.accounts_app, name="accounts")
app.add_typer(check_commands.computer_app, name="computer")
app.add_typer(check_commands.indicators_app, name="indicators")
app.add_typer(pack_commands.pack_app, name="pack")
app.add_typer(flag_commands.flags_app, name="flags")
app.add_typer(timestamp_commands.timestamp_app, name="timestamp")


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and stop.", is_eager=True),
) -> None:
    if version:
        typer.echo(f"stalkproof {__version__}")
        raise typer.Exit()


def main(argv: list[str] | None = None) -> int:
    # Files the vault creates (database, journal, blobs) are readable by this user only.
    os.umask(0o077)
    try:
        app(args=argv, prog_name="stalkproof")  # Typer reports usage errors itself, with exit code 2
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except StalkproofError as error:
        _say(error.message)
        return error.exit_code
    except KeyboardInterrupt:
        _say("Stopped. Nothing half-done was saved.")
        return 130
    except SQLAlchemyError as error:
        if os.environ.get(DEBUG_ENV):
            raise
        _say(f"The vault database could not be used ({type(error).__name__}). Run 'stalkproof verify'.")
        return 1
    except Exception as error:  # a bug: still one sentence, with the way to see more
        if os.environ.get(DEBUG_ENV):
            raise
        _say(
            f"stalkproof hit an unexpected problem ({type(error).__name__}: {error}). "
            f"Changes are saved whole or not at all. Set {DEBUG_ENV}=1 to see the details."
        )
        return 1
    return 0


def _say(message: str) -> None:
    """One plain line on stderr: not wrapped, not styled, so scripts and people read the same thing."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
