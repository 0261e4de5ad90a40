"""`computer check`: fake Linux, macOS and Windows computers built under tmp_path, a fake process list and
a fake registry, decoys that must not match, a clean control, and one run on this real machine."""

from __future__ import annotations

import hashlib
import json
import plistlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from stalkproof.digital.computer import paths
from stalkproof.digital.computer.autostart import cron_entries, desktop_keys, exec_start
from stalkproof.digital.computer.checks import check_computer
from stalkproof.digital.computer.indicators import (
    ComputerIndicators,
    PlatformIndex,
    load_indicators,
    uninstall_pattern,
)
from stalkproof.digital.computer.installed import installed_packages
from stalkproof.digital.computer.model import Environment, ProcessInfo
from stalkproof.digital.computer.wording import load_wording
from stalkproof.digital.findings import Alert, CheckReport, level_rank
from stalkproof.errors import InputError

UNINSTALL = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
RUN = "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"


# ------------------------------------------------------------------------------------------ helpers


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def dpkg_status(*packages: tuple[str, str]) -> str:
    return "\n".join(f"Package: {name}\nStatus: {status}\nVersion: 1.0\n" for name, status in packages)


def alert_for(report: CheckReport, product: str) -> Alert:
    found = [alert for alert in report.alerts if alert.event.get("product") == product]
    assert len(found) == 1, [alert.message for alert in report.alerts]
    return found[0]


def products(report: CheckReport) -> set[str]:
    return {str(alert.event["product"]) for alert in report.alerts if "product" in alert.event}


def tree_state(root: Path) -> dict[str, str]:
    """Every file under root with its content hash, and every folder: to prove the check wrote nothing."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            state[str(path)] = "link:" + str(path.readlink())
        elif path.is_file():
            state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            state[str(path)] = "dir"
    return state


class FakeRegistry:
    """Keys map to their values; subkeys are the keys one level below. `denied` keys raise."""

    def __init__(self, keys: Mapping[str, Mapping[str, object]], denied: Sequence[str] = ()) -> None:
        self.keys = {key.lower(): (key, dict(values)) for key, values in keys.items()}
        self.denied = {key.lower() for key in denied}

    def _check(self, key: str) -> None:
        if key.lower() in self.denied:
            raise PermissionError(key)

    def values(self, key: str) -> Mapping[str, object] | None:
        self._check(key)
        found = self.keys.get(key.lower())
        return found[1] if found else None

    def subkeys(self, key: str) -> Sequence[str] | None:
        self._check(key)
        prefix = key.lower() + "\\"
        names = [
            original[len(prefix) :] for lower, (original, _) in self.keys.items() if lower.startswith(prefix)
        ]
        return sorted(name for name in names if "\\" not in name) or None


# ------------------------------------------------------------------------------------------ data files


def test_indicator_list_loads_and_every_product_has_a_matcher() -> None:
    indicators = load_indicators()
    assert indicators.version and indicators.reviewed and indicators.licence and indicators.source
    assert len(indicators.products) >= 30
    forbidden = {name.casefold() for name in indicators.never_match}
    for product in indicators.products:
        assert product.matcher_count() >= 1, product.name
        assert product.source and product.url.startswith("http"), product.name
        for platform in ("linux", "macos", "windows"):
            matchers = product.on(platform)
            names = matchers.processes if matchers else []
            assert not {name.casefold() for name in names} & forbidden, product.name
    kinds = {product.kind for product in indicators.products}
    assert kinds == {"spyware", "monitoring", "remote_access"}
    assert all(p.level == "high" for p in indicators.products if p.kind in ("spyware", "monitoring"))


def test_wording_loads_and_covers_every_kind_and_note() -> None:
    wording = load_wording()
    assert set(wording.kinds) == {"spyware", "monitoring", "remote_access"}
    assert wording.heuristics.odd_folder_autostart.level == "low"


def _yaml_with(tmp_path: Path, product: str) -> Path:
    text = (
        'version: "1"\nreviewed: "2026-11-24"\nlicence: "test"\n'
        'source: [{title: "t", url: "https://example.org/"}]\n'
        "never_match: [svchost.exe]\nproducts:\n" + product
    )
    return write(tmp_path / "indicators.yaml", text)


def test_a_product_without_any_matcher_is_refused(tmp_path: Path) -> None:
    path = _yaml_with(
        tmp_path,
        "  - name: Nothing\n    kind: spyware\n    level: high\n"
        '    source: [{title: "t", url: "https://example.org/"}]\n    windows: {}\n',
    )
    with pytest.raises(InputError, match="no matcher"):
        load_indicators.__wrapped__(path)


def test_a_system_program_name_is_refused_as_a_matcher(tmp_path: Path) -> None:
    path = _yaml_with(
        tmp_path,
        "  - name: Disguised\n    kind: monitoring\n    level: high\n"
        '    source: [{title: "t", url: "https://example.org/"}]\n    windows: {processes: [SVCHOST.EXE]}\n',
    )
    with pytest.raises(InputError, match="never_match"):
        load_indicators.__wrapped__(path)


# ------------------------------------------------------------------------------------------ parsers


def test_windows_command_lines_give_their_program() -> None:
    assert paths.program_of('"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --control', "windows") == (
        "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe"
    )
    assert paths.program_of("C:\\Program Files\\Tool\\tool.exe /background", "windows") == (
        "C:\\Program Files\\Tool\\tool.exe"
    )
    assert paths.basename("C:\\Program Files\\Tool\\tool.exe", "windows") == "tool.exe"


def test_posix_command_lines_skip_env_and_settings() -> None:
    assert paths.program_of("env LANG=C DISPLAY=:0 /usr/bin/anydesk --tray %U", "linux") == "/usr/bin/anydesk"
    assert paths.program_of("'/opt/My Tool/run' -x", "linux") == "/opt/My Tool/run"


def test_folder_match_is_at_a_folder_boundary() -> None:
    assert paths.inside("/opt/teamviewer/tv_bin/teamviewerd", "/opt/teamviewer", "linux")
    assert not paths.inside("/opt/teamviewer2/bin", "/opt/teamviewer", "linux")
    assert paths.inside("c:\\program files\\anydesk\\AnyDesk.exe", "C:\\Program Files\\AnyDesk", "windows")
    assert not paths.inside("/opt/TeamViewer/x", "/opt/teamviewer", "linux")


def test_uninstall_names_allow_only_a_version_after_the_name() -> None:
    pattern = uninstall_pattern("TeamViewer")
    assert pattern.fullmatch("TeamViewer")
    assert pattern.fullmatch("teamviewer 15.52.3 (x64)")
    assert not pattern.fullmatch("TeamViewer Meeting Add-In")
    assert not pattern.fullmatch("TeamViewerFans")
    wildcard = uninstall_pattern("ScreenConnect Client (*)")
    assert wildcard.fullmatch("ScreenConnect Client (4f1c2a9e0b7d)")
    assert not wildcard.fullmatch("ScreenConnect Client")


def test_dpkg_status_lists_only_installed_packages() -> None:
    text = dpkg_status(("anydesk", "install ok installed"), ("teamviewer", "deinstall ok config-files"))
    assert list(installed_packages(text)) == ["anydesk"]


def test_desktop_files_read_only_the_desktop_entry_group() -> None:
    keys = desktop_keys(
        "[Desktop Entry]\nExec=/usr/bin/a\nName[de]=x\n[Desktop Action New]\nExec=/usr/bin/b\n"
    )
    assert keys == {"Exec": "/usr/bin/a"}


def test_systemd_exec_start_drops_its_prefixes() -> None:
    assert exec_start("[Unit]\nX=1\n[Service]\nExecStart=-/usr/bin/rustdesk --service\n") == (
        "/usr/bin/rustdesk --service"
    )


def test_cron_lines_in_user_and_system_crontabs() -> None:
    user = cron_entries(
        "SHELL=/bin/sh\n# note\n@reboot /tmp/.x/run --quiet\n*/5 * * * * /usr/bin/true\n", "c", False
    )
    assert [(entry.program, entry.how) for entry in user] == [
        ("/tmp/.x/run", "service"),
        ("/usr/bin/true", "schedule"),
    ]
    system = cron_entries("17 * * * * root cd / && run-parts /etc/cron.hourly\n", "/etc/crontab", True)
    assert [entry.program for entry in system] == ["cd"]


def test_a_posix_path_keeps_its_case_when_matched(tmp_path: Path) -> None:
    env = Environment(platform="linux", root=tmp_path, home=None, live=False)
    index = PlatformIndex(load_indicators(), "linux")
    assert index.path("/opt/teamviewer/tv_bin/TeamViewer", env) is not None
    assert index.path("/opt/TeamViewerX/bin", env) is None


# ------------------------------------------------------------------------------------------ Linux


def linux_computer(root: Path) -> Path:
    """A fictional Linux laptop: AnyDesk starts at log-in and is installed; decoys with similar names."""
    home = root / "home/alex"
    write(
        home / ".config/autostart/anydesk.desktop",
        "[Desktop Entry]\nType=Application\nExec=/usr/bin/anydesk --tray\n",
    )
    write(home / ".config/autostart/anydesk-notes.desktop", "[Desktop Entry]\nExec=/usr/bin/anydesk-notes\n")
    write(
        root / "var/lib/dpkg/status",
        dpkg_status(
            ("anydesk", "install ok installed"),
            ("anydesktop-wallpapers", "install ok installed"),
            ("teamviewer", "deinstall ok config-files"),
            ("firefox-esr", "install ok installed"),
        ),
    )
    return home


LINUX_PROCESSES = [
    ProcessInfo(pid=4242, name="logkeys", exe="/usr/bin/logkeys", cmdline0="logkeys", username="root"),
    ProcessInfo(pid=4300, name="logkeys-viewer", exe="/usr/bin/logkeys-viewer", username="alex"),
    ProcessInfo(pid=4301, name="anydesk-notes", exe="/usr/bin/anydesk-notes", username="alex"),
    ProcessInfo(pid=1, name="systemd", exe="/usr/lib/systemd/systemd", username="root"),
]


def test_linux_anydesk_autostart_and_package_and_a_keylogger_process(tmp_path: Path) -> None:
    home = linux_computer(tmp_path)
    report = check_computer(root=tmp_path, home=home, processes=LINUX_PROCESSES, platform="linux")

    assert products(report) == {"AnyDesk", "logkeys"}
    anydesk = alert_for(report, "AnyDesk")
    assert anydesk.level == "medium"
    assert anydesk.message.startswith(
        "A program called AnyDesk is set up to start with this computer and is installed."
    )
    assert "AnyDesk lets someone see and control this computer from elsewhere." in anydesk.message
    assert "Check whether you installed it or agreed to someone using it" in anydesk.message
    assert "anydesk.desktop" in anydesk.why and "'anydesk'" in anydesk.why
    assert anydesk.removal_risk
    assert anydesk.matched_indicator is not None
    assert anydesk.matched_indicator.category == "remote_access"
    assert anydesk.matched_indicator.value == "anydesk"
    found = anydesk.event["found"]
    assert [(item["place"], item["observed"]) for item in found] == [
        ("starts", "anydesk"),
        ("installed", "anydesk"),
    ]

    keylogger = alert_for(report, "logkeys")
    assert keylogger.level == "high"
    assert keylogger.message.startswith("A program called logkeys is running now. logkeys is a keylogger:")
    assert "process 4242" in keylogger.why
    assert [item["where"] for item in keylogger.event["found"]] == [
        "process 4242, user root"
    ]  # not the viewer
    assert keylogger.removal_risk

    verdict = report.verdict()
    assert verdict.safety is not None  # the safety note comes before any removal advice
    assert "clean" not in json.dumps(verdict.to_json()).lower()


def test_linux_report_keeps_the_device_check_contract_and_hashes_inputs(tmp_path: Path) -> None:
    home = linux_computer(tmp_path)
    output = check_computer(root=tmp_path, home=home, processes=LINUX_PROCESSES, platform="linux").to_json()

    assert output["check"] == "computer"
    for alert in output["alerts"]:
        assert {"level", "module", "message", "matched_indicator"} <= set(alert)
    assert output["alerts"][0]["level"] == "high"  # most serious first
    inputs = {item["path"]: item["sha256"] for item in output["inputs"]}
    desktop = home / ".config/autostart/anydesk.desktop"
    status = tmp_path / "var/lib/dpkg/status"
    assert inputs[str(desktop)] == hashlib.sha256(desktop.read_bytes()).hexdigest()
    assert inputs[str(status)] == hashlib.sha256(status.read_bytes()).hexdigest()
    json.dumps(output)  # serialisable as it is


def test_linux_enabled_services_masked_units_and_cron(tmp_path: Path) -> None:
    write(
        tmp_path / "lib/systemd/system/teamviewerd.service",
        "[Service]\nExecStart=/opt/teamviewer/tv_bin/teamviewerd -d\n",
    )
    write(
        tmp_path / "lib/systemd/system/rustdesk.service", "[Service]\nExecStart=/usr/bin/rustdesk --service\n"
    )
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (wants / "teamviewerd.service").symlink_to("/lib/systemd/system/teamviewerd.service")
    (wants / "rustdesk.service").symlink_to("/dev/null")  # masked: never starts
    write(tmp_path / "var/spool/cron/crontabs/alex", "@reboot /home/alex/.cache/.sync/agent --quiet\n")
    home = tmp_path / "home/alex"
    home.mkdir(parents=True)

    report = check_computer(root=tmp_path, home=home, processes=[], platform="linux")

    assert products(report) == {"TeamViewer"}
    teamviewer = alert_for(report, "TeamViewer")
    assert teamviewer.level == "medium"
    assert "is set up to start with this computer" in teamviewer.message
    odd = [alert for alert in report.alerts if "autostart" in alert.event]
    assert len(odd) == 1 and odd[0].level == "low"
    assert "hidden folder" in odd[0].message and "/home/alex/.cache/.sync/agent" in odd[0].message
    assert "running now" not in odd[0].message


def test_a_hidden_folder_program_that_starts_and_runs_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home/alex"
    write(home / ".config/autostart/sync.desktop", "[Desktop Entry]\nExec=/home/alex/.hid/sync\n")
    running = [ProcessInfo(pid=77, name="sync", exe="/home/alex/.hid/sync", username="alex")]
    report = check_computer(root=tmp_path, home=home, processes=running, platform="linux")
    (odd,) = report.alerts
    assert odd.level == "low" and odd.message.endswith("That program is running now.")
    assert odd.removal_risk


def test_linux_clean_control_has_nothing_above_informational_and_never_says_clean(tmp_path: Path) -> None:
    home = tmp_path / "home/sam"
    write(
        home / ".config/autostart/nextcloud.desktop",
        "[Desktop Entry]\nExec=/usr/bin/nextcloud --background\n",
    )
    write(home / ".config/autostart/notes.desktop", "[Desktop Entry]\nExec=/home/sam/.local/bin/notes\n")
    write(
        tmp_path / "etc/xdg/autostart/print-applet.desktop",
        "[Desktop Entry]\nExec=system-config-printer-applet\n",
    )
    write(tmp_path / "lib/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n")
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (wants / "ssh.service").symlink_to("/lib/systemd/system/ssh.service")
    write(
        tmp_path / "var/lib/dpkg/status",
        dpkg_status(("firefox-esr", "install ok installed"), ("openssh-server", "install ok installed")),
    )
    write(tmp_path / "var/lib/flatpak/app/org.mozilla.Thunderbird/current", "")
    running = [
        ProcessInfo(pid=1, name="systemd", exe="/usr/lib/systemd/systemd", username="root"),
        ProcessInfo(pid=900, name="firefox-esr", exe="/usr/lib/firefox-esr/firefox-esr", username="sam"),
        ProcessInfo(pid=901, name=None, details_hidden=True),
    ]
    before = tree_state(tmp_path)

    report = check_computer(root=tmp_path, home=home, processes=running, platform="linux")

    assert all(level_rank(alert.level) <= level_rank("informational") for alert in report.alerts)
    verdict = report.verdict()
    assert verdict.headline.startswith("Nothing known to be used for spying")
    assert "clean" not in json.dumps(verdict.to_json()).lower()
    assert any("Browser extensions" in line for line in report.not_checked)
    assert any("some running programs (1 of them)" in line for line in report.not_checked)
    assert any("Flatpak" in line for line in report.checked)
    assert tree_state(tmp_path) == before  # nothing written, moved or removed


def test_a_copied_disk_does_not_read_this_computers_processes(tmp_path: Path) -> None:
    report = check_computer(root=tmp_path, home=None, platform="linux")
    assert report.details["processes_seen"] == 0
    assert any("not the running computer" in line for line in report.not_checked)
    assert any("no home folder" in line for line in report.not_checked)


def test_an_rpm_system_says_its_package_list_was_not_read(tmp_path: Path) -> None:
    (tmp_path / "var/lib/rpm").mkdir(parents=True)
    report = check_computer(root=tmp_path, home=None, processes=[], platform="linux")
    assert any("RPM package database" in line for line in report.not_checked)


# ------------------------------------------------------------------------------------------ macOS


def mac_app(root: Path, name: str, bundle_id: str, binary: bool = False) -> None:
    info = {"CFBundleIdentifier": bundle_id, "CFBundleName": name}
    fmt = plistlib.FMT_BINARY if binary else plistlib.FMT_XML
    write(root / f"Applications/{name}.app/Contents/Info.plist", plistlib.dumps(info, fmt=fmt))


def test_macos_monitoring_launch_agent_and_an_installed_remote_access_app(tmp_path: Path) -> None:
    home = tmp_path / "Users/alex"
    agent = {
        "Label": "com.example.agent",
        "ProgramArguments": ["/Applications/Teramind Agent.app/Contents/MacOS/agent", "--background"],
        "RunAtLoad": True,
    }
    write(tmp_path / "Library/LaunchAgents/com.example.agent.plist", plistlib.dumps(agent))
    decoy = {
        "Label": "org.example.anydesk-notes",
        "Program": "/Applications/AnyDesk Notes.app/Contents/MacOS/n",
    }
    write(
        home / "Library/LaunchAgents/org.example.anydesk-notes.plist",
        plistlib.dumps(decoy, fmt=plistlib.FMT_BINARY),
    )
    mac_app(tmp_path, "AnyDesk", "com.philandro.anydesk", binary=True)
    mac_app(tmp_path, "AnyDesk Notes", "org.example.anydesknotes")

    report = check_computer(root=tmp_path, home=home, processes=[], platform="darwin")

    assert products(report) == {"Teramind", "AnyDesk"}
    teramind = alert_for(report, "Teramind")
    assert teramind.level == "high"
    assert teramind.message.startswith("A program called Teramind is set up to start with this computer.")
    assert "com.example.agent" in teramind.why
    assert teramind.matched_indicator is not None and teramind.matched_indicator.category == "watchware"
    anydesk = alert_for(report, "AnyDesk")
    assert anydesk.level == "low"  # installed only: not running, not starting by itself
    assert anydesk.message.startswith("A program called AnyDesk is installed.")
    assert "rated lower" in anydesk.why
    assert {item["observed"] for item in anydesk.event["found"]} == {
        "com.philandro.anydesk",
        "/Applications/AnyDesk.app",
    }
    assert any("Login items" in line for line in report.not_checked)
    assert str(tmp_path / "Applications/AnyDesk.app/Contents/Info.plist") in {
        item.path for item in report.inputs
    }


def test_macos_launchd_label_of_a_remote_access_tool(tmp_path: Path) -> None:
    daemon = {
        "Label": "com.carriez.RustDesk_service",
        "ProgramArguments": ["/bin/sh", "-c", "x"],
        "Disabled": True,
    }
    write(tmp_path / "Library/LaunchDaemons/com.carriez.RustDesk_service.plist", plistlib.dumps(daemon))
    report = check_computer(root=tmp_path, home=tmp_path / "Users/alex", processes=[], platform="macos")
    rustdesk = alert_for(report, "RustDesk")
    assert "has a start-up entry that is switched off" in rustdesk.message
    assert rustdesk.level == "low"


# ------------------------------------------------------------------------------------------ Windows


def windows_registry() -> FakeRegistry:
    return FakeRegistry(
        {
            f"{UNINSTALL}\\{{7E1F0B3C-0000-4000-8000-000000000001}}": {
                "DisplayName": "Spyrix Free Keylogger 11.8",
                "InstallLocation": "C:\\Program Files (x86)\\Spyrix Free Keylogger",
            },
            f"{UNINSTALL}\\ScreenConnect Client (4f1c2a9e0b7d)": {
                "DisplayName": "ScreenConnect Client (4f1c2a9e0b7d)"
            },
            f"{UNINSTALL}\\RustDeskThemes": {"DisplayName": "RustDesk Theme Pack"},
            f"{UNINSTALL}\\Firefox": {"DisplayName": "Mozilla Firefox (x64 en-GB)"},
            f"{UNINSTALL}\\NoName": {"SystemComponent": 1},
            RUN: {
                "AnyDesk": '"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --control',
                "Updater": "C:\\Windows\\Temp\\svc-update.exe /quiet",
                "OneDrive": "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe /background",
            },
        }
    )


def test_windows_uninstall_entries_run_keys_and_processes(tmp_path: Path) -> None:
    home = tmp_path / "Users/alex"
    write(
        home / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/Notes.lnk", b"L\x00\x00\x00fake"
    )
    running = [
        ProcessInfo(
            pid=3100, name="scthost.exe", exe="C:\\Windows\\SysWOW64\\scthost.exe", username="ALEX-PC\\alex"
        ),
        ProcessInfo(pid=800, name="svchost.exe", exe="C:\\Windows\\System32\\svchost.exe", username="SYSTEM"),
    ]

    report = check_computer(
        root=tmp_path, home=home, processes=running, platform="win32", registry=windows_registry()
    )

    assert products(report) == {"Spyrix", "ScreenConnect (ConnectWise Control)", "AnyDesk", "ActivTrak"}
    spyrix = alert_for(report, "Spyrix")
    assert spyrix.level == "high"
    assert spyrix.message.startswith("A program called Spyrix is installed.")
    assert "Spyrix Free Keylogger 11.8" in spyrix.why
    assert spyrix.matched_indicator is not None and spyrix.matched_indicator.category == "stalkerware"
    assert alert_for(report, "AnyDesk").level == "medium"
    assert alert_for(report, "ActivTrak").message.startswith("A program called ActivTrak is running now.")
    odd = [alert for alert in report.alerts if "autostart" in alert.event]
    assert [alert.event["autostart"] for alert in odd] == ["Updater"]
    assert "temporary folder" in odd[0].message
    startup = home / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/Notes.lnk"
    assert str(startup) in {item.path for item in report.inputs}
    assert any("Run and RunOnce" in line for line in report.checked)


def test_windows_install_folder_present_on_disk(tmp_path: Path) -> None:
    (tmp_path / "ProgramData/Teramind Agent").mkdir(parents=True)
    report = check_computer(
        root=tmp_path,
        home=tmp_path / "Users/alex",
        processes=[],
        platform="windows",
        registry=FakeRegistry({}),
    )
    teramind = alert_for(report, "Teramind")
    assert teramind.message.startswith("A program called Teramind has its program folder on this computer.")
    assert "ProgramData" in teramind.why


def test_windows_without_a_registry_or_with_a_denied_key_says_what_was_not_checked(tmp_path: Path) -> None:
    without = check_computer(root=tmp_path, home=None, processes=[], platform="windows")
    assert any("registry could not be read" in line for line in without.not_checked)
    denied = check_computer(
        root=tmp_path,
        home=None,
        processes=[],
        platform="windows",
        registry=FakeRegistry({}, denied=[UNINSTALL]),
    )
    assert any(UNINSTALL in line and "could not be read" in line for line in denied.not_checked)


# ------------------------------------------------------------------------------------------ this machine


def test_this_real_machine_completes_and_never_calls_itself_clean() -> None:
    report = check_computer()
    assert isinstance(report, CheckReport)
    assert report.check == "computer"
    assert "clean" not in json.dumps(report.verdict().to_json()).lower()
    assert report.not_checked and json.dumps(report.to_json())


def test_the_bundled_list_is_used_unless_another_is_given(tmp_path: Path) -> None:
    empty = ComputerIndicators.model_validate(
        {
            "version": "0",
            "reviewed": "2026-11-24",
            "licence": "test",
            "source": [{"title": "t", "url": "https://example.org/"}],
            "products": [
                {
                    "name": "Example Watch",
                    "kind": "monitoring",
                    "level": "high",
                    "source": [{"title": "t", "url": "https://example.org/"}],
                    "linux": {"processes": ["example-watch"]},
                }
            ],
        }
    )
    running = [ProcessInfo(pid=5, name="example-watch"), ProcessInfo(pid=6, name="logkeys")]
    report = check_computer(root=tmp_path, home=None, processes=running, platform="linux", indicators=empty)
    assert products(report) == {"Example Watch"}
