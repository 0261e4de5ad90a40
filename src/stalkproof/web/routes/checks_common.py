"""What every check page shares: turning an error about an uploaded file into a sentence that names the
file as the person knows it, and keeping a report in the case when they asked for it.

No `router` here: this module only serves checks_media.py and checks_devices.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import Request

from stalkproof.errors import InputError, StalkproofError
from stalkproof.evidence.findings import SavedCheck
from stalkproof.vault.vault import Vault
from stalkproof.web.pages import session_of

NOT_KEPT = "The report was shown but not kept in your case: {reason}"


def plain_sentence(error: InputError) -> str:
    """The error's sentence with the private temporary path it names cut down to the file's own name."""
    if error.path is None:
        return error.message
    where = str(error.path)
    if not error.message.startswith(where):
        return error.message
    return Path(where).name + error.message.removeprefix(where)


def keep_in_case(request: Request, keep: Callable[[Vault, str], SavedCheck]) -> tuple[SavedCheck | None, str]:
    """Run `keep(vault, case_id)` on the unlocked vault. The report was already made, so a failure here
    is said next to it rather than instead of it: (None, the reason)."""
    session = session_of(request)
    try:
        return keep(session.vault(), session.case().id), ""
    except StalkproofError as error:
        return None, NOT_KEPT.format(reason=error.message)
