"""The door, in process: the one-time link, the cookie, CSRF, cross-site posts, Host names, headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from stalkproof.web.app import create_app
from stalkproof.web.config import WebConfig
from stalkproof.web.session import COOKIE_NAME, LocalSession


@pytest.fixture
def client(new_vault_path: Path, session: LocalSession) -> Iterator[TestClient]:
    app = create_app(WebConfig(vault=new_vault_path), session, extra_hosts={"testserver"})
    with TestClient(app) as test_client:
        yield test_client
    session.close_vault()


def entered(client: TestClient, session: LocalSession) -> TestClient:
    assert session.entry_secret is not None
    response = client.get(f"/enter?key={session.entry_secret}", follow_redirects=False)
    assert response.status_code == 303
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    return client


def test_no_page_without_the_link(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 403
    assert "link stalkproof printed" in response.text


def test_the_link_works_once(client: TestClient, session: LocalSession) -> None:
    secret = session.entry_secret
    entered(client, session)
    again = TestClient(client.app).get(f"/enter?key={secret}", follow_redirects=False)
    assert again.status_code == 403
    assert "already been used" in again.text


def test_a_wrong_secret_opens_nothing(client: TestClient, session: LocalSession) -> None:
    assert client.get("/enter?key=guess", follow_redirects=False).status_code == 403
    assert session.entry_secret is not None  # a guess does not use up the real link


def test_forms_need_the_csrf_token(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    refused = client.post("/unlock", data={"passphrase": PASSPHRASE})
    assert refused.status_code == 403
    assert not session.unlocked
    accepted = client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
    assert accepted.status_code == 200
    assert session.unlocked


def test_htmx_sends_the_token_in_a_header(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    response = client.post(
        "/unlock", data={"passphrase": PASSPHRASE}, headers={"X-CSRF-Token": session.csrf_token}
    )
    assert response.status_code == 200
    assert session.unlocked


def test_a_post_from_another_site_is_refused(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    form = {"passphrase": PASSPHRASE, "csrf_token": session.csrf_token}
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
    ):
        response = client.post("/unlock", data=form, headers=headers)
        assert response.status_code == 403, headers
    assert not session.unlocked


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000", "192.168.1.10"])
def test_other_host_names_are_refused(client: TestClient, session: LocalSession, host: str) -> None:
    # DNS rebinding: a hostile name pointed at 127.0.0.1 must not reach the app.
    entered(client, session)
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 421


def test_pages_carry_a_strict_policy_and_are_not_cached(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["referrer-policy"] == "same-origin"


def test_quick_exit_locks_and_leaves(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
    assert session.unlocked
    response = client.get("/quick-exit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == WebConfig(vault=Path(".")).exit_url
    assert not session.unlocked


def test_quick_exit_without_the_cookie_locks_nothing(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
    stranger = TestClient(client.app)
    assert stranger.get("/quick-exit", follow_redirects=False).status_code == 303
    assert session.unlocked


def test_the_vault_locks_after_a_quiet_spell(new_vault_path: Path) -> None:
    now = [0.0]
    session = LocalSession(idle_seconds=60, clock=lambda: now[0])
    client = TestClient(create_app(WebConfig(vault=new_vault_path), session, extra_hosts={"testserver"}))
    entered(client, session)
    client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
    now[0] = 59.0
    assert session.unlocked
    now[0] = 59.0 + 61.0
    assert session.lock_if_idle()
    assert client.get("/cases", follow_redirects=False).headers["location"] == "/unlock"


def test_a_page_needing_the_vault_sends_people_to_unlock(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    response = client.get("/cases", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/unlock"


def test_a_wrong_passphrase_says_so_plainly(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    response = client.post("/unlock", data={"passphrase": "not it", "csrf_token": session.csrf_token})
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert not session.unlocked


def test_an_unknown_page_is_a_plain_404(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address." in response.text


def test_the_cookie_is_for_this_run_only(
    client: TestClient, session: LocalSession, new_vault_path: Path
) -> None:
    entered(client, session)
    other_run = LocalSession(idle_seconds=600)
    other = TestClient(create_app(WebConfig(vault=new_vault_path), other_run, extra_hosts={"testserver"}))
    other.cookies.set(COOKIE_NAME, session.cookie_value)
    assert other.get("/").status_code == 403


def test_text_from_the_evidence_is_escaped(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
    client.post("/cases", data={"name": "<script>alert(1)</script>", "csrf_token": session.csrf_token})
    page = client.get("/cases").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_htmx_gets_only_the_message_of_an_error(client: TestClient, session: LocalSession) -> None:
    entered(client, session)
    plain = client.get("/downloads/unknown")
    assert plain.status_code == 404
    assert "<html" in plain.text
    fragment = client.get("/downloads/unknown", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.text
    assert 'role="alert"' in fragment.text
    assert "no longer available" in fragment.text
