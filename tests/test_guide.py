"""The knowledge base: every page fits the schema and has the sections people rely on; search; the command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stalkproof.errors import InputError
from stalkproof.guide.pages import PAGES_DIR, REQUIRED_SECTIONS, headings, load_page, load_pages
from stalkproof.guide.search import search

PAGE_FILES = sorted(PAGES_DIR.glob("*.md"))
KNOWN_PAGE = PAGES_DIR / "what-is-stalking.md"


def test_every_page_validates() -> None:
    load_pages.cache_clear()
    pages = load_pages()
    assert len(pages) == len(PAGE_FILES) >= 22
    assert [page.id for page in pages] == [path.stem for path in PAGE_FILES]


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.stem)
def test_every_page_has_the_three_sections(path: Path) -> None:
    page = load_page(path)
    titles = [title for _, title in headings(page.body)]
    assert titles[0] == "## In short"
    for section in REQUIRED_SECTIONS:
        assert section in titles
    assert page.sources and page.reviewed


def _write_page(tmp_path: Path, change: tuple[str, str] | None = None, drop: str | None = None) -> Path:
    text = KNOWN_PAGE.read_text(encoding="utf-8")
    if change:
        assert change[0] in text
        text = text.replace(change[0], change[1], 1)
    if drop:
        lines = text.splitlines(keepends=True)
        start = next(n for n, line in enumerate(lines) if line.startswith(f"{drop}:"))
        end = start + 1
        while end < len(lines) and lines[end].startswith("  "):
            end += 1  # the field's nested lines, e.g. each source
        text = "".join(lines[:start] + lines[end:])
    path = tmp_path / KNOWN_PAGE.name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("field", ["reviewed", "sources"])
def test_a_page_missing_reviewed_or_sources_fails(tmp_path: Path, field: str) -> None:
    path = _write_page(tmp_path, drop=field)
    with pytest.raises(InputError) as caught:
        load_page(path)
    assert str(path) in caught.value.message
    assert f"'{field}' is missing" in caught.value.message


def test_a_bad_value_is_reported_at_its_line(tmp_path: Path) -> None:
    path = _write_page(tmp_path, change=("alerts_stalker: no", "alerts_stalker: perhaps"))
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("alerts_stalker")
    )
    with pytest.raises(InputError) as caught:
        load_page(path)
    assert caught.value.line == line
    assert "alerts_stalker" in caught.value.message


def test_an_unknown_jurisdiction_fails(tmp_path: Path) -> None:
    path = _write_page(tmp_path, change=("jurisdictions: [all]", "jurisdictions: [gb-eng]"))
    with pytest.raises(InputError, match="'gb-eng' is not a jurisdiction"):
        load_page(path)


def test_a_page_missing_a_section_fails(tmp_path: Path) -> None:
    path = _write_page(tmp_path, change=("## Could this alert the person stalking you?", "## Is it safe?"))
    with pytest.raises(InputError, match="Could this alert the person stalking you"):
        load_page(path)


def test_a_page_whose_id_is_not_its_file_name_fails(tmp_path: Path) -> None:
    path = _write_page(tmp_path, change=("id: what-is-stalking", "id: what-stalking-is"))
    with pytest.raises(InputError, match="must match the file name"):
        load_page(path)


def test_search_finds_a_known_word_whatever_its_case() -> None:
    found = search("AirTag")
    assert found and found[0][0].id == "location-sharing-and-trackers"
    assert "airtag" in found[0][1].lower()
    assert [page.id for page, _ in search("airtag")] == [page.id for page, _ in found]


def test_search_needs_every_word_and_ranks_titles_first() -> None:
    assert search("spyware")[0][0].title.lower().count("spyware") == 1
    assert search("airtag zzzznotaword") == []
    with pytest.raises(InputError):
        search("   ")


def test_guide_lists_pages_grouped_by_topic(cli: Any) -> None:
    result = cli("guide", "--json")
    assert result.code == 0
    listed = result.json()
    assert len(listed) == len(PAGE_FILES)
    assert {"id", "title", "summary", "topic", "sources", "reviewed"} <= set(listed[0])
    shown = cli("guide")
    assert shown.code == 0 and "what-is-stalking" in shown.out


def test_guide_topic_renders(cli: Any) -> None:
    result = cli("guide", "what-is-stalking")
    assert result.code == 0, result.err
    assert "What stalking is" in result.out
    assert "In short" in result.out and "## In short" not in result.out, "Markdown is rendered"
    assert "Reviewed 2026-11-24" in result.out
    data = cli("guide", "what-is-stalking", "--json").json()
    assert data["id"] == "what-is-stalking" and data["body"].startswith("## In short")


def test_guide_by_topic_tag_lists_those_pages(cli: Any) -> None:
    ids = {page["id"] for page in cli("guide", "digital", "--json").json()}
    assert "phone-spyware-android" in ids and "what-is-stalking" not in ids


def test_guide_search_command(cli: Any) -> None:
    result = cli("guide", "--search", "tracker", "--json")
    assert result.code == 0
    assert {"id", "title", "snippet"} <= set(result.json()[0])
    assert cli("guide", "--search", "zzzznotaword").code == 0


def test_unknown_topic_exits_1_with_one_sentence(cli: Any) -> None:
    result = cli("guide", "what-is-stalkin")
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert "what-is-stalking" in result.err, "suggests the close id"
