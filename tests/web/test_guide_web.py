"""The guide in process: the list, search, each page rendered with its HTML escaped."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stalkproof.guide.html import body_html
from web.test_help import client

__all__ = ["client"]


def test_guide_list_groups_and_searches(client: TestClient) -> None:
    page = client.get("/guide").text
    assert "Spyware on an Android phone" in page
    assert 'href="/guide/phone-spyware-android"' in page
    found = client.get("/guide?q=stalkerware").text
    assert "Pages that mention" in found
    assert "No page mentions" in client.get("/guide?q=zzzzqqq").text


def test_guide_page_rendered_with_sources(client: TestClient) -> None:
    page = client.get("/guide/phone-spyware-android").text
    assert "<h2>In short</h2>" in page
    assert "<li>" in page
    assert "could alert the person stalking you" in page
    assert "https://stopstalkerware.org" in page
    assert "Reviewed 2026-11-24" in page


def test_unknown_page_is_a_plain_404(client: TestClient) -> None:
    response = client.get("/guide/no-such-page")
    assert response.status_code == 404
    assert "no guide page" in response.text


def test_markdown_cannot_carry_html_scripts_or_remote_images() -> None:
    html = body_html("<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![a](https://x.example/i.png)")
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "<img" not in html
