"""The evidence pack in a real browser: build it, download the zip and the PDF, check them with standard
tools, and check zipped packs (good, altered, tricky) on /pack/verify. Two packs are built in all (one with
JavaScript and the law view, one without JavaScript for a date range), as each takes a few seconds."""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from web.conftest import Watched, WebApp, check_page, start_app, stop_app, unlock, watched_page
from web.test_pack_web import EXHIBIT, IN_RANGE, OUT_OF_RANGE, fill_case, zip_of

BUILD_TIMEOUT_MS = 180_000  # WeasyPrint on a busy two-core machine
LAW_MARKER = "cannot say whether an offence was committed"


@pytest.fixture
def pack_app(new_vault_path: Path, tmp_path: Path) -> Iterator[WebApp]:
    fill_case(new_vault_path, tmp_path)
    app = start_app(new_vault_path)
    yield app
    stop_app(app)


@pytest.fixture
def seen(browser: Any, pack_app: WebApp) -> Iterator[Watched]:
    yield from watched_page(browser, pack_app)


def _download(page: Any, link_name: str, target: Path) -> Path:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    started.value.save_as(target)
    return target


def _unzipped(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as opened:
        assert all(not name.startswith("/") and ".." not in name.split("/") for name in opened.namelist())
        opened.extractall(into)
    (root,) = into.iterdir()
    return root


def _pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def _events(root: Path) -> list[str]:
    chronology = json.loads((root / "chronology.json").read_text(encoding="utf-8"))
    return [str(event["text"]) for event in chronology["events"]]


def _altered(archive: Path, target: Path) -> Path:
    """The same zip with one byte of the exhibit changed."""
    with zipfile.ZipFile(archive) as opened:
        members = {name: opened.read(name) for name in opened.namelist()}
    name = next(name for name in members if "/exhibits/" in name)
    members[name] = bytes([members[name][0] ^ 0x01]) + members[name][1:]
    target.write_bytes(zip_of(members))
    return target


def _check_zip(page: Any, archive: Path) -> str:
    page.get_by_label("zip file").set_input_files(str(archive))
    page.get_by_role("button", name="Check the pack").click()
    # HTMX puts either the result (its heading) or the form with a refusal (an alert) in place.
    page.locator("#pack-page h1:has-text('Check of'), #pack-page [role='alert']").first.wait_for()
    return str(page.locator("main").inner_text())


def test_build_download_and_check_a_pack(seen: Watched, tmp_path: Path) -> None:
    page = seen.page
    unlock(seen)
    page.get_by_role("link", name="Evidence pack").click()
    page.wait_for_url(seen.app.url("/pack"))
    check_page(seen, "pack")
    page.get_by_label("From (the first day to include)").fill("2026-02-01")
    page.get_by_label("Up to (the last day to include)").fill("2025-12-01")
    page.get_by_role("button", name="Build the pack").click()
    expect(page.get_by_role("alert")).to_contain_text("The last date is before the first date")
    check_page(seen, "pack-problem")
    page.get_by_label("From (the first day to include)").fill("")
    page.get_by_label("Up to (the last day to include)").fill("")
    page.get_by_label("The law view").select_option("gb-eng-wls")
    page.get_by_role("button", name="Build the pack").click()
    expect(page.get_by_text("Building your pack")).to_be_visible()
    heading = page.get_by_role("heading", name="Your evidence pack is ready")
    heading.wait_for(timeout=BUILD_TIMEOUT_MS)
    main = page.locator("main").inner_text()
    assert "1 exhibit" in main and "2 events" in main
    assert "The pack checks out" in main
    check_page(seen, "pack-result")

    archive = _download(page, "Download the whole pack", tmp_path / "pack.zip")
    root = _unzipped(archive, tmp_path / "unzipped")
    sums = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"], check=False, cwd=root, capture_output=True, text=True
    )
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert EXHIBIT in [path.read_bytes() for path in (root / "exhibits").iterdir()]
    assert set(_events(root)) == {IN_RANGE, OUT_OF_RANGE}
    pdf = _download(page, "Download the report only", tmp_path / "report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert LAW_MARKER in _pdf_text(pdf)  # chosen here, so included

    page.get_by_role("link", name="Check a zipped pack").first.click()
    page.wait_for_url(seen.app.url("/pack/verify"))
    check_page(seen, "pack-verify")
    assert "The pack checks out" in _check_zip(page, archive)
    check_page(seen, "pack-verify-ok")

    page.get_by_role("link", name="Check another pack").click()
    found = _check_zip(page, _altered(archive, tmp_path / "altered.zip"))
    assert "problems found" in found or "problem found" in found
    assert "exhibits/EX-001" in found
    check_page(seen, "pack-verify-problem")

    page.get_by_role("link", name="Check another pack").click()
    tricky = tmp_path / "tricky.zip"
    tricky.write_bytes(zip_of({"../../outside.txt": b"fictional"}))
    _check_zip(page, tricky)
    alert = page.get_by_role("alert").inner_text()
    assert "points outside its folder, so it was not opened." in alert
    assert not (tmp_path / "outside.txt").exists()
    check_page(seen, "pack-verify-refused")


def test_a_pack_for_some_dates_builds_without_javascript_by_keyboard(
    browser: Any, pack_app: WebApp, tmp_path: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    try:
        page = context.new_page()
        page.set_default_timeout(BUILD_TIMEOUT_MS)
        page.goto(pack_app.entry_url)
        page.goto(pack_app.url("/unlock"))
        page.get_by_label("Passphrase").fill(pack_app.passphrase)
        page.keyboard.press("Enter")
        page.wait_for_url(pack_app.url("/"))
        page.goto(pack_app.url("/pack"))
        page.get_by_label("From (the first day to include)").fill("2025-12-01")
        page.get_by_label("Up to (the last day to include)").fill("2025-12-31")
        page.get_by_label("Add a CASE/UCO file").focus()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Build the pack")).to_be_focused()
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Your evidence pack is ready").wait_for()
        archive = _download(page, "Download the whole pack", tmp_path / "dates.zip")
        root = _unzipped(archive, tmp_path / "dates")
        assert _events(root) == [IN_RANGE]  # the January entry is outside the dates chosen
        pdf = root / "evidence-pack.pdf"
        assert LAW_MARKER not in _pdf_text(pdf)  # not chosen, so left out
    finally:
        context.close()
