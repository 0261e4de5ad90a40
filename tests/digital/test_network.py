"""`network check`: pcap/pcapng, Zeek dns.log and PCAPdroid CSV; levels by category, dot-boundary
matching, one alert per indicator, damaged input that never crashes, and the STIX2 comparison."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import struct
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalkproof.digital.findings import Alert, CheckReport
from stalkproof.digital.indicators.echap import load_echap
from stalkproof.digital.indicators.model import Category, Indicator, IndicatorSet, IndicatorType
from stalkproof.digital.indicators.stix2 import load_stix2
from stalkproof.digital.indicators.store import SHIPPED_ECHAP
from stalkproof.digital.network import check_network
from stalkproof.digital.network.checks import classify
from stalkproof.digital.network.dns_message import parse_dns
from stalkproof.digital.network.payloads import http_request, server_name
from stalkproof.digital.network.wording import WORDING_FILE, load_network_wording
from stalkproof.errors import InputError

from . import network_fixtures as fx

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "device-samples" / "indicators"

Writer = Callable[[Path, Sequence[fx.Frame]], Path]
WRITERS: dict[str, Writer] = {
    "pcap": lambda path, frames: fx.write_pcap(path.with_suffix(".pcap"), frames),
    "pcapng": lambda path, frames: fx.write_pcapng(path.with_suffix(".pcapng"), frames),
}


@cache
def echap() -> IndicatorSet:
    return load_echap(SHIPPED_ECHAP)


def by_category(report: CheckReport) -> dict[str, Alert]:
    found: dict[str, Alert] = {}
    for alert in report.alerts:
        category = str(alert.event["category"])
        assert category not in found, f"two alerts for {category}: {alert.message}"
        found[category] = alert
    return found


def mentioned(report: CheckReport, text: str) -> bool:
    return any(text in alert.message or text in alert.event.get("seen_as", ()) for alert in report.alerts)


def synthetic(*indicators: tuple[str, IndicatorType, Category]) -> IndicatorSet:
    """Indicators with made-up values for what Echap cannot supply (documentation addresses)."""
    return IndicatorSet(
        [Indicator(value, kind, "ExampleSpy", category, "test.stix2") for value, kind, category in indicators]
    )


# --- packet recordings ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_recording_gives_one_alert_per_indicator_with_its_own_level(tmp_path: Path, kind: str) -> None:
    path = WRITERS[kind](tmp_path / "phone", fx.scenario_frames())
    report = check_network(path, echap())
    alerts = by_category(report)
    assert set(alerts) == {"c2", "website", "distribution"}

    c2 = alerts["c2"]
    assert (c2.level, c2.removal_risk) == ("high", True)
    assert c2.matched_indicator is not None and c2.matched_indicator.value == fx.C2_NAME
    assert c2.matched_indicator.name == "TheTruthSpy"
    # Two lookups and one answer: three packets, one alert.
    assert c2.event["count"] == 3 and c2.event["how"] == {"dns": 3}
    assert c2.event["first_seen"] == "2026-03-02T09:00:00+00:00"
    assert c2.event["last_seen"] == "2026-03-02T09:01:00+00:00"
    assert c2.event["examples"] == ["packet 1", "packet 2", "packet 4"]
    assert "send away what it collects" in c2.message and "Seen 3 times" in c2.message

    website = alerts["website"]
    assert (website.level, website.removal_risk) == ("informational", False)
    assert website.event["how"] == {"sni": 1}
    assert "possibly not you" in website.message and website.message.startswith(fx.WEBSITE)

    distribution = alerts["distribution"]
    assert distribution.level == "medium" and distribution.event["how"] == {"http_host": 1}
    assert distribution.event["value"] == fx.DISTRIBUTION

    assert not mentioned(report, fx.DECOY) and not mentioned(report, "example.net")
    assert report.details["files"][0]["format"] == kind
    assert report.details["files"][0]["records"] == 11
    assert report.details["files"][0]["skipped"] == {}


def test_json_keeps_the_device_check_contract(tmp_path: Path) -> None:
    path = fx.write_pcap(tmp_path / "phone.pcap", fx.scenario_frames())
    data = check_network(path, echap()).to_json()
    assert data["check"] == "network"
    assert [alert["level"] for alert in data["alerts"]] == ["high", "medium", "informational"]
    for alert in data["alerts"]:
        assert {"level", "module", "message", "matched_indicator"} <= set(alert)
        assert {"value", "type", "name", "stix2_file_name"} <= set(alert["matched_indicator"])
    assert data["inputs"] == [
        {
            "path": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "size": path.stat().st_size,
        }
    ]
    assert data["verdict"]["safety"]  # a C2 finding puts the safety note before any removal advice


@pytest.mark.parametrize(
    "link_type", [fx.ETHERNET, fx.RAW_IP, fx.NULL, fx.LOOP, fx.LINUX_SLL, fx.LINUX_SLL2], ids=str
)
def test_every_link_type_reads_the_same(tmp_path: Path, link_type: int) -> None:
    path = fx.write_pcap(tmp_path / "phone.pcap", fx.scenario_frames(link_type), link_type)
    report = check_network(path, echap())
    assert set(by_category(report)) == {"c2", "website", "distribution"}
    assert by_category(report)["c2"].event["count"] == 3
    assert report.details["files"][0]["skipped"] == {}


def test_nanosecond_pcap_keeps_its_times(tmp_path: Path) -> None:
    path = fx.write_pcap(tmp_path / "phone.pcap", fx.scenario_frames(), nano=True)
    assert by_category(check_network(path, echap()))["c2"].event["first_seen"] == "2026-03-02T09:00:00+00:00"


def test_ipv6_lookups_answers_and_addresses(tmp_path: Path) -> None:
    phone, resolver, server = "2001:db8::10", "2001:db8::53", "2001:db8::20"
    frames = [
        (fx.START, fx.link(fx.udp(phone, resolver, 40001, 53, fx.dns_message(fx.C2_NAME)))),
        (fx.START + 1, fx.link(fx.udp(resolver, phone, 53, 40001, fx.dns_message(fx.C2_NAME, True, server)))),
        (fx.START + 2, fx.link(fx.tcp(phone, server, 50001, 443, syn=True))),
    ]
    path = fx.write_pcapng(tmp_path / "v6.pcapng", frames)
    assert by_category(check_network(path, echap()))["c2"].event["count"] == 2
    listed = synthetic((server, "ip", "c2"))
    c2 = by_category(check_network(path, listed))["c2"]
    # The answer gave the address and a connection went to it: two contacts, each said how.
    assert c2.event["how"] == {"dns": 1, "ip": 1} and c2.event["value"] == server


def test_address_indicators_match_the_connection_once(tmp_path: Path) -> None:
    path = fx.write_pcap(tmp_path / "phone.pcap", fx.scenario_frames())
    c2 = by_category(check_network(path, synthetic((fx.C2_ADDRESS, "ip", "c2"))))["c2"]
    assert c2.event["how"] == {"dns": 1, "ip": 1}
    assert c2.event["examples"] == ["packet 2", "packet 3"]


def test_client_hello_split_over_two_segments_is_put_back_together(tmp_path: Path) -> None:
    frames = fx.split_client_hello_frames(fx.WEBSITE)
    first_segment = fx.client_hello(fx.WEBSITE, padding=1500)[:1000]
    assert server_name(first_segment) is None  # the name is only in the second segment
    report = check_network(fx.write_pcap(tmp_path / "split.pcap", frames), echap())
    website = by_category(report)["website"]
    assert website.event["how"] == {"sni": 1} and website.event["examples"] == ["packet 3"]


def test_pcapdroid_trailer_names_the_app(tmp_path: Path) -> None:
    frames = [
        (time, fx.with_pcapdroid_trailer(frame, "com.example.app")) for time, frame in fx.scenario_frames()
    ]
    report = check_network(fx.write_pcap(tmp_path / "trailer.pcap", frames), echap())
    c2 = by_category(report)["c2"]
    assert c2.event["apps"] == ["com.example.app"] and c2.event["count"] == 3
    assert c2.message.startswith(f"com.example.app contacted {fx.C2_NAME}")


def test_decoy_never_matches_at_any_layer(tmp_path: Path) -> None:
    frames = [
        (fx.START, fx.link(fx.udp(fx.PHONE, fx.RESOLVER, 40001, 53, fx.dns_message("notcopy9.com")))),
        (
            fx.START + 1,
            fx.link(fx.tcp(fx.PHONE, "198.51.100.9", 50001, 443, fx.client_hello("www.notcopy9.com"))),
        ),
        (
            fx.START + 2,
            fx.link(fx.tcp(fx.PHONE, "198.51.100.9", 50002, 80, fx.http_get("notcopy9.com", "/"))),
        ),
        (
            fx.START + 3,
            fx.link(fx.udp(fx.PHONE, fx.RESOLVER, 40002, 53, fx.dns_message("copy9.com.example.org"))),
        ),
    ]
    report = check_network(fx.write_pcap(tmp_path / "decoy.pcap", frames), echap())
    assert report.alerts == []
    # …while a real name under the listed one does match, at a dot boundary.
    frames.append(
        (fx.START + 4, fx.link(fx.udp(fx.PHONE, fx.RESOLVER, 40003, 53, fx.dns_message("www.copy9.com"))))
    )
    alerts = check_network(fx.write_pcap(tmp_path / "decoy2.pcap", frames), echap()).alerts
    assert [alert.event["seen_as"] for alert in alerts] == [["www.copy9.com"]]


def test_most_specific_listing_decides_and_overlap_is_less_certain() -> None:
    website = Indicator("copy9.com", "domain", "TheTruthSpy", "website", "echap/ioc.yaml")
    c2 = Indicator("copy9.com", "domain", "TheTruthSpy", "c2", "echap/ioc.yaml")
    match = classify([website, c2])
    assert match is not None and match.kind == "c2_and_website" and match.indicator == c2
    assert match.also == (website,)
    assert load_network_wording().categories["c2_and_website"].level == "medium"
    stix = Indicator("copy9.com", "domain", "TheTruthSpy", "network", "echap-all.stix2")
    typed = classify([stix, website])
    assert typed is not None and typed.kind == "website"  # a typed list says more than an untyped one


# --- damaged and unexpected input ---------------------------------------------------------------------


def test_fragments_cut_short_packets_and_unknown_link_types_are_counted(tmp_path: Path) -> None:
    lookup = fx.udp(fx.PHONE, fx.RESOLVER, 40001, 53, fx.dns_message(fx.C2_NAME))
    fragment = fx.ip_packet(fx.PHONE, fx.RESOLVER, lookup.data, 17, mf=1)
    whole = fx.link(lookup)
    records = [
        (fx.START, fx.link(fragment), len(fx.link(fragment))),
        # The recording kept only the first 40 bytes of this lookup (snapshot length too short).
        (fx.START + 1, whole[:40], len(whole)),
        (fx.START + 2, whole, len(whole)),
    ]
    report = check_network(fx.write_pcap_records(tmp_path / "odd.pcap", records), echap())
    assert report.details["files"][0]["skipped"] == {"fragmented": 1, "cut_short": 1}
    assert by_category(report)["c2"].event["examples"] == ["packet 3"]
    assert any("fragmented" in sentence for sentence in report.not_checked)
    assert any("snapshot length" in sentence for sentence in report.not_checked)

    wireless = fx.write_pcap_records(tmp_path / "wifi.pcap", [(fx.START, b"\x08\x02" + bytes(40), 42)], 105)
    report = check_network(wireless, echap())
    assert report.details["files"][0]["skipped"] == {"link_type": 1}
    assert any("link type" in sentence and "105" in sentence for sentence in report.not_checked)


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_recording_cut_short_gives_what_could_be_read(tmp_path: Path, kind: str) -> None:
    path = WRITERS[kind](tmp_path / "phone", fx.scenario_frames())
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 30])  # the last packet is cut in the middle
    report = check_network(path, echap())
    assert report.details["files"][0]["damaged_end"] is True
    assert report.details["files"][0]["records"] == 10
    assert set(by_category(report)) == {"c2", "website", "distribution"}
    assert any("stops part-way" in sentence for sentence in report.not_checked)


def test_empty_and_unreadable_files_get_one_clear_sentence(tmp_path: Path) -> None:
    cases: dict[str, tuple[bytes, str]] = {
        "empty.pcap": (b"", "empty"),
        "header.pcap": (fx.write_pcap(tmp_path / "h.pcap", []).read_bytes(), "no packets"),
        "notes.txt": (b"Dear diary, nothing to see here.\n", "pcap or pcapng"),
        "capture.pcap.gz": (gzip.compress(b"\xd4\xc3\xb2\xa1" + bytes(20)), "compressed (gzip)"),
        "first.pcap": (
            fx.write_pcap(tmp_path / "f.pcap", fx.scenario_frames()[:1]).read_bytes()[:40],
            "first packet",
        ),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InputError) as caught:
            check_network(path, echap())
        assert expected in caught.value.message, (name, caught.value.message)
        assert str(path) in caught.value.message
    with pytest.raises(InputError) as caught:
        check_network(tmp_path / "notes.txt", echap())
    assert "Zeek dns.log" in caught.value.message and "PCAPdroid" in caught.value.message


def test_other_zeek_logs_are_named(tmp_path: Path) -> None:
    path = fx.write_zeek_tsv(tmp_path / "conn.log", log_path="conn")
    with pytest.raises(InputError, match=r"Zeek conn\.log; stalkproof reads Zeek's dns\.log"):
        check_network(path, echap())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payloads=st.lists(st.binary(max_size=300), min_size=1, max_size=8),
    link_type=st.sampled_from([1, 101, 113, 0]),
)
def test_hostile_packets_never_crash(tmp_path: Path, payloads: list[bytes], link_type: int) -> None:
    prefixes = {
        1: b"\x02" * 12 + b"\x08\x00",
        101: b"\x45",
        113: bytes(14) + b"\x08\x00",
        0: b"\x02\x00\x00\x00\x45",
    }
    frames = [(fx.START + index, prefixes[link_type] + payload) for index, payload in enumerate(payloads)]
    path = fx.write_pcap(tmp_path / "hostile.pcap", frames, link_type)
    report = check_network(path, echap())
    assert report.details["files"][0]["records"] == len(payloads)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600))
def test_payload_readers_never_raise(data: bytes) -> None:
    parse_dns(data)
    server_name(b"\x16\x03\x01" + data)
    http_request(b"GET " + data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=5, max_value=2000), garbage=st.binary(max_size=64))
def test_damaged_containers_never_crash(tmp_path: Path, cut: int, garbage: bytes) -> None:
    for write in (fx.write_pcap, fx.write_pcapng):
        path = write(tmp_path / "damaged.cap", fx.scenario_frames())
        path.write_bytes(path.read_bytes()[:cut] + garbage)
        try:
            report = check_network(path, echap())
        except InputError:
            continue  # nothing readable: one sentence, never a traceback
        assert report.details["files"][0]["records"] >= 1


def test_dns_answers_are_read_past_record_types_dpkt_rejects() -> None:
    query = fx.dns_message(fx.C2_NAME, ident=9)
    header = bytearray(query[:12])
    header[2] |= 0x80  # a response
    header[6:8] = struct.pack(">H", 2)  # two answers: an HTTPS record (type 65), then an A record
    https = b"\xc0\x0c" + struct.pack(">HHIH", 65, 1, 60, 3) + b"\x00\x01\x00"
    a_record = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([198, 51, 100, 20])
    message = parse_dns(bytes(header) + query[12:] + https + a_record)
    assert message is not None and message.is_response
    assert [(answer.name, answer.address) for answer in message.answers] == [(fx.C2_NAME, fx.C2_ADDRESS)]


# --- Zeek and PCAPdroid ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["tsv", "json", "json-iso"])
def test_zeek_dns_log(tmp_path: Path, form: str) -> None:
    if form == "tsv":
        path = fx.write_zeek_tsv(tmp_path / "dns.log")
    else:
        path = fx.write_zeek_json(tmp_path / "dns.json", iso_times=form == "json-iso")
    report = check_network(path, echap())
    alerts = by_category(report)
    assert set(alerts) == {"c2", "c2_and_website"}
    c2 = alerts["c2"]
    # Each log line names the query and its answer; a line counts once. Lines are the file's own (the
    # tab-separated form has eight header lines first).
    first_line = 9 if form == "tsv" else 1
    assert c2.level == "high" and c2.event["count"] == 2
    assert c2.event["examples"] == [f"line {first_line}", f"line {first_line + 1}"]
    assert c2.event["first_seen"] == "2026-03-02T09:00:00+00:00" and c2.event["clients"] == [fx.PHONE]
    overlap = alerts["c2_and_website"]
    assert overlap.level == "medium" and overlap.removal_risk
    assert "also" in overlap.message and "website" in overlap.message
    assert [item["category"] for item in overlap.event["also_listed"]] == ["website"]
    assert overlap.matched_indicator is not None and overlap.matched_indicator.category == "c2"
    assert not mentioned(report, fx.DECOY) and not mentioned(report, "example.net")
    assert report.details["files"][0]["records"] == 5
    assert any("lists lookups, not whether" in sentence for sentence in report.not_checked)


def test_zeek_lines_that_do_not_fit_are_counted(tmp_path: Path) -> None:
    path = fx.write_zeek_tsv(tmp_path / "dns.log")
    lines = path.read_text().splitlines()
    lines.insert(9, "not\ta\tzeek\tline")
    path.write_text("\n".join(lines) + "\n")
    report = check_network(path, echap())
    assert report.details["files"][0]["skipped"] == {"bad_lines": 1}
    assert by_category(report)["c2"].event["count"] == 2


def test_pcapdroid_export_names_the_app(tmp_path: Path) -> None:
    report = check_network(fx.write_pcapdroid(tmp_path / "connections.csv"), echap())
    alerts = by_category(report)
    assert set(alerts) == {"c2", "website"}
    c2 = alerts["c2"]
    assert c2.message.startswith(f"com.example.app contacted {fx.C2_NAME}, a server that TheTruthSpy")
    assert c2.event["count"] == 2 and c2.event["apps"] == ["com.example.app"]
    assert c2.event["how"] == {"pcapdroid": 2}
    assert c2.event["first_seen"] == "2026-03-02T09:00:00+00:00"
    assert alerts["website"].message.startswith(f"com.android.chrome opened {fx.WEBSITE}, the website of")
    assert not mentioned(report, fx.DECOY)
    # The app name with a comma made a longer row; it was joined back, not dropped.
    assert report.details["files"][0]["records"] == 5 and report.details["files"][0]["skipped"] == {}


def test_pcapdroid_columns_in_any_order_and_case(tmp_path: Path) -> None:
    columns = list(reversed(fx.PCAPDROID_HEADER.split(",")))
    columns.remove("App")
    path = fx.write_pcapdroid(tmp_path / "export.csv", columns=columns, lower_case=True)
    c2 = by_category(check_network(path, echap()))["c2"]
    assert c2.event["count"] == 2
    assert c2.message.startswith("the app with user id 10123 contacted")


# --- heuristics, folders, verdicts, wording ---------------------------------------------------------------


def test_many_contacts_with_a_dynamic_dns_name_are_a_low_note(tmp_path: Path) -> None:
    def lookups(name: str, times: int) -> list[fx.Frame]:
        return [
            (
                fx.START + index,
                fx.link(fx.udp(fx.PHONE, fx.RESOLVER, 41000 + index, 53, fx.dns_message(name))),
            )
            for index in range(times)
        ]

    threshold = load_network_wording().dynamic_dns.min_contacts
    frames = lookups("home-cam.duckdns.org", threshold) + lookups("rare.duckdns.org", threshold - 1)
    frames += lookups("duckdns.org", threshold)  # the provider's own site is not a dynamic name
    report = check_network(fx.write_pcap(tmp_path / "ddns.pcap", frames), echap())
    assert [(alert.level, alert.event["value"]) for alert in report.alerts] == [
        ("low", "home-cam.duckdns.org")
    ]
    assert report.alerts[0].matched_indicator is None and not report.alerts[0].removal_risk
    assert "not a sign of spying on its own" in report.alerts[0].meaning


def test_clean_recording_says_what_was_not_checked(tmp_path: Path) -> None:
    frames = fx.scenario_frames()[6:]  # only the decoy and the control
    report = check_network(fx.write_pcap(tmp_path / "clean.pcap", frames), echap())
    assert report.alerts == []
    verdict = report.verdict()
    assert "clean" not in verdict.headline.lower() and verdict.safety is None
    assert any("encrypted DNS" in sentence for sentence in verdict.not_checked)
    assert any(
        "2026-03-02 09:04:00 UTC" in sentence and "only shows the time it covers" in sentence
        for sentence in verdict.not_checked
    )
    assert any("notexample.com" in sentence for sentence in report.checked)


def test_folder_reads_every_recording_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    fx.write_pcap(folder / "phone.pcap", fx.scenario_frames())
    fx.write_zeek_tsv(folder / "dns.log")
    fx.write_zeek_tsv(folder / "conn.log", log_path="conn")  # other Zeek logs are left for now
    (folder / "readme.txt").write_text("notes\n")
    report = check_network(folder, echap())
    assert [Path(item.path).name for item in report.inputs] == ["dns.log", "phone.pcap"]
    assert report.details["not_read"] == [str(folder / "conn.log"), str(folder / "readme.txt")]
    c2 = by_category(report)["c2"]
    assert c2.event["count"] == 5 and c2.event["examples"][0] == "dns.log: line 9"


# --- STIX2: the merged list and MVT's test indicators ---------------------------------------------------


def test_merged_stix2_turns_a_website_visit_into_network_but_echap_yaml_does_not(tmp_path: Path) -> None:
    merged = SAMPLES / "echap-all.stix2"
    if not merged.exists():
        pytest.skip("the shared device samples are not on this machine")
    frames = [(fx.START, fx.link(fx.tcp(fx.PHONE, "198.51.100.30", 50002, 443, fx.client_hello(fx.WEBSITE))))]
    path = fx.write_pcap(tmp_path / "visit.pcap", frames)

    from_stix2 = check_network(path, load_stix2(merged).indicators)
    (alert,) = from_stix2.alerts
    assert (alert.event["category"], alert.level, alert.removal_risk) == ("network", "high", True)
    assert alert.matched_indicator is not None and alert.matched_indicator.source == "echap-all.stix2"

    (alert,) = check_network(path, echap()).alerts
    assert (alert.event["category"], alert.level, alert.removal_risk) == ("website", "informational", False)


def test_mvt_test_indicators_match_name_address_and_url(tmp_path: Path) -> None:
    mvt = SAMPLES / "mvt-test.stix2"
    if not mvt.exists():
        pytest.skip("the shared device samples are not on this machine")
    frames = [
        (fx.START, fx.link(fx.udp(fx.PHONE, fx.RESOLVER, 40001, 53, fx.dns_message("www.example.org")))),
        (fx.START + 1, fx.link(fx.tcp(fx.PHONE, "198.51.100.1", 50001, 443, syn=True))),
        (
            fx.START + 2,
            fx.link(fx.tcp(fx.PHONE, "192.0.2.99", 50002, 80, fx.http_get("example.com", "/thisisbad"))),
        ),
    ]
    report = check_network(fx.write_pcap(tmp_path / "mvt.pcap", frames), load_stix2(mvt).indicators)
    matched = sorted(
        (alert.matched_indicator.type, alert.level) for alert in report.alerts if alert.matched_indicator
    )
    assert matched == [("domain", "high"), ("ip", "high"), ("url", "high")]
    assert {alert.event["category"] for alert in report.alerts} == {"network"}


# --- the wording file ------------------------------------------------------------------------------------


def test_wording_is_valid_and_reviewed() -> None:
    wording = load_network_wording()
    assert wording.source and wording.reviewed and wording.licence
    assert wording.categories["c2"].level == "high" and wording.categories["website"].level == "informational"
    assert wording.categories["network"].level == "high"
    assert wording.categories["distribution"].level == "medium"


def test_wording_with_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))
    data["categories"]["c2"]["message"] = "Contact with {domain}."
    broken = tmp_path / "wording.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError, match="unknown placeholders: domain"):
        load_network_wording(broken)
    del data["categories"]["website"]
    shutil.copy(broken, tmp_path / "copy.yaml")
    (tmp_path / "copy.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError):
        load_network_wording(tmp_path / "copy.yaml")
