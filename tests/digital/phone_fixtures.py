"""Synthetic Android phones, written out as the inputs stalkproof reads: an AndroidQF folder and zip, a
bugreport zip, raw dumpsys text and `pm list packages -f -i -U` output.

Two phones: `WATCHED` carries known stalkerware (by app name, by signing certificate, by APK hash), a
monitoring app, an unknown app with every capability stalkerware uses, a rooting tool, decoys whose
names or certificates are close to stalkerware's but not equal, and well-known tools that legitimately
hold the same capabilities. `CONTROL` holds only system and Play Store apps and decoys: nothing should
be found on it. The stalkerware values are real entries of Echap's list (that is what is tested); every
other name, hash and address is invented (example.org, 192.0.2.x).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# Real Echap entries: TheTruthSpy's package and one of its certificates, a 1TopSpy APK, FamiSafe.
THETRUTH = "com.thetruth"
THETRUTH_CERT_SHA1 = "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"
TOPSPY_APK_SHA256 = "2f3bc9ebe8c249f0416f5b0367f34b4b8f6aaa7d351dc5b4912fe2558491b6b7"
FAMISAFE = "com.wondershare.famisafe.kids"
THETRUTH_C2 = "1ca43.appspot.com"

DISGUISED = "com.android.battery.optimiser"  # invented name, signed with TheTruthSpy's certificate
HASHED = "org.example.weather"  # invented name, byte-identical to a 1TopSpy APK
TORCH = "org.example.torchlight"  # unknown app holding every capability stalkerware uses
MAGISK = "com.topjohnwu.magisk"
TALKBACK = "com.google.android.marvin.talkback"
GEARHEAD = "com.google.android.projection.gearhead"
GMS = "com.google.android.gms"
FDROID_NOTES = "org.example.fdroidnotes"
DECOY_NAMES = ("com.thetruthful.notes", "org.example.thetruth", "com.thetruth.fanclub")
DECOY_CERT = "org.example.games"  # certificate one character away from TheTruthSpy's

PLAY = "com.android.vending"
PACKAGE_INSTALLER = "com.google.android.packageinstaller"
SMS_RECEIVED = "android.provider.Telephony.SMS_RECEIVED"
OUTGOING_CALL = "android.intent.action.NEW_OUTGOING_CALL"
PHONE_STATE = "android.intent.action.PHONE_STATE"


def _digest(name: str, text: str) -> str:
    return hashlib.new(name, text.encode()).hexdigest()


@dataclass(frozen=True)
class FakeApp:
    name: str
    installer: str | None
    system: bool = False
    launcher: bool = True
    cert_sha1: str | None = None
    apk_sha256: str | None = None
    receives: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return self.apk_sha256 or _digest("sha256", "apk:" + self.name)

    @property
    def cert(self) -> str:
        return self.cert_sha1 or _digest("sha1", "cert:" + self.name)

    @property
    def code_path(self) -> str:
        if self.system:
            return f"/system/priv-app/{self.name.rsplit('.', 1)[-1].title()}"
        return (
            f"/data/app/~~{_digest('md5', self.name)[:12]}==/{self.name}-{_digest('md5', self.name)[12:24]}=="
        )

    def component(self, cls: str) -> str:
        return f"{self.name}/{self.name}.{cls}"


@dataclass(frozen=True)
class FakePhone:
    apps: tuple[FakeApp, ...]
    accessibility: tuple[str, ...] = ()
    listeners: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    device_owner: str | None = None
    settings_global: dict[str, str] = field(default_factory=dict)
    root_binaries: tuple[str, ...] = ()
    processes: tuple[str, ...] = ("init", "zygote64", "system_server")
    crashed: str = "/system/bin/surfaceflinger"
    release: str = "14"
    sdk: int = 34

    def uid(self, app: FakeApp) -> int:
        return 1000 if app.system and app.name == "android" else 10100 + self.apps.index(app)


_SYSTEM_APPS = (
    FakeApp("com.android.settings", None, system=True),
    FakeApp(GMS, None, system=True, launcher=False),
    FakeApp(GEARHEAD, None, system=True, launcher=False),
    FakeApp("com.android.messaging", None, system=True, receives=(SMS_RECEIVED,)),
    FakeApp("com.android.dialer", None, system=True, receives=(OUTGOING_CALL, PHONE_STATE)),
)
_PLAY_APPS = (
    FakeApp("org.example.messenger", PLAY, permissions=("android.permission.CAMERA",)),
    *(FakeApp(name, PLAY) for name in DECOY_NAMES),
    FakeApp(DECOY_CERT, PLAY, cert_sha1=THETRUTH_CERT_SHA1[:-1] + "D"),
)

WATCHED = FakePhone(
    apps=(
        *_SYSTEM_APPS,
        *_PLAY_APPS,
        FakeApp(TALKBACK, PLAY, launcher=False),
        FakeApp(
            THETRUTH,
            None,
            launcher=False,
            receives=(SMS_RECEIVED, OUTGOING_CALL),
            permissions=("android.permission.READ_SMS", "android.permission.ACCESS_FINE_LOCATION"),
        ),
        FakeApp(DISGUISED, PACKAGE_INSTALLER, cert_sha1=THETRUTH_CERT_SHA1),
        FakeApp(HASHED, "com.android.chrome", apk_sha256=TOPSPY_APK_SHA256),
        FakeApp(FAMISAFE, PLAY),
        FakeApp(TORCH, PACKAGE_INSTALLER, launcher=False, receives=(SMS_RECEIVED,)),
        FakeApp(MAGISK, PACKAGE_INSTALLER),
        FakeApp(FDROID_NOTES, "org.fdroid.fdroid"),
    ),
    accessibility=(f"{TORCH}/{TORCH}.LightService", f"{TALKBACK}/{TALKBACK}.TalkBackService"),
    listeners=(f"{TORCH}/{TORCH}.Mirror", f"{GEARHEAD}/com.google.android.apps.auto.NotificationListener"),
    admins=(f"{TORCH}/{TORCH}.Keeper", f"{GMS}/{GMS}.mdm.receivers.MdmDeviceAdminReceiver"),
    settings_global={
        "package_verifier_enable": "0",
        "global_http_proxy_host": THETRUTH_C2,
        "global_http_proxy_port": "8080",
        "adb_enabled": "1",
    },
    root_binaries=("/system/xbin/su",),
    processes=("init", "zygote64", "system_server", THETRUTH, "org.example.messenger"),
    crashed=THETRUTH,
)

CONTROL = FakePhone(
    apps=(*_SYSTEM_APPS[:1], *_SYSTEM_APPS[3:], *_PLAY_APPS),
    settings_global={"package_verifier_enable": "1", "adb_enabled": "1"},
)


# --- writing the inputs -----------------------------------------------------------------------


def write_androidqf(folder: Path, phone: FakePhone = WATCHED, filler_apps: int = 0) -> Path:
    """An AndroidQF acquisition folder; `filler_apps` adds that many ordinary Play Store apps."""
    folder.mkdir(parents=True, exist_ok=True)
    apps = (*phone.apps, *(FakeApp(f"org.example.filler{index:05d}", PLAY) for index in range(filler_apps)))
    full = FakePhone(**{**phone.__dict__, "apps": apps})
    (folder / "packages.json").write_text(json.dumps(packages_json(full), indent=1))
    (folder / "dumpsys.txt").write_text(dumpsys_text(full))
    (folder / "getprop.txt").write_text(getprop_text(full))
    (folder / "settings_global.txt").write_text(
        "".join(f"{k}={v}\n" for k, v in full.settings_global.items())
    )
    (folder / "settings_secure.txt").write_text("bluetooth_name=Example Phone\n")
    (folder / "root_binaries.json").write_text(json.dumps(list(full.root_binaries)))
    (folder / "ps.txt").write_text(ps_text(full))
    (folder / "files.json").write_text(json.dumps([files_entry("/sdcard/Download/notes.txt")]))
    return folder


def write_androidqf_zip(path: Path, phone: FakePhone = WATCHED) -> Path:
    source = write_androidqf(path.with_suffix(".d"), phone)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for child in sorted(source.iterdir()):
            archive.write(child, f"acquisition-2026-01-05/{child.name}")
    return path


def write_bugreport_zip(path: Path, phone: FakePhone = WATCHED) -> Path:
    main = "bugreport-example-UQ1A.240105.002-2026-01-05-10-00-00.txt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("main_entry.txt", main)
        archive.writestr(main, dumpstate_text(phone))
        archive.writestr("version.txt", "2.0")
        archive.writestr("FS/data/tombstones/tombstone_00", tombstone_text(phone.crashed))
    return path


def write_dumpsys(path: Path, phone: FakePhone = WATCHED) -> Path:
    path.write_text(dumpsys_text(phone))
    return path


def write_pm_list(path: Path, phone: FakePhone = WATCHED) -> Path:
    lines = [
        f"package:{app.code_path}/base.apk={app.name}  {_installer_and_uid(phone, app)}" for app in phone.apps
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _installer_and_uid(phone: FakePhone, app: FakeApp) -> str:
    return f"installer={app.installer or 'null'} uid:{phone.uid(app)}"


def fingerprint(phone: FakePhone) -> str:
    return f"exampleco/phone7/phone7:{phone.release}/UQ1A.240105.002/1:user/release-keys"


# --- the texts --------------------------------------------------------------------------------


def packages_json(phone: FakePhone) -> list[dict[str, object]]:
    return [
        {
            "name": app.name,
            "files": [
                {
                    "path": app.code_path + "/base.apk",
                    "local_name": "",
                    "md5": _digest("md5", app.sha256),
                    "sha1": _digest("sha1", app.sha256),
                    "sha256": app.sha256,
                    "sha512": _digest("sha512", app.sha256),
                    "error": "",
                    "verified_certificate": True,
                    "certificate": {
                        "Md5": _digest("md5", app.cert),
                        "Sha1": app.cert.lower(),
                        "Sha256": _digest("sha256", app.cert),
                        "Issuer": "CN=Example Developer, O=Example, C=GB",
                        "Subject": "CN=Example Developer, O=Example, C=GB",
                    },
                    "certificate_error": "",
                    "trusted_certificate": False,
                }
            ],
            "installer": app.installer or "null",
            "uid": phone.uid(app),
            "disabled": False,
            "system": app.system,
            "third_party": not app.system,
        }
        for app in phone.apps
    ]


def files_entry(path: str) -> dict[str, object]:
    """One row of AndroidQF's files.json (every field it writes, so other tools read it too)."""
    stamp = 1767600000
    return {
        "path": path,
        "size": 120,
        "mode": "-rw-rw----",
        "user_id": 10105,
        "user_name": "",
        "group_id": 1015,
        "group_name": "",
        "changed_time": stamp,
        "modified_time": stamp,
        "access_time": stamp,
        "error": "",
        "context": "u:object_r:media_rw_data_file:s0",
        "sha1": "",
        "sha256": "",
        "sha512": "",
        "md5": "",
    }


def getprop_text(phone: FakePhone) -> str:
    properties = {
        "ro.build.version.release": phone.release,
        "ro.build.version.sdk": str(phone.sdk),
        "ro.build.version.security_patch": "2026-01-01",
        "ro.product.manufacturer": "ExampleCo",
        "ro.product.model": "Example Phone 7",
        "ro.build.fingerprint": fingerprint(phone),
        "persist.sys.timezone": "Europe/London",
    }
    return "".join(f"[{name}]: [{value}]\n" for name, value in properties.items())


def ps_text(phone: FakePhone) -> str:
    header = "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME\n"
    rows = [
        f"root {index + 1:>12} {0:>5} {4096:>7} {1024:>6} 0 {0:>19} S {name}"
        for index, name in enumerate(phone.processes)
    ]
    return (
        header
        + "root             2     0       0      0 0                   0 S [kthreadd]\n"
        + "\n".join(rows)
        + "\n"
    )


def dumpsys_text(phone: FakePhone, with_settings: bool = False) -> str:
    services = [
        ("package", package_service(phone)),
        ("accessibility", accessibility_service(phone)),
        ("notification", notification_service(phone)),
        ("device_policy", device_policy_service(phone)),
        ("appops", appops_service(phone)),
    ]
    if with_settings:
        services.append(("settings", settings_service(phone)))
    rule = "-" * 79
    return "".join(
        f"{rule}\nDUMP OF SERVICE {name}:\n{body}\n--------- 0.012s was the duration of dumpsys {name}, "
        f"ending at: 2026-01-05 10:00:00\n"
        for name, body in services
    )


def package_service(phone: FakePhone) -> str:
    lines = ["Database versions:", "  Internal:", f"    sdkVersion={phone.sdk} databaseVersion=3", ""]
    lines += ["Activity Resolver Table:", "  Non-Data Actions:", "      android.intent.action.MAIN:"]
    for app in phone.apps:
        if app.launcher:
            lines += _resolver_entry(
                app, "MainActivity", "android.intent.action.MAIN", "android.intent.category.LAUNCHER"
            )
    lines += ["", "Receiver Resolver Table:", "  Non-Data Actions:"]
    for action in (SMS_RECEIVED, OUTGOING_CALL, PHONE_STATE):
        lines.append(f"      {action}:")
        for app in phone.apps:
            if action in app.receives:
                lines += _resolver_entry(app, "Watcher", action, None)
    lines += ["", "Packages:"]
    for app in phone.apps:
        lines += _package_block(phone, app)
    return "\n".join(lines)


def _resolver_entry(app: FakeApp, cls: str, action: str, category: str | None) -> list[str]:
    code = _digest("md5", app.name + cls)
    entry = [f"        {code[:7]} {app.name}/.{cls} filter {code[7:14]}", f'          Action: "{action}"']
    return entry + ([f'          Category: "{category}"'] if category else [])


def _package_block(phone: FakePhone, app: FakeApp) -> list[str]:
    flags = "SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA" if app.system else "HAS_CODE ALLOW_CLEAR_USER_DATA"
    block = [
        f"  Package [{app.name}] ({_digest('md5', app.name)[:7]}):",
        f"    userId={phone.uid(app)}",
        f"    codePath={app.code_path}",
        "    versionName=1.0.0",
        f"    flags=[ {flags} ]",
        "    firstInstallTime=2025-11-02 09:15:00",
    ]
    if app.installer:
        block.append(f"    installerPackageName={app.installer}")
    block.append(
        "    User 0: ceDataInode=4242 installed=true hidden=false suspended=false stopped=false "
        "notLaunched=false enabled=0 instant=false virtual=false"
    )
    if app.permissions:
        block.append("      runtime permissions:")
        block += [f"        {permission}: granted=true, flags=[ USER_SET ]" for permission in app.permissions]
    return block


def accessibility_service(phone: FakePhone) -> str:
    enabled = ", ".join("{" + component + "}" for component in phone.accessibility)
    return (
        "ACCESSIBILITY MANAGER (dumpsys accessibility)\n\ncurrentUserId=0\nUser state[\n"
        "     attributes:{id=0, touchExplorationEnabled=false, installedServiceCount=3}\n"
        f"     Enabled services:{{{enabled}}}\n     Binding services:{{}}\n     Crashed services:{{}}]\n"
    )


def notification_service(phone: FakePhone) -> str:
    allowed = ":".join(phone.listeners)
    lines = [
        "Current Notification Manager state:",
        "  Notification listeners:",
        "    Allowed notification listeners:",
    ]
    lines += [f"      {allowed} (user: 0 isPrimary: true)"] if allowed else []
    lines.append(f"    All notification listeners ({len(phone.listeners)}) enabled for current profiles:")
    lines += [f"      ComponentInfo{{{component}}}" for component in phone.listeners]
    lines += [
        "  Notification assistant:",
        "    ComponentInfo{android.ext.services/android.ext.services.Assistant}",
    ]
    return "\n".join(lines) + "\n"


def device_policy_service(phone: FakePhone) -> str:
    lines = ["Current Device Policy Manager state:"]
    if phone.device_owner:
        lines += ["  Device Owner: ", f"    admin=ComponentInfo{{{phone.device_owner}}}", "    name="]
    lines.append("  Enabled Device Admins (User 0, provisioningState: 0):")
    for component in phone.admins:
        lines += [f"    {component}:", "      uid=10130", "      testOnlyAdmin=false"]
    return "\n".join(lines) + "\n"


def appops_service(phone: FakePhone) -> str:
    lines = ["Current AppOps Service state:", "  Settings:", "    top_state_settle_time=+30s0ms"]
    for app in phone.apps:
        if not app.system:
            lines += [f"  Uid u0a{phone.uid(app) - 10000}:", "    state=cch", f"    Package {app.name}:"]
            lines += ["      WAKE_LOCK (allow):", "      REQUEST_INSTALL_PACKAGES (default):"]
    return "\n".join(lines) + "\n"


def settings_service(phone: FakePhone) -> str:
    rows = [
        f"  _id:{index} name:{name} pkg:android value:{value} default:{value} defaultSystemSet:true"
        for index, (name, value) in enumerate(phone.settings_global.items(), start=1)
    ]
    return "GLOBAL SETTINGS (user 0)\n" + "\n".join(rows) + "\n"


def dumpstate_text(phone: FakePhone) -> str:
    return (
        "========================================================\n== dumpstate: 2026-01-05 10:00:00\n"
        "========================================================\n\n"
        f"Build: UQ1A.240105.002\nBuild fingerprint: '{fingerprint(phone)}'\n\n"
        "------ SYSTEM PROPERTIES (getprop) ------\n"
        + getprop_text(phone)
        + "------ 0.030s was the duration of 'SYSTEM PROPERTIES' ------\n"
        "------ PROCESSES AND THREADS (ps -A -T -Z) ------\n"
        + ps_text(phone)
        + "------ 0.050s was the duration of 'PROCESSES AND THREADS' ------\n"
        "------ DUMPSYS (/system/bin/dumpsys) ------\n"
        + dumpsys_text(phone, with_settings=True)
        + "------ 1.200s was the duration of 'DUMPSYS' ------\n"
    )


def tombstone_text(process: str) -> str:
    return (
        "*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\n"
        "Build fingerprint: 'exampleco/phone7/phone7:14/UQ1A.240105.002/1:user/release-keys'\n"
        "ABI: 'arm64'\nTimestamp: 2026-01-04 22:10:00+0000\n"
        f"pid: 4242, tid: 4250, name: worker  >>> {process} <<<\nsignal 6 (SIGABRT), code -1 (SI_QUEUE)\n"
    )
