"""The check pages in Chromium: a photo's place and its cleaned copy, the phone report's safety note
before the findings, the network, accounts and computer checks, a bad upload, and no JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from digital.accounts_fixtures import generic_csv, intrusion_story
from digital.media_fakes import KESWICK, private_geocoder
from digital.media_fixtures import jpeg_with_everything
from digital.network_fixtures import C2_NAME, scenario_frames, write_pcap
from digital.phone_fixtures import THETRUTH, write_pm_list
from stalkproof.digital.media.scan import scan_paths
from web.conftest import Watched, WebApp, check_page, enter


@pytest.fixture(autouse=True)
def _places_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    private_geocoder(monkeypatch, tmp_path_factory.getbasetemp() / "geonames-cache")


def result_text(page: Any) -> str:
    return str(page.locator("#check-result").inner_text())


def test_a_photo_place_is_shown_and_the_cleaned_copy_keeps_none(watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    enter(watched)
    page.goto(watched.app.url("/"))
    page.get_by_role("link", name="Photo and video location check").click()
    check_page(watched, "checks-media")
    photo = jpeg_with_everything(tmp_path / "holiday.jpg", *KESWICK)
    page.get_by_label("Photos, videos or documents").set_input_files(str(photo))
    page.get_by_role("button", name="Check the files").click()
    page.get_by_role("heading", name="What the file gives away").wait_for()
    assert "Keswick" in result_text(page)
    check_page(watched, "checks-media-result")
    page.get_by_role("button", name="Make a cleaned copy").click()
    link = page.get_by_role("link", name="Download the cleaned copy of holiday.jpg")
    with page.expect_download() as waiting:
        link.click()
    copy = tmp_path / "downloaded.jpg"
    waiting.value.save_as(str(copy))
    (rescanned,) = scan_paths([copy])
    assert not rescanned.reveals_location and not rescanned.reveals_identity
    check_page(watched, "checks-media-cleaned")


def test_a_text_file_is_refused_with_a_plain_message(watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    enter(watched)
    page.goto(watched.app.url("/checks/media"))
    notes = tmp_path / "notes.txt"
    notes.write_text("just words\n")
    page.get_by_label("Photos, videos or documents").set_input_files(str(notes))
    page.get_by_role("button", name="Check the files").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "does not know this kind of file" in alert.inner_text()
    assert page.get_by_role("button", name="Make a cleaned copy").count() == 0
    check_page(watched, "checks-media-error")


def test_the_phone_safety_note_comes_before_the_findings(watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    enter(watched)
    page.goto(watched.app.url("/checks/phone"))
    check_page(watched, "checks-phone")
    page.get_by_label("The copy of the phone").set_input_files(str(write_pm_list(tmp_path / "packages.txt")))
    page.get_by_role("button", name="Check the phone copy").click()
    page.locator("#findings").wait_for()
    # DOM order, not only text order: the note precedes the findings in the document itself.
    order = page.evaluate(
        "() => { const v = document.getElementById('verdict'), s = document.getElementById('safety-note'),"
        " f = document.getElementById('findings');"
        " return [v.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING,"
        "         s.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING]; }"
    )
    assert all(order)
    assert THETRUTH in page.locator("#findings").inner_text()
    check_page(watched, "checks-phone-result")


def test_the_network_check_names_the_spyware_server(watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    enter(watched)
    page.goto(watched.app.url("/checks/network"))
    check_page(watched, "checks-network")
    capture = write_pcap(tmp_path / "capture.pcap", scenario_frames())
    page.get_by_label("The network recording").set_input_files(str(capture))
    page.get_by_role("button", name="Check the recording").click()
    page.locator("#findings").wait_for()
    assert C2_NAME in page.locator("#findings").inner_text()
    check_page(watched, "checks-network-result")


def test_the_accounts_check_points_out_a_country_never_seen(watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    enter(watched)
    page.goto(watched.app.url("/checks/accounts"))
    check_page(watched, "checks-accounts")
    page.get_by_label("The sign-in history download").set_input_files(
        str(generic_csv(tmp_path, intrusion_story()))
    )
    page.get_by_label("Where you usually are").fill("Leeds, United Kingdom")
    page.get_by_role("button", name="Check the sign-ins").click()
    page.locator("#findings").wait_for()
    assert "Nigeria" in page.locator("#findings").inner_text()
    check_page(watched, "checks-accounts-result")


def test_the_computer_check_runs_from_the_keyboard(unlocked: Watched) -> None:
    page = unlocked.page
    page.goto(unlocked.app.url("/checks/computer"))
    check_page(unlocked, "checks-computer")
    page.get_by_label("Keep the report in my case, each finding on the timeline").focus()
    page.keyboard.press("Space")
    for _ in range(5):  # on to the button, past "also keep the file" when it is there
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Check this computer":
            break
    page.keyboard.press("Enter")
    page.locator("#verdict").wait_for()
    assert "Kept in your case" in result_text(page)
    check_page(unlocked, "checks-computer-result")


def test_the_photo_check_works_without_javascript(browser: Any, web_app: WebApp, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(web_app.entry_url)
        page.goto(web_app.url("/checks/media"))
        photo = jpeg_with_everything(tmp_path / "garden.jpg", *KESWICK)
        page.get_by_label("Photos, videos or documents").set_input_files(str(photo))
        page.get_by_role("button", name="Check the files").click()
        assert "Keswick" in result_text(page)
        page.get_by_role("button", name="Make a cleaned copy").click()
        link = page.get_by_role("link", name="Download the cleaned copy of garden.jpg")
        with page.expect_download() as waiting:
            link.click()
        copy = tmp_path / "copy.jpg"
        waiting.value.save_as(str(copy))
        assert not next(iter(scan_paths([copy]))).reveals_location
    finally:
        context.close()
