"""Indicator lists: Echap's types kept apart, narrow matching, STIX2 reading, and the update command."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stalkproof.digital.indicators.echap import load_echap
from stalkproof.digital.indicators.model import Indicator, IndicatorSet
from stalkproof.digital.indicators.stix2 import load_stix2
from stalkproof.digital.indicators.store import SHIPPED_ECHAP, echap_folder, load_indicators
from stalkproof.digital.indicators.update import current_lists, update_echap
from stalkproof.errors import InputError

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "device-samples" / "indicators"
SNAPSHOT = Path(__file__).resolve().parents[3] / "shared" / "data" / "stalkerware-indicators"


def test_shipped_echap_keeps_websites_and_c2_apart() -> None:
    echap = load_echap(SHIPPED_ECHAP)
    assert [match.name for match in echap.app("com.thetruth")] == ["TheTruthSpy"]
    categories = {match.category for match in echap.domain("copy9.com")}
    assert "website" in categories
    wisemo = echap.domain("mycloud.wisemo.com")
    # The server itself is C2; its parent domain is also the vendor's website. Most specific comes first.
    assert wisemo[0].category == "c2" and wisemo[-1].category == "website"
    assert echap.count("app_cert_sha1") >= 480
    assert echap.count("ios_bundle") >= 1


def test_shipped_echap_is_the_recorded_snapshot() -> None:
    if not SNAPSHOT.exists():
        pytest.skip("the shared Echap snapshot is not on this machine")
    for name in ("ioc.yaml", "watchware.yaml", "samples.csv"):
        assert (SHIPPED_ECHAP / name).read_bytes() == (SNAPSHOT / name).read_bytes()


def test_domains_match_only_at_a_dot_boundary() -> None:
    listed = IndicatorSet([Indicator("copy9.com", "domain", "TheTruthSpy", "c2", "test")])
    assert listed.domain("copy9.com")
    assert listed.domain("api.copy9.com.")
    assert listed.domain("API.Copy9.com")
    assert not listed.domain("notcopy9.com")
    assert not listed.domain("copy9.com.example.org")
    assert not listed.domain("com")


def test_certificates_and_hashes_ignore_case_and_colons() -> None:
    fingerprint = "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"
    listed = IndicatorSet([Indicator(fingerprint, "app_cert_sha1", "TheTruthSpy", "stalkerware", "test")])
    with_colons = ":".join(fingerprint[i : i + 2] for i in range(0, 40, 2)).lower()
    assert listed.certificate(with_colons)
    assert not listed.certificate(fingerprint[:-1] + "D")
    assert not listed.certificate("not a fingerprint")


def test_app_ids_match_exactly() -> None:
    listed = IndicatorSet([Indicator("com.thetruth", "app_id", "TheTruthSpy", "stalkerware", "test")])
    assert listed.app("com.thetruth")
    assert not listed.app("com.thetruthful.notes")
    assert not listed.app("com.the")


def test_urls_match_by_themselves_or_their_host() -> None:
    listed = IndicatorSet(
        [
            Indicator("https://example.org/track", "url", "Test", "network", "test"),
            Indicator("spy.example.com", "domain", "Test", "c2", "test"),
            Indicator("192.0.2.7", "ip", "Test", "c2", "test"),
        ]
    )
    assert listed.url("https://example.org/track")
    assert listed.url("https://a.spy.example.com/x")
    assert listed.url("http://192.0.2.7:8080/")
    assert not listed.url("https://example.org/other")


def test_stix2_files_name_the_malware_and_mark_network_indicators() -> None:
    if not SAMPLES.exists():
        pytest.skip("the shared device samples are not on this machine")
    decoys = load_stix2(SAMPLES / "mvt-decoys.stix2")
    assert decoys.unread_patterns == 0
    assert decoys.indicators.app("com.malware.blah")
    test = load_stix2(SAMPLES / "mvt-test.stix2").indicators
    assert test.count("process") == 1 and test.count("android_property") == 1
    merged = load_stix2(SAMPLES / "echap-all.stix2").indicators
    # Echap's generated STIX2 cannot tell a vendor's website from a C2 server: both are `network`.
    assert {match.category for match in merged.domain("copy9.com")} == {"network"}
    assert merged.app("com.thetruth")[0].name == "TheTruthSpy"


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"type": "bundle"}'],
)
def test_a_broken_stix2_file_is_one_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.stix2"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"bad\.stix2"):
        load_stix2(path)


def test_load_indicators_merges_stix2_with_echap() -> None:
    if not SAMPLES.exists():
        pytest.skip("the shared device samples are not on this machine")
    loaded = load_indicators([SAMPLES / "mvt-decoys.stix2"])
    assert loaded.indicators.app("com.thetruth") and loaded.indicators.app("com.malware.blah")
    assert "mvt-decoys.stix2" in loaded.sources and "echap/ioc.yaml" in loaded.sources


@pytest.fixture
def echap_server(tmp_path: Path) -> Iterator[str]:
    """A loopback web server holding a copy of the Echap lists, as the update command would find online."""
    served = tmp_path / "served"
    served.mkdir()
    for name in ("ioc.yaml", "watchware.yaml", "samples.csv"):
        (served / name).write_bytes((SHIPPED_ECHAP / name).read_bytes())
    (served / "broken").mkdir()
    (served / "broken" / "ioc.yaml").write_text("just a sentence, not a list\n")
    for name in ("watchware.yaml", "samples.csv"):
        (served / "broken" / name).write_bytes((SHIPPED_ECHAP / name).read_bytes())

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(served), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def test_update_fetches_checks_and_then_replaces(
    echap_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STALKPROOF_INDICATORS", str(tmp_path / "lists"))
    assert echap_folder() == SHIPPED_ECHAP
    result = update_echap(echap_server)
    assert result.sources[0]["counts"]["app_id"] == load_echap(SHIPPED_ECHAP).count("app_id")
    assert echap_folder() == tmp_path / "lists" / "echap"
    assert current_lists()["sources"][0]["shipped"] is False
    # A broken download never replaces the working copy.
    before = (tmp_path / "lists" / "echap" / "ioc.yaml").read_bytes()
    with pytest.raises(InputError, match="not an Echap indicator list"):
        update_echap(echap_server + "broken/")
    assert (tmp_path / "lists" / "echap" / "ioc.yaml").read_bytes() == before
    assert sorted(path.name for path in (tmp_path / "lists").iterdir()) == ["echap"]


def test_update_says_plainly_when_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STALKPROOF_INDICATORS", str(tmp_path / "lists"))
    with pytest.raises(InputError, match="Nothing was changed"):
        update_echap("http://127.0.0.1:9/")
    assert echap_folder() == SHIPPED_ECHAP


def test_update_refuses_plain_http_elsewhere(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="HTTPS"):
        update_echap("http://example.org/", target=tmp_path)
