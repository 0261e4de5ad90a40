"""Login and session exports (Facebook, Instagram, Google, Telegram, any CSV): sign-ins that may not be
the person's own. See `checks.check_accounts`."""

from stalkproof.digital.accounts.checks import AccountsReport, check_accounts
from stalkproof.digital.accounts.generic_csv import AccountsCsvMapping, read_mapping
from stalkproof.digital.accounts.model import Origin, Place, Session
from stalkproof.digital.accounts.readers import read_sessions

__all__ = [
    "AccountsCsvMapping",
    "AccountsReport",
    "Origin",
    "Place",
    "Session",
    "check_accounts",
    "read_mapping",
    "read_sessions",
]
