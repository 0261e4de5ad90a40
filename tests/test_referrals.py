"""The referral directory: schema, provenance on every entry, choosing services, the command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import write_yaml
from stalkproof.errors import InputError
from stalkproof.guide.referrals import REFERRALS_FILE, load_directory, load_referrals, referrals_for
from stalkproof.law.loader import jurisdiction_codes


def test_the_directory_validates() -> None:
    load_referrals.cache_clear()
    directory = load_referrals()
    assert len(directory.services) >= 20
    assert directory.source and directory.reviewed
    for service in directory.services:
        assert service.source.url.startswith("https://") and service.checked


@pytest.mark.parametrize("code", jurisdiction_codes())
def test_every_jurisdiction_has_an_emergency_service(code: str) -> None:
    assert referrals_for(code, ["emergency"])


def test_referrals_for_a_place_include_services_that_work_anywhere() -> None:
    ids = [service.id for service in referrals_for("gb-sct")]
    assert "action-against-stalking" in ids and "stopncii" in ids
    assert "paladin" not in ids, "England and Wales only"
    assert "nys-dsv-hotline" not in ids


def test_referrals_by_need() -> None:
    ids = {service.id for service in referrals_for("gb-eng-wls", ["intimate_images"])}
    assert "revenge-porn-helpline" in ids and "police-emergency-uk" not in ids


def test_unknown_jurisdiction_or_need_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="no law file for 'gb-xx'"):
        referrals_for("gb-xx")
    with pytest.raises(InputError, match="'shelter' is not a kind of help"):
        referrals_for("gb-sct", ["shelter"])


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    return write_yaml(tmp_path / "referrals.yaml", data)


def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(REFERRALS_FILE.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("field", ["source", "reviewed"])
def test_a_directory_missing_source_or_reviewed_fails(tmp_path: Path, field: str) -> None:
    data = _data()
    del data[field]
    path = _write(tmp_path, data)
    with pytest.raises(InputError, match=f"'{field}' is missing") as caught:
        load_directory(path)
    assert str(path) in caught.value.message


@pytest.mark.parametrize("field", ["source", "checked"])
def test_a_service_missing_source_or_checked_fails(tmp_path: Path, field: str) -> None:
    data = _data()
    del data["services"][3][field]
    path = _write(tmp_path, data)
    with pytest.raises(InputError, match=rf"'services\.3\.{field}' is missing") as caught:
        load_directory(path)
    expected_line = next(
        n
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if f"id: {data['services'][3]['id']}" in line
    )
    assert caught.value.line == expected_line, "the line of the service that lacks it"


def test_a_web_contact_must_be_https(tmp_path: Path) -> None:
    data = _data()
    data["services"][2]["contact"] = [{"kind": "web", "value": "http://example.org"}]
    with pytest.raises(InputError, match="should start with https://"):
        load_directory(_write(tmp_path, data))


def test_referrals_command(cli: Any) -> None:
    result = cli("referrals", "--jurisdiction", "us-ny", "--json")
    assert result.code == 0
    services = result.json()
    assert any(service["id"] == "nys-dsv-hotline" for service in services)
    assert {"id", "name", "contact", "hours", "for", "source", "checked"} <= set(services[0])
    assert cli("referrals", "--jurisdiction", "gb-sct").code == 0
    wrong = cli("referrals", "--jurisdiction", "xx-yy")
    assert wrong.code == 1 and wrong.err.count("\n") == 1
