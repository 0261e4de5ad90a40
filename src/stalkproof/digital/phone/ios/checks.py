"""The alerts an iPhone backup can raise: indicator matches by type, and explained heuristics.

Indicator matches are exact (app ids, profile ids, phone paths) or at a dot boundary (sites), and their
level follows what the indicator is: installed stalkerware is critical, a family-tracking app is high with
"check whether you agreed to this", a stalkerware vendor's website is only informational. Heuristics
(profiles, supervision, apps from outside the App Store, jailbreak traces) come with their reasons. All
levels and words come from `heuristics.yaml`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from stalkproof.digital.findings import Alert, Level, MatchedIndicator, level_rank
from stalkproof.digital.indicators.model import Indicator, IndicatorSet
from stalkproof.digital.phone.ios.apps import InstalledApp
from stalkproof.digital.phone.ios.backup import IosBackup
from stalkproof.digital.phone.ios.history import SafariHistory
from stalkproof.digital.phone.ios.locations import backup_places
from stalkproof.digital.phone.ios.profiles import ConfigurationProfile, Supervision
from stalkproof.digital.phone.ios.provisioning import ProvisioningProfile
from stalkproof.digital.phone.ios.rules import AlertText, Rules, fill

APPS = "ios_apps"
PROFILES = "ios_profiles"
SUPERVISION = "ios_supervision"
PROVISIONING = "ios_provisioning_profiles"
JAILBREAK = "ios_jailbreak"
FILES = "ios_files"
HISTORY = "ios_safari_history"
GROUP_PREFIX = "group."
_VISIT_PREFERENCE = {"website": 0, "distribution": 1, "c2": 2}


def alert(text: AlertText, module: str, values: dict[str, Any], **extra: Any) -> Alert:
    return Alert(
        level=text.level,
        module=module,
        message=fill(text.message, values),
        why=fill(text.why, values),
        meaning=fill(text.meaning, values),
        removal_risk=text.removal_risk,
        **extra,
    )


def app_indicator_alerts(
    apps: Sequence[InstalledApp], groups: Sequence[str], indicators: IndicatorSet, rules: Rules
) -> list[Alert]:
    """Apps whose id is on a list; a shared folder `group.<id>` counts as a sign of the app `<id>`."""
    known = {app.bundle_id.casefold() for app in apps}
    from_groups = [
        InstalledApp(group.removeprefix(GROUP_PREFIX), (f"a shared app folder named {group}",))
        for group in groups
        if group.startswith(GROUP_PREFIX) and group.removeprefix(GROUP_PREFIX).casefold() not in known
    ]
    alerts: list[Alert] = []
    for app in [*apps, *from_groups]:
        matches = indicators.app(app.bundle_id)
        if not matches:
            continue
        chosen = _most_serious(
            matches, lambda match: rules.indicator_alerts.text("app", match.category).level
        )
        text = rules.indicator_alerts.text("app", chosen.category)
        values = {"name": chosen.name, "bundle": app.bundle_id, "source": rules.source_name(chosen.source)}
        event = {"bundle_id": app.bundle_id, "evidence": list(app.evidence), "installer": app.installer}
        alerts.append(alert(text, APPS, values, matched_indicator=MatchedIndicator.of(chosen), event=event))
    return alerts


def profile_indicator_alerts(
    profiles: Sequence[ConfigurationProfile], indicators: IndicatorSet, rules: Rules
) -> list[Alert]:
    """Profiles whose UUID or identifier is a `configuration-profile:id` indicator (case ignored)."""
    listed = indicators.values("config_profile")
    alerts: list[Alert] = []
    for profile in profiles:
        ids = {value.casefold() for value in (profile.uuid, profile.identifier) if value}
        for indicator in listed:
            if indicator.value.strip().casefold() in ids:
                text = rules.indicator_alerts.text("profile", indicator.category)
                values = {"name": indicator.name, "profile": profile.shown_name, "value": indicator.value}
                values["source"] = rules.source_name(indicator.source)
                found = MatchedIndicator.of(indicator)
                alerts.append(alert(text, PROFILES, values, matched_indicator=found, event=profile.to_json()))
    return alerts


def file_indicator_alerts(backup: IosBackup, indicators: IndicatorSet, rules: Rules) -> list[Alert]:
    """`file:path` indicators that name a place this backup holds, and a file is there."""
    alerts: list[Alert] = []
    for indicator in indicators.values("file_path"):
        for place in backup_places(indicator.value):
            found = backup.find(place.domain, place.relative_path)
            if found is None and place.folder:
                inside = backup.entries(place.domain, path_prefix=place.relative_path + "/")
                found = inside[0] if inside else None
            if found is None:
                continue
            text = rules.indicator_alerts.text("file", indicator.category)
            values = {"name": indicator.name, "path": found.describe(), "value": indicator.value}
            values["source"] = rules.source_name(indicator.source)
            event = {"domain": found.domain, "relative_path": found.relative_path}
            listed = MatchedIndicator.of(indicator)
            alerts.append(alert(text, FILES, values, matched_indicator=listed, event=event))
    return alerts


def visit_alerts(history: SafariHistory, indicators: IndicatorSet, rules: Rules) -> list[Alert]:
    """Sites opened in Safari that are on a list, one alert per site, by the most specific listing."""
    alerts: list[Alert] = []
    for site in history.sites:
        matches = indicators.domain(site.host)
        if not matches:
            continue
        chosen = _as_visit(matches)
        text = rules.indicator_alerts.text("visit", chosen.category)
        values = {"name": chosen.name, "domain": site.host, "source": rules.source_name(chosen.source)}
        event = {"host": site.host, "visits": site.visits, "first_visit": site.first, "last_visit": site.last}
        alerts.append(
            alert(
                text,
                HISTORY,
                values,
                matched_indicator=MatchedIndicator.of(chosen),
                event=event,
                event_time=site.last,
            )
        )
    return alerts


def jailbreak_alerts(
    backup: IosBackup, apps: Sequence[InstalledApp], groups: Sequence[str], rules: Rules
) -> list[Alert]:
    """One alert naming every jailbreak trace found: tool app ids, and places only those tools create."""
    tools = {bundle.casefold(): bundle for bundle in rules.jailbreak.bundle_ids}
    present = [app.bundle_id for app in apps if app.bundle_id.casefold() in tools]
    present += [group for group in groups if group.removeprefix(GROUP_PREFIX).casefold() in tools]
    signs = [f"the app {bundle_id}" for bundle_id in present]
    for place in rules.jailbreak.paths:
        found = backup.find(place.domain, place.path)
        if found is not None:
            signs.append(found.describe())
    if not signs:
        return []
    values = {"signs": "; ".join(signs), "count": len(signs)}
    return [alert(rules.jailbreak.alert, JAILBREAK, values, event={"signs": signs})]


def origin_alerts(apps: Sequence[InstalledApp], rules: Rules) -> list[Alert]:
    """Apps whose install record names something other than the App Store as their installer."""
    store = {name.casefold() for name in rules.app_origin.store_installers}
    management = {name.casefold() for name in rules.app_origin.management_installers}
    alerts: list[Alert] = []
    for app in apps:
        if app.is_apple or not app.installer or app.installer.casefold() in store:
            continue
        text = (
            rules.app_origin.managed
            if app.installer.casefold() in management
            else rules.app_origin.sideloaded
        )
        values = {"name": app.shown_name, "bundle": app.bundle_id, "installer": app.installer}
        alerts.append(alert(text, APPS, values, event=app.to_json(), event_time=app.purchase_date))
    return alerts


def provisioning_alerts(profiles: Sequence[ProvisioningProfile], rules: Rules) -> list[Alert]:
    alerts: list[Alert] = []
    for profile in profiles:
        values = {
            "name": profile.name,
            "team": profile.team or "a developer who is not named",
            "date": f"created {profile.created[:10]}" if profile.created else "date unknown",
        }
        alerts.append(
            alert(
                rules.provisioning, PROVISIONING, values, event=profile.to_json(), event_time=profile.created
            )
        )
    return alerts


def profile_alerts(profiles: Sequence[ConfigurationProfile], rules: Rules) -> list[Alert]:
    """Every profile is listed; one whose settings can watch or control the phone is raised by them."""
    return [_profile_alert(profile, rules) for profile in profiles]


def supervision_alerts(supervision: Supervision | None, rules: Rules) -> list[Alert]:
    if supervision is None or not supervision.supervised:
        return []
    values = {"organisation": supervision.organisation or "an organisation that is not named"}
    event = {"supervised": True, "organisation": supervision.organisation, "location": supervision.location}
    return [alert(rules.supervised, SUPERVISION, values, event=event)]


def _profile_alert(profile: ConfigurationProfile, rules: Rules) -> Alert:
    values = {
        "profile": profile.shown_name,
        "identifier": profile.identifier,
        "organisation": profile.organisation or "an organisation that is not named",
        "date": profile.installed[:10] if profile.installed else "on an unknown date",
        "types": ", ".join(profile.payload_types) or "none listed",
    }
    payloads = rules.profiles.payloads
    risky = [payloads[kind] for kind in profile.payload_types if kind in payloads]
    if not risky:
        return alert(
            rules.profiles.any, PROFILES, values, event=profile.to_json(), event_time=profile.installed
        )
    worst = max(risky, key=lambda payload: level_rank(payload.level))
    values["what"] = " and ".join(dict.fromkeys(payload.what for payload in risky))
    return Alert(
        level=worst.level,
        module=PROFILES,
        message=fill(rules.profiles.risky.message, values),
        why=fill(rules.profiles.risky.why, values),
        meaning=worst.meaning,
        event=profile.to_json(),
        event_time=profile.installed,
        removal_risk=any(payload.removal_risk for payload in risky),
    )


def _as_visit(matches: Sequence[Indicator]) -> Indicator:
    """The most specific listing; where one name is listed both as the vendor's website and as a server,
    a visit in the browser is a visit to the website (reading it as server contact is a known false alarm).
    """
    closest = [match for match in matches if match.value.casefold() == matches[0].value.casefold()]
    return min(closest, key=lambda match: _VISIT_PREFERENCE.get(match.category, len(_VISIT_PREFERENCE)))


def _most_serious(matches: Iterable[Indicator], level_of: Callable[[Indicator], Level]) -> Indicator:
    ranked: list[tuple[int, int, Indicator]] = [
        (level_rank(level_of(match)), -index, match) for index, match in enumerate(matches)
    ]
    return max(ranked, key=lambda item: (item[0], item[1]))[2]
