"""The law files: each validates against the schema, and mistakes in them are reported by file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import VaultSetup, write_yaml
from stalkproof.errors import InputError
from stalkproof.law.loader import JURISDICTIONS_DIR, jurisdiction_codes, load_jurisdiction_file

ENGLAND = JURISDICTIONS_DIR / "gb-eng-wls.yaml"


@pytest.mark.parametrize("code", jurisdiction_codes())
def test_every_jurisdiction_validates(code: str) -> None:
    law = load_jurisdiction_file(JURISDICTIONS_DIR / f"{code}.yaml")
    assert law.jurisdiction == code
    assert law.source and law.reviewed and law.offences


@pytest.mark.parametrize("code", jurisdiction_codes())
def test_summary_only_offences_say_their_time_limit(code: str) -> None:
    law = load_jurisdiction_file(JURISDICTIONS_DIR / f"{code}.yaml")
    for offence in law.offences:
        if offence.mode_of_trial == "summary_only":
            assert offence.time_limit is not None, offence.id


def test_the_six_jurisdictions_are_there() -> None:
    assert set(jurisdiction_codes()) >= {"gb-eng-wls", "gb-sct", "gb-nir", "us-fed", "us-ca", "us-ny"}


def _dump(tmp_path: Path, data: dict[str, Any], name: str = "gb-eng-wls") -> Path:
    return write_yaml(tmp_path / f"{name}.yaml", data)


def _england() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ENGLAND.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("field", ["source", "reviewed"])
def test_a_law_file_missing_source_or_reviewed_fails(tmp_path: Path, field: str) -> None:
    data = _england()
    del data[field]
    path = _dump(tmp_path, data)
    with pytest.raises(InputError, match=f"'{field}' is missing") as caught:
        load_jurisdiction_file(path)
    assert str(path) in caught.value.message


def test_an_unknown_behaviour_code_fails_at_its_line(tmp_path: Path) -> None:
    text = ENGLAND.read_text(encoding="utf-8")
    marker = "any_of: [follow, contact, publish_about"
    assert marker in text
    path = tmp_path / ENGLAND.name
    path.write_text(text.replace(marker, marker.replace("follow", "stalk"), 1), encoding="utf-8")
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if "any_of: [stalk," in row)
    with pytest.raises(InputError, match="'stalk' is not a behaviour code") as caught:
        load_jurisdiction_file(path)
    assert caught.value.line == line


def test_an_unknown_behaviour_term_fails(tmp_path: Path) -> None:
    data = _england()
    data["behaviour_terms"]["lurking"] = "not a code"
    with pytest.raises(InputError, match="'lurking' is not a behaviour code"):
        load_jurisdiction_file(_dump(tmp_path, data))


def test_an_unknown_field_fails(tmp_path: Path) -> None:
    data = _england()
    data["offences"][0]["elements"][0]["test"]["min_ocasions"] = 2
    with pytest.raises(InputError, match="min_ocasions' is not a field"):
        load_jurisdiction_file(_dump(tmp_path, data))


def test_an_unknown_test_kind_fails(tmp_path: Path) -> None:
    data = _england()
    data["offences"][0]["elements"][0]["test"] = {"kind": "vibes"}
    with pytest.raises(InputError, match=r"offences\.0\.elements\.0\.test"):
        load_jurisdiction_file(_dump(tmp_path, data))


def test_a_file_named_for_another_jurisdiction_fails(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is named 'gb-sct'"):
        load_jurisdiction_file(_dump(tmp_path, _england(), name="gb-sct"))


def test_broken_yaml_gives_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "gb-eng-wls.yaml"
    path.write_text("jurisdiction: gb-eng-wls\noffences: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML") as caught:
        load_jurisdiction_file(path)
    assert caught.value.line is not None


def test_unknown_jurisdiction_exits_1_with_one_sentence(cli: Any) -> None:
    result = cli("law", "--jurisdiction", "xx-yy")
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1 and result.err.count(". ") == 0
    assert "'xx-yy'" in result.err and "gb-eng-wls" in result.err and "us-ny" in result.err


def test_law_over_the_case(case_setup: VaultSetup, cli: Any) -> None:
    suspect = cli("party", "add", "Corin (fictional)", "--role", "suspect", "--json").json()
    witness = cli("party", "add", "Nell (fictional)", "--role", "witness", "--json").json()
    first = cli("diary", "add", "--when", "2026-11-01T20:00Z", "--what", "Followed me home",
                "--behaviour", "follow", "--party", suspect["id"], "--json").json()  # fmt: skip
    second = cli("diary", "add", "--when", "2026-11-05T21:00Z", "--what", "Waited outside",
                 "--behaviour", "loiter", "--party", suspect["id"], "--party", witness["id"],
                 "--json").json()  # fmt: skip
    cli("diary", "add", "--when", "2026-11-06", "--what", "Rang the police", "--json")
    result = cli("law", "--json")
    assert result.code == 0, result.err
    view = result.json()
    assert view["jurisdiction"] == "gb-eng-wls" and "not legal advice" in view["disclaimer"]
    stalking = next(o for o in view["offences"] if o["id"] == "gb-eng-wls/pha-1997-s2a")
    course = next(e for e in stalking["elements"] if e["id"] == "course-of-conduct")
    assert course["status"] == "apparently_present"
    assert course["events"] == [first["id"], second["id"]]
    assert any("no behaviour code" in note for note in view["notes"]), "the police note is not conduct"
    scotland = cli("law", "--jurisdiction", "gb-sct", "--json").json()
    assert scotland["offences"][0]["id"] == "gb-sct/cjlsa-2010-s39"
    shown = cli("law")
    assert shown.code == 0 and "apparently present" in shown.out and "D1, D2" in shown.out
