"""`check_ios_backup`: read an iPhone backup in place and say what it shows, plainly, with what it cannot.

The backup is opened read-only; everything found becomes an Alert with its reasons, and the report lists
what was checked, what a backup cannot show, and every file read with its SHA-256.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stalkproof.digital.findings import Alert, CheckReport
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.phone.ios import checks
from stalkproof.digital.phone.ios.apps import InstalledApp, app_groups, installed_apps
from stalkproof.digital.phone.ios.backup import IosBackup, open_backup
from stalkproof.digital.phone.ios.history import SafariHistory, safari_history
from stalkproof.digital.phone.ios.profiles import ProfileRecords, read_profiles
from stalkproof.digital.phone.ios.provisioning import ProvisioningProfile, provisioning_profiles
from stalkproof.digital.phone.ios.rules import Rules, fill, load_rules

_SHOWN_MISSING = 3


def check_ios_backup(path: Path, indicators: IndicatorSet, *, password: str | None = None) -> CheckReport:
    """The report for the Finder/iTunes backup at `path`; an InputError when it cannot be read."""
    rules = load_rules()
    with open_backup(path, password) as backup:
        apps = installed_apps(backup)
        groups = app_groups(backup)
        records = read_profiles(backup)
        signing = provisioning_profiles(backup)
        history = safari_history(backup)
        alerts = _alerts(backup, apps, groups, records, signing, history, indicators, rules)
        return CheckReport(
            check="device",
            alerts=alerts,
            inputs=list(backup.inputs),
            checked=list(rules.checked),
            not_checked=_not_checked(backup, apps, history, indicators, rules),
            indicator_sources=list(indicators.sources),
            details=_details(backup, apps, records, signing, history),
        )


def _alerts(
    backup: IosBackup,
    apps: list[InstalledApp],
    groups: list[str],
    records: ProfileRecords,
    signing: list[ProvisioningProfile],
    history: SafariHistory,
    indicators: IndicatorSet,
    rules: Rules,
) -> list[Alert]:
    return [
        *checks.app_indicator_alerts(apps, groups, indicators, rules),
        *checks.profile_indicator_alerts(records.profiles, indicators, rules),
        *checks.file_indicator_alerts(backup, indicators, rules),
        *checks.visit_alerts(history, indicators, rules),
        *checks.supervision_alerts(records.supervision, rules),
        *checks.profile_alerts(records.profiles, rules),
        *checks.jailbreak_alerts(backup, apps, groups, rules),
        *checks.origin_alerts(apps, rules),
        *checks.provisioning_alerts(signing, rules),
    ]


def _not_checked(
    backup: IosBackup,
    apps: list[InstalledApp],
    history: SafariHistory,
    indicators: IndicatorSet,
    rules: Rules,
) -> list[str]:
    gaps = rules.gaps
    notes = list(rules.not_checked)
    if len(indicators) == 0:
        notes.append(gaps.no_indicators)
    if backup.device().finished is False:
        notes.append(gaps.unfinished)
    if not any(app.installer for app in apps if not app.is_apple):
        notes.append(gaps.no_origin)
    if not history.readable:
        notes.append(gaps.no_history)
    for text, places in ((gaps.missing, backup.missing), (gaps.unreadable, backup.unreadable)):
        if places:
            notes.append(fill(text, {"count": len(places), "examples": _examples(places)}))
    return notes


def _examples(places: list[str]) -> str:
    return ", ".join(place.rsplit("/", 1)[-1] for place in places[:_SHOWN_MISSING])


def _details(
    backup: IosBackup,
    apps: list[InstalledApp],
    records: ProfileRecords,
    signing: list[ProvisioningProfile],
    history: SafariHistory,
) -> dict[str, Any]:
    third_party = [app for app in apps if not app.is_apple]
    supervision = records.supervision
    return {
        "kind": "ios_backup",
        **backup.device().to_json(),
        "decrypted_copy": backup.decrypted_copy,
        "decrypted_by_stalkproof": backup.decryption_note is not None,
        "decryption": backup.decryption_note,
        "apps": [app.bundle_id for app in third_party],
        "app_records": [app.to_json() for app in third_party],
        "apple_apps": sum(app.is_apple for app in apps),
        "configuration_profiles": [profile.to_json() for profile in records.profiles],
        "supervised": None if supervision is None else supervision.supervised,
        "provisioning_profiles": [profile.to_json() for profile in signing],
        "safari_sites": len(history.sites) if history.readable else None,
    }
