"""The import's fast paths give exactly what the plain forms they replace gave: the same Moments, the same
dedup keys and the same stored rows, so a faster import stores and hashes the same bytes."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from stalkproof.clock import utc_iso
from stalkproof.evidence.import_keys import Dater, dedup_key
from stalkproof.evidence.time import Moment
from stalkproof.ingest.base import Origin, Record, When

ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "Pacific/Apia")
_EPOCH = datetime(1970, 1, 1)


def _moment_before(dater: Dater, when: When) -> Moment:
    """Dater's conversion as first written (reference)."""
    at = when.at
    if at.tzinfo is None:
        zone_text = dater.stated_zone
        instant = at.replace(tzinfo=dater.zone, fold=0)
    else:
        zone_text = when.zone or at.strftime("%z")[:3] + ":" + at.strftime("%z")[3:]
        instant = at
    local = at.date().isoformat() if when.precision == "day" else at.replace(tzinfo=None).isoformat()
    return Moment(utc=utc_iso(instant), local=local, zone=zone_text, precision=when.precision)


def _key_before(source_name: str, record: Record) -> str:
    """dedup_key as first written (reference)."""
    thread = hashlib.sha256(f"stalkproof/thread/1\0{source_name}\0{record.thread}".encode()).hexdigest()
    identity = orjson.dumps([source_name, record.thread, list(record.identity)], default=str)
    digest = hashlib.sha256(b"stalkproof/record/1\0" + identity).hexdigest()
    at = record.when.at
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    if record.when.precision == "day":
        at = at.replace(hour=0, minute=0, second=0, microsecond=0)
    elif record.when.precision in ("minute", "approximate"):
        at = at.replace(second=0, microsecond=0)
    else:
        at = at.replace(microsecond=0)
    ms = min(max((at - _EPOCH) // timedelta(milliseconds=1), 0), 2**48 - 1)
    return thread[:16] + f"{ms:012x}" + digest[:32]


def _times(seed: int) -> list[datetime]:
    """Random times, and every quarter hour around the DST changes of 2023 in the zones tested."""
    rng = random.Random(seed)
    found = [
        datetime(1900, 1, 1)
        + timedelta(seconds=rng.randrange(0, 200 * 365 * 86_400), microseconds=rng.randrange(10**6))
        for _ in range(2_000)
    ]
    changes = ((2023, 3, 11), (2023, 3, 25), (2023, 4, 1), (2023, 9, 30), (2023, 10, 28), (2023, 11, 4))
    for start in (datetime(*day) for day in changes):
        found += [start + timedelta(minutes=15 * step) for step in range(4 * 24 * 3)]
    found += [datetime(2023, 10, 29, 1, 30, fold=1), datetime(1969, 12, 31, 23, 59), datetime(9999, 12, 31)]
    return found


@pytest.mark.parametrize("zone", ZONES)
def test_moments_are_the_same_as_the_plain_conversion(zone: str) -> None:
    for precision in ("second", "minute", "day", "approximate"):
        dater = Dater(zone)
        for at in _times(len(zone)):
            when = When(at=at, precision=precision, found="", zone=None)
            assert dater.moment(when) == _moment_before(dater, when), (zone, at, precision)


def test_moments_in_this_computers_zone_are_the_same_as_the_plain_conversion() -> None:
    dater = Dater(None)
    for at in _times(3)[:500]:
        when = When(at=at, precision="second", found="", zone=None)
        assert dater.moment(when) == _moment_before(dater, when)


def test_moments_of_times_with_a_zone_are_unchanged() -> None:
    dater = Dater(None)
    for at in _times(7)[:500]:
        for zone in (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=3))):
            when = When(at=at.replace(tzinfo=zone), precision="second", found="", zone=None)
            assert dater.moment(when) == _moment_before(dater, when)


def test_dedup_keys_are_the_same_as_the_plain_computation() -> None:
    rng = random.Random(5)
    for index, at in enumerate(_times(11)):
        aware = at.replace(tzinfo=timezone(timedelta(hours=rng.randrange(-12, 13)))) if index % 3 == 0 else at
        for precision in ("second", "minute", "day", "approximate"):
            record = Record(
                kind="message",
                channel="sms",
                when=When(at=aware, precision=precision, found="", zone=None),
                thread=f"thread {index % 4}",
                sender=None,
                recipients=(),
                text="hello",
                origin=Origin(member="", offset=0, length=1, line=1),
                raw=b"x",
                identity=("a", index, aware),
            )
            assert dedup_key("sms", record) == _key_before("sms", record)


def _random_text(rng: random.Random) -> str:
    alphabet = 'ab "\\\n\t\x00\x1f\u00e9\u200b\u202e\U0001f621/<>&\u2028'
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))


def test_ledger_canonical_bytes_are_the_standard_librarys() -> None:
    """The fast dump (plain str keys) and the fallback (str-subclass keys, such as SQLAlchemy column
    names) give the same bytes as `json.dumps(..., sort_keys=True)` in compact UTF-8."""
    import json

    from sqlalchemy.sql.elements import quoted_name

    from stalkproof.vault.ledger import canonical, payload_hash

    rng = random.Random(3)
    for _ in range(2_000):
        names = rng.sample(["id", "text", "a", "B", "é", "zz", "case_id", "_x", "10"], rng.randrange(1, 9))
        row: dict[str, object] = {}
        for name in names:
            row[name] = rng.choice([None, True, False, rng.randrange(-(2**40), 2**40), _random_text(rng)])
        standard = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert canonical(row) == standard
        subclassed: dict[str, object] = {quoted_name(name, None): value for name, value in row.items()}
        assert canonical(subclassed) == standard
        assert payload_hash(subclassed) == payload_hash(row) == hashlib.sha256(standard).hexdigest()


def _key(thread: int, minute: int, salt: int) -> str:
    digest = hashlib.sha256(f"{thread}/{minute}/{salt}".encode()).hexdigest()
    return f"{thread:016x}{minute * 60_000:012x}{digest[:32]}"


def test_existing_keys_by_range_find_exactly_what_lookups_find() -> None:
    """The range reads give the same answer as one lookup per key: on a first import, at the boundary
    of the minute stored just before, for another export over the same days (the fallback), and for
    chunks that mix threads, across two cases."""
    from sqlalchemy import create_engine, insert

    from stalkproof.evidence import import_store
    from stalkproof.vault.schema import events, metadata

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rng = random.Random(9)
    stored = [
        (case, _key(thread, minute, salt))
        for case in ("c1", "c2")
        for thread in range(3)
        for minute in range(0, 3_000, 3)
        for salt in range(2)
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(events),
            [
                {
                    "id": f"{case}{index}",
                    "entry_id": f"{case}{index}",
                    "version": 1,
                    "case_id": case,
                    "kind": "message",
                    "occurred_at": "x",
                    "precision": "minute",
                    "recorded_at": "x",
                    "redacted": False,
                    "dedup_key": key,
                }
                for index, (case, key) in enumerate(stored)
            ],
        )
        asks = [
            [_key(0, minute, 7) for minute in range(3_000, 4_000)],  # first import: nothing there
            [_key(1, 2_997, 1), *(_key(1, minute, 0) for minute in range(2_998, 3_500))],  # boundary
            [_key(2, minute, salt) for minute in range(0, 3_000, 2) for salt in (0, 5)],  # overlapping export
            rng.sample(
                [
                    _key(thread, minute, salt)
                    for thread in range(4)
                    for minute in range(0, 60)
                    for salt in range(3)
                ],
                500,
            ),  # threads mixed, in no order
            [_key(2, 0, 0), _key(2, 2_997, 5), _key(2, 2_997, 1)],  # a wide range: looked up after all
            [],
        ]
        for keys in asks:
            for case in ("c1", "c2", "c3"):
                expected = import_store._looked_up(connection, case, keys)
                assert import_store._existing_keys(connection, case, keys) == expected
                assert expected or case == "c3" or keys is asks[0] or not keys


def _span_before(times: list[datetime]) -> tuple[datetime, datetime]:
    """The survey's first and last as first written: every time compared through `_earlier`."""
    from stalkproof.ingest.base import _earlier

    first = last = times[0]
    for at in times[1:]:
        if _earlier(at, first):
            first = at
        if _earlier(last, at):
            last = at
    return first, last


def test_survey_spans_are_the_same_as_comparing_every_time_the_plain_way() -> None:
    """The survey compares datetimes directly and falls back only when naive and aware times meet."""
    from stalkproof.ingest.base import Handle, Survey

    generator = random.Random(5)
    sender = Handle("whatsapp", "sam")
    for _ in range(200):
        times = []
        for _ in range(generator.randint(1, 30)):
            at = datetime(2024, 1, 1) + timedelta(minutes=generator.randint(0, 100_000))
            if generator.random() < 0.3:
                at = at.replace(tzinfo=timezone(timedelta(hours=generator.randint(-12, 12))))
            times.append(at)
        survey = Survey()
        for at in times:
            record = Record(
                "message", "whatsapp", When(at, "minute", ""), "t", sender, (), "x",
                Origin("", 0, 1, 1), b"x", (),
            )  # fmt: skip
            survey.count(record)
        expected = _span_before(times)
        assert (survey.first, survey.last) == expected
        seen = survey.accounts[("whatsapp", "sam")]
        assert (seen.first, seen.last, seen.records) == (*expected, len(times))
