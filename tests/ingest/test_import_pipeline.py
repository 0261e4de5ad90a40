"""The import pipeline, through the CSV source: idempotent, resumable, reported, and safe with bad input."""

from __future__ import annotations

import gc
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import VaultSetup
from stalkproof.errors import InputError
from stalkproof.evidence import import_store
from stalkproof.evidence.cases import current_case
from stalkproof.evidence.imports import ImportRequest, run_import
from stalkproof.vault.schema import events, exhibits, import_warnings
from stalkproof.vault.verify import verify_vault

DATA = Path(__file__).parents[1] / "data" / "ingest" / "csv"
CALLS, CALLS_MAP = DATA / "calls_uk.csv", DATA / "calls_uk.yaml"


def _import(cli: Any, path: Path, *extra: str) -> Any:
    result = cli("import", str(path), "--json", *extra)
    assert result.code == 0, result.err
    return result.json()


def _calls(cli: Any, path: Path = CALLS, *extra: str) -> Any:
    return _import(cli, path, "--source", "csv", "--mapping", str(CALLS_MAP), *extra)


def _event_count(setup: VaultSetup) -> int:
    with setup.open() as vault, vault.read() as connection:
        return int(connection.execute(select(func.count()).select_from(events)).scalar_one())


def test_a_call_log_becomes_events_that_point_back_to_their_lines(case_setup: VaultSetup, cli: Any) -> None:
    report = _calls(cli)
    assert (report["source"], report["records"], report["new"], report["duplicates"]) == ("csv", 4, 4, 0)
    assert report["warnings"] == []  # every time carried the mapping's zone: nothing assumed
    timeline = cli("events", "--json").json()
    assert [event["source"]["line"] for event in timeline] == [2, 3, 4, 6]
    raw = CALLS.read_bytes()
    third = timeline[2]
    assert third["text"] == "asked them to stop,\nplease"
    assert third["sender"] == "phone:+447700900999" and third["recipients"] == ["phone:+447700900123"]
    assert "from_me" in third["markers"] and "missed" in timeline[1]["markers"]
    assert third["details"]["duration_s"] == 12
    assert third["occurred_at"] == "2026-03-02T02:10:00.000000Z" and third["zone"] == "Europe/London"
    assert third["exhibits"] == [report["exhibit"]]
    import hashlib

    lines = raw.split(b"\n")
    assert third["source"]["sha256"] == hashlib.sha256(lines[3] + b"\n" + lines[4] + b"\n").hexdigest()
    assert cli("verify", "--json").json()["ok"] is True


def test_importing_the_same_file_again_adds_nothing(case_setup: VaultSetup, cli: Any) -> None:
    first = _calls(cli)
    again = _calls(cli)
    assert again["new"] == 0 and again["duplicates"] == 4
    assert again["already_imported"] and again["import_id"] == first["import_id"]
    assert _event_count(case_setup) == 4
    with case_setup.open() as vault, vault.read() as connection:
        assert connection.execute(select(func.count()).select_from(exhibits)).scalar_one() == 1


def test_an_import_gives_the_process_its_cycle_collector_back(case_setup: VaultSetup, cli: Any) -> None:
    """The web app imports in a long-lived process: the collector must be on again, with nothing frozen."""
    assert gc.isenabled() and gc.get_freeze_count() == 0
    _calls(cli)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_longer_later_export_adds_only_its_new_rows(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _calls(cli)
    later = tmp_path / "calls_later.csv"
    later.write_bytes(CALLS.read_bytes() + b"03/03/2026 07:00,+44 7700 900123,Incoming,5,\n")
    report = _calls(cli, later)
    assert (report["records"], report["new"], report["duplicates"]) == (5, 1, 4)
    assert _event_count(case_setup) == 5
    assert cli("verify", "--json").json()["ok"] is True


def test_identical_rows_in_one_file_stay_separate_events(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    doubled = tmp_path / "doubled.csv"
    row = b"01/03/2026 21:14,+44 7700 900123,Incoming,35,\n"
    doubled.write_bytes(b"Date,Number,Type,Duration,Notes\n" + row + row)
    assert _calls(cli, doubled)["new"] == 2


def test_a_stopped_import_is_resumed_and_stores_every_row_once(
    case_setup: VaultSetup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    big = _numbered_csv(tmp_path / "many.csv", 95)
    request = ImportRequest(path=big, source="csv", mapping=CALLS_MAP, batch=10)
    real_store, written = import_store.store_batch, list[int]()

    def failing(*args: Any, **kwargs: Any) -> Any:
        if len(written) == 4:
            raise RuntimeError("power cut")
        written.append(1)
        return real_store(*args, **kwargs)

    monkeypatch.setattr("stalkproof.evidence.imports.store_batch", failing)
    with case_setup.open() as vault:
        case_id = current_case(vault).id
        with pytest.raises(RuntimeError):
            run_import(vault, case_id, request)
    assert _event_count(case_setup) == 30  # the first batch row holds warnings only, then three of ten
    monkeypatch.setattr("stalkproof.evidence.imports.store_batch", real_store)
    with case_setup.open() as vault:
        report = run_import(vault, case_id, request)
        assert report.resumed and report.new == 65 and report.duplicates == 0
        assert verify_vault(vault).ok
    assert _event_count(case_setup) == 95


@pytest.mark.slow
def test_sigkill_during_an_import_then_a_rerun_stores_every_row_once(
    case_setup: VaultSetup, tmp_path: Path
) -> None:
    big = _numbered_csv(tmp_path / "many.csv", 4000)
    command = [sys.executable, "-m", "stalkproof.cli.main", "import", str(big), "--source", "csv"]
    command += ["--mapping", str(CALLS_MAP), "--batch", "100", "--json"]
    env = os.environ | case_setup.env()
    rng = random.Random(5)
    for _ in range(4):
        worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.8, 2.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert worker.stderr is not None
        worker.stderr.close()
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert '"records": 4000' in finished.stdout
    with case_setup.open() as vault:
        assert verify_vault(vault).ok
        with vault.read() as connection:
            keys = connection.execute(select(func.count(func.distinct(events.c.dedup_key)))).scalar_one()
        assert list(vault.store.staging.iterdir()) == []
    assert _event_count(case_setup) == 4000 and keys == 4000


def _numbered_csv(path: Path, rows: int) -> Path:
    lines = ["Date,Number,Type,Duration,Notes"]
    for index in range(rows):
        day, minute = 1 + index // 1440, index % 1440
        lines.append(
            f"{day:02d}/03/2026 {minute // 60:02d}:{minute % 60:02d},+44 7700 900123,Incoming,{index},"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_spreadsheet_with_semicolons_and_crlf(case_setup: VaultSetup, cli: Any) -> None:
    report = _import(
        cli, DATA / "own_diary.csv", "--source", "csv", "--mapping", str(DATA / "own_diary.yaml")
    )
    assert report["new"] == 2
    assert [warning["code"] for warning in report["warnings"]] == ["zone_assumed"]
    texts = [event["text"] for event in cli("events", "--json").json()]
    assert texts == ["Parked outside my work again", "Sent flowers to my mum\u2019s house"]
    assert report["accounts"][0]["identifier"] == "Alex Example"


def test_a_bad_row_is_reported_with_its_line_and_kept_in_the_vault(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_bytes(CALLS.read_bytes() + b"yesterday,+44 7700 900123,Incoming,1,\n")
    report = _calls(cli, odd)
    assert report["new"] == 4
    (warning,) = report["warnings"]
    assert (warning["code"], warning["line"]) == ("unparsed_line", 7)
    assert warning["raw"].startswith("yesterday,")
    shown = cli("imports", "show", report["import_id"], "--json").json()
    assert shown["warnings"] == report["warnings"] and shown["status"] == "complete"
    with case_setup.open() as vault, vault.read() as connection:
        assert connection.execute(select(func.count()).select_from(import_warnings)).scalar_one() == 1


def test_accounts_found_by_an_import_can_be_given_to_a_person(case_setup: VaultSetup, cli: Any) -> None:
    _calls(cli)
    person = cli("party", "add", "Sam", "--role", "suspect", "--json").json()
    linked = cli("party", "link", person["id"][:6], "--account", "phone:+44 7700 900123", "--json")
    assert linked.code == 0, linked.err
    accounts = {item["identifier"]: item for item in cli("party", "accounts", "--json").json()}
    assert accounts["+447700900123"]["party"] == "Sam" and accounts["+447700900123"]["events"] == 3
    assert cli("events", "--party", person["id"], "--json").json()[0]["sender"] == "phone:+447700900123"


def _vault_bytes(setup: VaultSetup) -> dict[str, bytes]:
    return {
        str(path.relative_to(setup.path)): path.read_bytes()
        for path in sorted(setup.path.rglob("*"))
        if path.is_file() and not path.name.endswith(("-wal", "-shm", ".lock"))
    }


def _zip_bomb(path: Path) -> Path:
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("calls.csv", "w", force_zip64=True) as member,
    ):
        for _ in range(80):
            member.write(bytes(1024 * 1024))
    return path


def _nested_three_deep(path: Path) -> Path:
    inner = path.with_name("inner.zip")
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("calls.csv", CALLS.read_bytes())
    for depth in range(2):
        outer = path.with_name(f"outer{depth}.zip")
        with zipfile.ZipFile(outer, "w") as archive:
            archive.write(inner, "inner.zip")
        inner = outer
    return inner


def _sparse_garbage(path: Path) -> Path:
    with path.open("wb") as out:
        out.write(random.Random(1).randbytes(1024 * 1024))
        out.truncate(2 * 1024**3)
    return path


BAD_INPUTS = {
    "zip bomb": (_zip_bomb, "zip bomb"),
    "zips three deep": (_nested_three_deep, "more than two deep"),
    "2 GB of garbage": (_sparse_garbage, "does not recognise"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_inputs_are_refused_in_one_sentence_and_change_nothing(
    case_setup: VaultSetup, cli: Any, tmp_path: Path, name: str
) -> None:
    make, expected = BAD_INPUTS[name]
    path = make(tmp_path / "input.bin")
    before = _vault_bytes(case_setup)
    result = cli("import", str(path))
    assert result.code == 1
    assert expected in result.err and result.err.count("\n") == 1
    assert _vault_bytes(case_setup) == before


@pytest.mark.parametrize(
    ("name", "mapping", "expected"),
    [
        (
            "missing_column.csv",
            CALLS_MAP,
            "line 1: the mapping names column(s) this file does not have: notes, type, duration",
        ),
        ("cp1252.csv", DATA / "sheet.yaml", "line 2: this is not utf-8 text (byte 0xE9"),
    ],
)
def test_bad_csv_files_name_the_file_and_line(
    case_setup: VaultSetup, cli: Any, name: str, mapping: Path, expected: str
) -> None:
    before = _vault_bytes(case_setup)
    result = cli("import", str(DATA / name), "--source", "csv", "--mapping", str(mapping))
    assert result.code == 1 and name in result.err and expected.lower() in result.err.lower(), result.err
    assert _vault_bytes(case_setup) == before


def test_an_over_long_line_stops_the_import_before_anything_is_written(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    long = tmp_path / "long.csv"
    long.write_bytes(CALLS.read_bytes() + b"x" * (2 * 1024 * 1024) + b"\n")
    before = _vault_bytes(case_setup)
    result = cli("import", str(long), "--source", "csv", "--mapping", str(CALLS_MAP))
    assert result.code == 1 and "long.csv, line 7: this line is over 1 MiB long" in result.err
    assert _vault_bytes(case_setup) == before


def test_a_cp1252_file_reads_with_its_encoding(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "channel: sheet\nplatform: person\ntime: {column: When, format: iso}\nsender: {column: Who}\n"
        "text: {column: What}\n",
        encoding="utf-8",
    )
    report = _import(
        cli, DATA / "cp1252.csv", "--source", "csv", "--mapping", str(mapping), "--encoding", "cp1252"
    )
    assert report["new"] == 1
    assert cli("events", "--json").json()[0]["text"] == "caf\u00e9"


def test_a_csv_without_a_mapping_says_how_to_write_one(case_setup: VaultSetup, cli: Any) -> None:
    result = cli("import", str(CALLS), "--source", "csv")
    assert result.code == 1 and "--mapping" in result.err


def test_unknown_source_names_the_known_ones() -> None:
    from stalkproof.ingest.registry import source_named

    with pytest.raises(InputError, match="csv"):
        source_named("myspace")


def test_an_imessage_database_is_recognised_imported_and_verified(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    from stalkproof.demo.exports.imessage import write_generated

    database = tmp_path / "chat.db"
    write_generated(database, 300)
    before = database.read_bytes()
    report = _import(cli, database)
    assert (report["source"], report["records"], report["new"]) == ("imessage", 300, 300)
    assert _import(cli, database)["new"] == 0
    assert database.read_bytes() == before  # the evidence file is never changed
    timeline = cli("events", "--json").json()
    assert len(timeline) == 300 and {event["source"]["file"] for event in timeline} == {"chat.db"}
    assert cli("verify", "--json").json()["ok"] is True


INGEST = Path(__file__).parents[1] / "data" / "ingest"


def test_a_messenger_folder_keeps_the_photo_as_an_exhibit_and_the_text_as_found(
    case_setup: VaultSetup, cli: Any
) -> None:
    report = _import(cli, INGEST / "meta" / "inbox_mojibake")
    assert report["source"] == "messenger" and report["new"] == report["records"] > 0
    assert report["media_exhibits"] == 1
    timeline = cli("events", "--json").json()
    garbled = [event for event in timeline if event["text_normalised"]]
    assert garbled and all(event["text"] != event["text_normalised"] for event in garbled)
    photo = [event for event in timeline if len(event["exhibits"]) == 2]
    assert len(photo) == 1
    listed = {item["ref"]: item for item in cli("exhibit", "list", "--json").json()}
    assert listed[photo[0]["exhibits"][1]]["original_name"] == "348112233_1.jpg"
    assert _import(cli, INGEST / "meta" / "inbox_mojibake")["new"] == 0
    assert cli("verify", "--json").json()["ok"] is True


def test_a_telegram_export_with_media_imports_and_verifies(case_setup: VaultSetup, cli: Any) -> None:
    report = _import(cli, INGEST / "telegram" / "with_media")
    assert report["source"] == "telegram" and report["new"] == report["records"] > 0
    assert cli("verify", "--json").json()["ok"] is True


def test_an_sms_backup_with_mms_pictures_imports_and_verifies(case_setup: VaultSetup, cli: Any) -> None:
    report = _import(cli, INGEST / "sms_backup" / "mms_parts.xml")
    assert report["source"] == "sms_backup" and report["new"] == report["records"] > 0
    assert report["media_exhibits"] >= 1
    assert _import(cli, INGEST / "sms_backup" / "mms_parts.xml")["new"] == 0
    assert cli("verify", "--json").json()["ok"] is True


def test_a_mailbox_imports_with_a_line_for_every_message(case_setup: VaultSetup, cli: Any) -> None:
    mailbox = INGEST / "email" / "mbox_basic.mbox"
    report = _import(cli, mailbox)
    assert report["source"] == "email" and report["new"] == report["records"] > 1
    timeline = cli("events", "--json").json()
    assert all(event["source"]["line"] for event in timeline)
    assert cli("verify", "--json").json()["ok"] is True


@pytest.mark.parametrize(
    ("folder", "source"),
    [
        ("x/archive", "x"),
        ("discord/package", "discord"),
        ("snapchat/media", "snapchat"),
        ("google_chat/dm", "google_chat"),
    ],
)
def test_social_media_downloads_are_recognised_and_import_once(
    case_setup: VaultSetup, cli: Any, folder: str, source: str
) -> None:
    report = _import(cli, INGEST / folder)
    assert report["source"] == source and report["new"] == report["records"] > 0
    assert _import(cli, INGEST / folder)["new"] == 0
    assert cli("verify", "--json").json()["ok"] is True


def test_a_takeout_with_mail_and_chat_imports_both(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    takeout = tmp_path / "takeout"
    shutil.copytree(INGEST / "google_chat" / "dm", takeout)
    mail = takeout / "Takeout" / "Mail"
    mail.mkdir()
    shutil.copy(INGEST / "email" / "mbox_basic.mbox", mail / "All mail Including Spam and Trash.mbox")
    report = _import(cli, takeout)
    sources = sorted([report["source"], *(other["source"] for other in report["also"])])
    assert sources == ["email", "google_chat"]
    assert all(part["new"] == part["records"] > 0 for part in [report, *report["also"]])
    channels = {event["channel"] for event in cli("events", "--json").json()}
    assert {"email", "google_chat"} <= channels
    again = _import(cli, takeout)
    assert again["new"] == 0 and all(other["new"] == 0 for other in again["also"])
    assert cli("verify", "--json").json()["ok"] is True


def test_screenshots_become_ocr_marked_events_with_the_image_as_exhibit(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    from stalkproof.demo.exports.screenshot import sample_conversation, write_screens

    folder = tmp_path / "screens"
    images = write_screens(folder, sample_conversation())
    report = _import(cli, folder, "--source", "screenshot", "--sender-left", "Sam")
    assert report["source"] == "screenshot" and report["new"] > 0
    exhibits = cli("exhibit", "list", "--json").json()
    assert sorted(item["original_name"] for item in exhibits) == [image.name for image in images]
    timeline = cli("events", "--json").json()
    assert all("ocr" in event["markers"] for event in timeline)
    assert {event["sender"] for event in timeline} <= {"screenshot:Sam", "screenshot:self", None}
    assert cli("verify", "--json").json()["ok"] is True


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("telegram/truncated.json", "truncated.json, line 39: the file ends in the middle of message 3"),
        ("sms_backup/truncated.xml", "truncated.xml, line 4: the file ends in the middle of a <mms> record"),
    ],
)
def test_truncated_exports_are_refused_naming_the_line_and_change_nothing(
    case_setup: VaultSetup, cli: Any, fixture: str, expected: str
) -> None:
    before = _vault_bytes(case_setup)
    result = cli("import", str(INGEST / fixture))
    assert result.code == 1 and expected in result.err and result.err.count("\n") == 1
    assert _vault_bytes(case_setup) == before


@pytest.mark.parametrize(
    ("fixture", "extra", "expected"),
    [
        ("whatsapp/invalid_utf8.txt", [], "invalid_utf8.txt, line 3: this is not UTF-8 text (byte 0xE9"),
        (
            "whatsapp/both_orders.txt",
            [],
            "both_orders.txt, line 3: the dates in this chat are written in two",
        ),
        ("whatsapp/unknown_header.txt", ["--source", "whatsapp"], "unknown_header.txt, line "),
    ],
)
def test_bad_whatsapp_exports_are_refused_naming_the_line_and_change_nothing(
    case_setup: VaultSetup, cli: Any, fixture: str, extra: list[str], expected: str
) -> None:
    before = _vault_bytes(case_setup)
    result = cli("import", str(INGEST / fixture), *extra)
    assert result.code == 1 and expected in result.err and result.err.count("\n") == 1, result.err
    assert _vault_bytes(case_setup) == before


def test_an_ios_whatsapp_zip_keeps_its_photos_as_exhibits_linked_to_their_messages(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    chat = tmp_path / "WhatsApp Chat - Sam Taylor.zip"
    with zipfile.ZipFile(chat, "w") as archive:
        for path in sorted((INGEST / "whatsapp" / "ios_media").iterdir()):
            archive.write(path, path.name)
    report = _import(cli, chat, "--zone", "Europe/London")
    assert report["source"] == "whatsapp" and report["media_exhibits"] == 2
    with_photo = [event for event in cli("events", "--json").json() if len(event["exhibits"]) == 2]
    assert len(with_photo) == 2 and all(event["exhibits"][0] == report["exhibit"] for event in with_photo)
    exhibits = {item["ref"]: item for item in cli("exhibit", "list", "--json").json()}
    assert {exhibits[event["exhibits"][1]]["original_name"] for event in with_photo} == {
        "00000003-PHOTO-2023-01-22-18-30-40.jpg",
        "00000004-PHOTO-2023-01-22-18-31-00.jpg",
    }
    assert cli("verify", "--json").json()["ok"] is True


@pytest.mark.parametrize(("answer", "month"), [(True, "04"), (False, "03")])
def test_a_guessed_day_month_order_is_confirmed_before_anything_is_written(
    case_setup: VaultSetup, answer: bool, month: str
) -> None:
    asked: list[str] = []

    def confirm(question: str) -> bool:
        asked.append(question)
        return answer

    request = ImportRequest(path=INGEST / "whatsapp" / "dates_all_le12_assumed.txt", zone="UTC")
    with case_setup.open() as vault:
        report = run_import(vault, current_case(vault).id, request, confirm=confirm)
        with vault.read() as connection:
            first = connection.execute(select(func.min(events.c.occurred_local))).scalar_one()
    assert asked == ["Is 03/04/2023 the 3rd of April?"]
    assert report.new > 0 and str(first).startswith(f"2023-{month}-")


def test_a_zipped_chat_db_is_read_from_a_private_copy_with_its_wal(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    from stalkproof.demo.exports.imessage import generated_chats, generated_messages, write_chat_db

    database = tmp_path / "chat.db"
    messages = list(generated_messages(50))
    write_chat_db(database, generated_chats(), messages[:40], wal_messages=messages[40:])
    zipped = tmp_path / "Messages.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(database, "Messages/chat.db")
        archive.write(tmp_path / "chat.db-wal", "Messages/chat.db-wal")
    report = _import(cli, zipped)
    assert (report["source"], report["records"], report["new"]) == ("imessage", 50, 50)
    assert not [w for w in report["warnings"] if w["code"] == "recent_messages_in_wal"]
    assert list((case_setup.path / "staging").iterdir()) == []  # the copy is gone
    assert cli("verify", "--json").json()["ok"] is True
