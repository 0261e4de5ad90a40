"""What is found on an Android phone: indicator matches and explained heuristics, each an `Alert`.

Indicator matches are exact: an app's name, its signing certificate, its installation file's hash, a
process name, a file, a system property, a host name in a setting. Their level comes from what the list
says the product is (stalkerware, watchware, an unnamed entry in a STIX2 file), capped for weak kinds of
evidence. Heuristics only fire on what the input actually says: an app whose origin is unknown is never
called sideloaded, and an icon is never called hidden when the input does not list icons.
All wording and levels come from heuristics.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from stalkproof.digital.findings import Alert, Level, MatchedIndicator, level_rank
from stalkproof.digital.indicators.model import Indicator, IndicatorSet
from stalkproof.digital.phone.android.heuristics import (
    CategoryWording,
    Heuristics,
    IndicatorKindName,
    Rule,
    RuleName,
    load_heuristics,
    render,
)
from stalkproof.digital.phone.android.model import (
    RECORDS_ONLY,
    AndroidDevice,
    AndroidPackage,
    ApkFile,
    package_of,
)


def run_checks(
    device: AndroidDevice, indicators: IndicatorSet, heuristics: Heuristics | None = None
) -> list[Alert]:
    wording = heuristics or load_heuristics()
    return [*indicator_alerts(device, indicators, wording), *heuristic_alerts(device, wording)]


# --- indicator matches -------------------------------------------------------------------------


def indicator_alerts(device: AndroidDevice, indicators: IndicatorSet, wording: Heuristics) -> list[Alert]:
    alerts: list[Alert] = []
    for package in device.packages.values():
        alerts.extend(_package_matches(package, indicators, wording))
    alerts.extend(_process_matches(device, indicators, wording))
    alerts.extend(_property_matches(device, indicators, wording))
    alerts.extend(_file_matches(device.files, indicators, wording))
    alerts.extend(_host_matches(device, indicators, wording))
    return alerts


def _package_matches(
    package: AndroidPackage, indicators: IndicatorSet, wording: Heuristics
) -> Iterator[Alert]:
    # An app only named in the phone's records (battery history …) was installed once, maybe not now.
    app_kind: IndicatorKindName = "app_id" if package.seen_in - RECORDS_ONLY else "recorded_app"
    candidates: list[tuple[IndicatorKindName, str, list[Indicator]]] = [
        (app_kind, package.name, indicators.app(package.name))
    ]
    for apk in package.files:
        candidates.extend(("certificate", cert, indicators.certificate(cert)) for cert in apk.certificates())
        candidates.extend(("apk_hash", digest, indicators.file_hash(digest)) for digest in apk.hashes())
    seen: set[tuple[str, str]] = set()
    for kind, value, matches in candidates:
        if matches and (kind, value.lower()) not in seen:
            seen.add((kind, value.lower()))
            values = {"app": package.name, "where": ", ".join(sorted(package.seen_in))}
            yield _indicator_alert(kind, "packages", matches, values, package_event(package), wording)


def _process_matches(device: AndroidDevice, indicators: IndicatorSet, wording: Heuristics) -> Iterator[Alert]:
    where = "the process list" if device.has("processes") else "crash reports"
    for name in device.processes:
        values = {"process": name, "where": where, "app": name.split(":")[0]}
        event = {"process": name}
        by_name = indicators.exact("process", name) or _truncated_process(name, indicators)
        if by_name:
            yield _indicator_alert("process", "processes", by_name, values, event, wording)
            continue
        app = name.split(":")[0]
        # A package already in the app list was matched there; a process only adds news when it is not.
        if "." in app and "/" not in app and app not in device.packages:
            matches = indicators.app(app)
            if matches:
                yield _indicator_alert("running_app", "processes", matches, values, event, wording)


def _truncated_process(name: str, indicators: IndicatorSet) -> list[Indicator]:
    """The kernel cuts process names to 15 characters; such a name matches indicators it starts."""
    if len(name) != 15:
        return []
    return [indicator for indicator in indicators.values("process") if indicator.value.startswith(name)]


def _property_matches(
    device: AndroidDevice, indicators: IndicatorSet, wording: Heuristics
) -> Iterator[Alert]:
    for indicator in indicators.values("android_property"):
        if indicator.value in device.properties:
            event = {"property": indicator.value, "value": device.properties[indicator.value]}
            yield _indicator_alert("property", "getprop", [indicator], {}, event, wording)


def _file_matches(files: list[ApkFile], indicators: IndicatorSet, wording: Heuristics) -> Iterator[Alert]:
    for entry in files:
        event = {"path": entry.path, "sha256": entry.sha256}
        for digest in entry.hashes():
            matches = indicators.file_hash(digest)
            if matches:
                yield _indicator_alert("file_hash", "files", matches, {"path": entry.path}, event, wording)
                break
        else:
            by_path = [
                *indicators.exact("file_path", entry.path),
                *indicators.exact("file_name", entry.path),
                *indicators.exact("file_name", PurePosixPath(entry.path).name),
            ]
            if by_path:
                yield _indicator_alert("file_path", "files", by_path, {"path": entry.path}, event, wording)


def _host_matches(device: AndroidDevice, indicators: IndicatorSet, wording: Heuristics) -> Iterator[Alert]:
    for key, where in wording.lists.host_settings.items():
        host = _host_of(device.settings.get(key, ""))
        matches = (indicators.ip(host) or indicators.domain(host)) if host else []
        if matches:
            values, event = {"where": where, "key": key}, {"setting": key, "value": host}
            yield _indicator_alert("host", "settings", matches, values, event, wording)


def _host_of(value: str) -> str:
    """`proxy.example.org:8080` → `proxy.example.org`; unset values (`null`, `:0`) → empty."""
    text = value.strip()
    if not text or text == "null" or text.startswith(":"):
        return ""
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def _indicator_alert(
    kind: IndicatorKindName,
    module: str,
    matches: list[Indicator],
    values: Mapping[str, object],
    event: dict[str, Any],
    wording: Heuristics,
) -> Alert:
    indicator = max(matches, key=lambda match: level_rank(_category(match, wording).level))
    category = _category(indicator, wording)
    kind_wording = wording.indicator_kinds[kind]
    fields: dict[str, object] = {
        "product": indicator.name or "an unnamed product",
        "value": indicator.value,
        "source": wording.lists.source_names.get(indicator.source, indicator.source),
        **values,
    }
    fields["label"] = render(category.label, fields)
    fields["advice"] = render(category.advice, fields)
    others = sorted({match.source for match in matches} - {indicator.source})
    return Alert(
        level=_capped(category.level, kind_wording.max_level),
        module=module,
        message=render(kind_wording.message, fields),
        why=render(kind_wording.why, fields),
        meaning=render(category.meaning, fields),
        matched_indicator=MatchedIndicator.of(indicator),
        event={"check": kind, **event, **({"also_listed_in": others} if others else {})},
        removal_risk=category.removal_risk,
    )


def _category(indicator: Indicator, wording: Heuristics) -> CategoryWording:
    categories = wording.indicator_categories
    return categories.get(indicator.category, categories["other"])


def _capped(level: Level, cap: Level | None) -> Level:
    return cap if cap is not None and level_rank(level) > level_rank(cap) else level


# --- heuristics --------------------------------------------------------------------------------


def heuristic_alerts(device: AndroidDevice, wording: Heuristics) -> list[Alert]:
    return [
        *_root_alerts(device, wording),
        *_sideload_alerts(device, wording),
        *_service_alerts(device, wording),
        *_owner_alerts(device, wording),
        *_hidden_icon_alerts(device, wording),
        *_receiver_alerts(device, wording),
        *_settings_alerts(device, wording),
    ]


def _rule_alert(
    wording: Heuristics, name: RuleName, module: str, values: Mapping[str, object], event: dict[str, Any]
) -> Alert:
    return _alert_from(wording.rules[name], name, module, values, event)


def _alert_from(
    rule: Rule, name: str, module: str, values: Mapping[str, object], event: dict[str, Any]
) -> Alert:
    """`event["check"]` names the rule, so an adviser (and a test) can tell findings apart."""
    return Alert(
        level=rule.level,
        module=module,
        message=render(rule.message, values),
        why=render(rule.why, values),
        meaning=render(rule.meaning, values),
        event={"check": name, **event},
        removal_risk=rule.removal_risk,
    )


def _root_alerts(device: AndroidDevice, wording: Heuristics) -> Iterator[Alert]:
    if device.root_binaries:
        binaries = ", ".join(device.root_binaries)
        values = {"count": len(device.root_binaries), "binaries": binaries}
        yield _rule_alert(wording, "root_binaries", "root", values, {"root_binaries": device.root_binaries})
    for package in device.packages.values():
        product = wording.lists.root_packages.get(package.name)
        if product:
            values = {"app": package.name, "product": product}
            yield _rule_alert(wording, "root_package", "root", values, package_event(package))


def _sideload_alerts(device: AndroidDevice, wording: Heuristics) -> Iterator[Alert]:
    lists = wording.lists
    for package in device.packages.values():
        if package.system is not False or not package.installer_known:
            continue
        installer = package.installer
        values: dict[str, object] = {"app": package.name, "installer_value": installer or "nothing"}
        if installer is None or installer in lists.sideload_installers:
            values["installer"] = lists.sideload_installers.get(installer or "", lists.no_installer)
            yield _rule_alert(wording, "sideloaded", "packages", values, package_event(package))
        elif installer in lists.alternative_stores:
            values["store"] = lists.alternative_stores[installer]
            yield _rule_alert(wording, "alternative_store", "packages", values, package_event(package))


_SERVICE_GROUPS: tuple[tuple[str, str, RuleName, RuleName], ...] = (
    ("accessibility_services", "accessibility", "accessibility_service", "accessibility_known_tool"),
    ("notification_listeners", "notification_listeners", "notification_listener", "notification_known_tool"),
    ("device_admins", "device_policy", "device_admin", "device_admin_known"),
)


def _service_alerts(device: AndroidDevice, wording: Heuristics) -> Iterator[Alert]:
    """Accessibility services, notification listeners and device administrators that are switched on."""
    known_lists = {
        "accessibility": wording.lists.known_accessibility_tools,
        "notification_listeners": wording.lists.known_notification_tools,
        "device_policy": wording.lists.known_device_admins,
    }
    for attribute, module, unknown_rule, known_rule in _SERVICE_GROUPS:
        components: list[str] = getattr(device, attribute)
        for component in components:
            name = package_of(component)
            package = device.packages.get(name)
            event = {**(package_event(package) if package else {"package": name}), "component": component}
            known = known_lists[module].get(name)
            if known:
                values = {"app": name, "product": known, "service": component}
                yield _rule_alert(wording, known_rule, module, values, event)
                continue
            origin = _origin(name, package, wording)
            if origin is not None:  # None: it came with the phone, and vendors' own services are no finding
                values = {"app": name, "service": component, "origin": origin}
                yield _rule_alert(wording, unknown_rule, module, values, event)


def _origin(name: str, package: AndroidPackage | None, wording: Heuristics) -> str | None:
    """A sentence on where the app came from; None for an app that came with the phone."""
    if package is None or package.system is None:
        return render(wording.lists.origin_unknown, {"app": name})
    if package.system:
        return None
    return render(wording.lists.origin_not_system, {"app": name})


def _owner_alerts(device: AndroidDevice, wording: Heuristics) -> Iterator[Alert]:
    owners: list[tuple[str, RuleName]] = []
    if device.device_owner:
        owners.append((device.device_owner, "device_owner"))
    owners += [(component, "profile_owner") for component in device.profile_owners]
    for component, rule in owners:
        name = package_of(component)
        package = device.packages.get(name)
        if package is not None and package.system:
            continue
        event = {**(package_event(package) if package else {"package": name}), "component": component}
        yield _rule_alert(wording, rule, "device_policy", {"app": name, "service": component}, event)


def _hidden_icon_alerts(device: AndroidDevice, wording: Heuristics) -> Iterator[Alert]:
    if not device.has("launcher"):
        return
    lists = wording.lists
    # Well-known tools (screen readers, Find My Device) have no icon by design.
    known = {*lists.known_accessibility_tools, *lists.known_notification_tools, *lists.known_device_admins}
    for package in device.packages.values():
        if package.system is False and package.has_launcher is False and package.name not in known:
            values = {"app": package.name, "origin": _origin(package.name, package, wording)}
            yield _rule_alert(wording, "hidden_icon", "launcher", values, package_event(package))


def _receiver_alerts(device: AndroidDevice, wording: Heuristics) -> Iterator[Alert]:
    described = wording.lists.receiver_actions
    for package in device.packages.values():
        actions = sorted(action for action in package.receives if action in described)
        if package.system is not False or not actions:
            continue
        values = {
            "app": package.name,
            "actions": _join(list(dict.fromkeys(described[action] for action in actions))),
            "action_ids": ", ".join(actions),
            "origin": _origin(package.name, package, wording),
        }
        yield _rule_alert(wording, "message_call_receiver", "receivers", values, package_event(package))


def _settings_alerts(device: AndroidDevice, wording: Heuristics) -> Iterator[Alert]:
    for rule in wording.settings:
        value = device.settings.get(rule.key)
        if value is not None and value.strip() in rule.values:
            event = {"setting": rule.key, "value": value}
            yield _alert_from(rule, f"setting:{rule.key}", "settings", {"value": value.strip()}, event)
    for key in wording.lists.proxy_settings:
        value = device.settings.get(key, "")
        if _host_of(value):
            values = {"key": key, "value": value.strip()}
            yield _rule_alert(wording, "proxy", "settings", values, {"setting": key, "value": value})


def _join(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def package_event(package: AndroidPackage) -> dict[str, Any]:
    """What is known about an app, for the alert's `event` (unknown fields are left out)."""
    event: dict[str, Any] = {
        "package": package.name,
        "system": package.system,
        "installer": package.installer if package.installer_known else None,
        "installer_known": package.installer_known,
        "uid": package.uid,
        "disabled": package.disabled,
        "has_launcher_icon": package.has_launcher,
        "version": package.version,
        "first_installed": package.first_installed,
        "apk_paths": package.apk_paths,
        "apk_sha256": [apk.sha256 for apk in package.files if apk.sha256],
        "cert_sha1": sorted({apk.cert_sha1 for apk in package.files if apk.cert_sha1}),
        "declares": sorted(package.declares),
        "granted_permissions": sorted(package.permissions),
        "allowed_app_ops": sorted(package.app_ops),
        "seen_in": sorted(package.seen_in),
    }
    return {key: value for key, value in event.items() if value not in (None, [], "")}
