"""The verdict of a digital check: worst level first, never "clean", the safety note before removal."""

from __future__ import annotations

from stalkproof.digital.findings import Alert, CheckReport, MatchedIndicator, load_wording


def _alert(level: str, removal_risk: bool = False) -> Alert:
    return Alert(level, "test", f"a {level} finding", "why", "meaning", removal_risk=removal_risk)  # type: ignore[arg-type]


def test_nothing_found_never_says_clean_or_safe() -> None:
    verdict = CheckReport("device").verdict()
    claims = " ".join([verdict.headline, verdict.how_sure, verdict.next_step]).lower()
    assert "nothing known" in claims
    assert "clean" not in claims and "safe" not in claims
    assert any("no check can prove" in item.lower() for item in verdict.not_checked)
    assert verdict.safety is None


def test_the_worst_finding_sets_the_headline_and_counts_are_given() -> None:
    report = CheckReport("device")
    report.add([_alert("low"), _alert("critical", removal_risk=True), _alert("low")])
    verdict = report.verdict()
    assert verdict.headline.startswith("Known spying software")
    assert "1 critical, 2 low" in verdict.headline
    assert verdict.safety is not None and "evidence" in verdict.safety
    assert [alert.level for alert in report.sorted_alerts()] == ["critical", "low", "low"]


def test_json_has_the_contract_fields_and_mvt_alerts() -> None:
    matched = MatchedIndicator("com.thetruth", "app_id", "TheTruthSpy", "stalkerware", "echap/ioc.yaml")
    report = CheckReport("device")
    report.add([Alert("critical", "packages", "found", "why", "meaning", matched)])
    data = report.to_json()
    assert {"alerts", "inputs", "verdict"} <= set(data)
    alert = data["alerts"][0]
    assert {"level", "module", "message", "matched_indicator"} <= set(alert)
    mvt = report.mvt_alerts()[0]
    assert set(mvt) == {"level", "module", "message", "event_time", "event", "matched_indicator"}
    assert mvt["matched_indicator"] == {
        "value": "com.thetruth",
        "type": "app_id",
        "name": "TheTruthSpy",
        "stix2_file_name": "echap/ioc.yaml",
    }


def test_wording_has_an_outcome_for_every_level() -> None:
    wording = load_wording()
    assert set(wording.outcomes) == {"nothing", "informational", "low", "medium", "high", "critical"}
    assert wording.reviewed and wording.source


def test_a_check_that_saw_almost_nothing_says_so_first() -> None:
    report = CheckReport("device", details={"coverage": "very_little"})
    assert report.verdict().headline.startswith("Very little could be checked")
    report.add([_alert("low")])
    assert not report.verdict().headline.startswith("Very little")
