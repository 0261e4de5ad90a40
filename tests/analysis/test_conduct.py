"""The course-of-conduct measures over cases built in memory with the real flag and block rules."""

from __future__ import annotations

import pytest

from analysis.cases import ALEX, JORDAN, SAM, CaseBuilder
from stalkproof.analysis.account_use import account_use
from stalkproof.analysis.after_stop import after_stop, stop_requests
from stalkproof.analysis.behaviour_map import behaviour_counts
from stalkproof.analysis.blocks import BlockFinder
from stalkproof.analysis.channels import channels
from stalkproof.analysis.course import analyse, conduct_of
from stalkproof.analysis.four import Measures, four
from stalkproof.analysis.impersonation import impersonation
from stalkproof.analysis.load import VICTIM, CaseEvents
from stalkproof.analysis.replies import replies
from stalkproof.analysis.together import together


def story() -> CaseBuilder:
    """Alex messages on WhatsApp, Sam asks him to stop and blocks him, he moves to SMS, a fake profile in
    Sam's name appears, and a second person joins in."""
    built = CaseBuilder(people=[SAM, ALEX, JORDAN])
    for day in range(5):
        built.add(day, f"Why won't you answer, day {day}")
    built.add(1.01, "I'm at work, talk later", sender="a-sam-wa")
    built.add(5, "Please stop contacting me.", sender="a-sam-wa")
    built.add(5.5, "You don't get to decide that")
    built.add(6, "I blocked him on WhatsApp tonight.", kind="diary", about=[ALEX.id], behaviours=["contact"])
    built.add(8, "New number. Still here.", sender="a-alex-sms")
    built.add(8.2, "Pick up", sender="a-alex-sms")
    built.add(9, "Hi, it's Sam, can you send me her new address?", sender="a-alex-ig", channel="instagram")
    built.add(9.1, "Alex asked me to keep an eye on you", sender="a-jordan-sms")
    built.add(
        10,
        "He left flowers on my car.",
        kind="diary",
        about=[ALEX.id],
        behaviours=["leave_items", "gift"],
    )
    return built


@pytest.fixture(scope="module")
def case() -> CaseEvents:
    return story().build()


def conduct(case: CaseEvents) -> object:
    return conduct_of(case)[0]


def test_the_events_load_in_time_order_with_their_authors(case: CaseEvents) -> None:
    assert list(case.at) == sorted(case.at)
    assert int(case.author_is(VICTIM).sum()) == 2
    assert case.labels.count(None) == len(case) - 2  # two diary entries, D1 and D2
    assert "D1" in case.labels and "D2" in case.labels


def test_a_stop_request_and_a_block_are_found_in_the_persons_own_words(case: CaseEvents) -> None:
    found = stop_requests(case)
    assert [what for _, what in found] == ["stop_request", "block"]
    assert case.ids[found[0][0]] == _id_of("Please stop contacting me.")


def test_contact_after_the_first_stop_request_is_counted(case: CaseEvents) -> None:
    result = after_stop(case, conduct_of(case)[0])
    # After day 5: the reply on 5.5, two SMS, the fake profile, Jordan and the flowers (D2); not D1,
    # which only records Sam's own block.
    assert result.contacts_after_first == 6
    assert result.found
    assert "6 more contacts or incidents" in result.describe(case)
    assert result.to_json(case)["requests"][1]["what"] == "block"


def test_a_move_to_sms_after_the_block_is_a_channel_switch_after_a_block(case: CaseEvents) -> None:
    found = channels(case, conduct_of(case)[0])
    sms = next(switch for switch in found.switches if switch.to_channel == "sms")
    assert sms.from_channel == "whatsapp"
    assert sms.after_block is not None and case.ids[sms.after_block] == _id_of("I blocked him")
    assert {use.channel for use in found.uses} == {"whatsapp", "sms", "instagram"}  # a diary is not a way


def test_an_account_first_seen_after_a_block_is_new_after_block(case: CaseEvents) -> None:
    spans = {case.accounts[span.account].label: span for span in account_use(case, conduct_of(case)[0]).spans}
    assert spans["sms:+447700900666"].after_block is not None
    assert spans["whatsapp:Alex Morgan"].after_block is None
    assert spans["whatsapp:Alex Morgan"].blocked_at is not None  # the diary says "on WhatsApp"
    assert spans["sms:+447700900666"].blocked_at is None
    assert spans["whatsapp:Alex Morgan"].count == 6


def test_two_suspects_acting_on_the_same_day_is_shown(case: CaseEvents) -> None:
    result = together(case, conduct_of(case)[0])
    assert result.several
    assert dict(result.parties) == {"Alex Morgan": 11, "Jordan Lee": 1}
    assert result.shared_days == 1 and result.examples == ("2026-01-14",)


def test_one_suspect_is_not_several_people() -> None:
    built = CaseBuilder().add(0, "hello").add(1, "hello again")
    assert not together(built.build(), conduct_of(built.build())[0]).several


def test_an_account_not_the_persons_with_their_name_is_a_look_alike(case: CaseEvents) -> None:
    result = impersonation(case)
    assert [item.account for item in result.look_alikes] == ["instagram:am_watching"]
    assert result.found


def test_replies_within_a_day_on_the_same_channel_count_as_answered() -> None:
    built = CaseBuilder()
    built.add(0, "one").add(0.1, "reply", sender="a-sam-wa")  # answered
    built.add(1, "two").add(1.5, "three")  # two: Alex wrote again before Sam replied, so unanswered
    built.add(3, "four").add(4.5, "late reply", sender="a-sam-wa")  # a day and a half later: unanswered
    built.add(5, "five", sender="a-alex-sms").add(5.01, "other app", sender="a-sam-wa")  # other channel
    case = built.build()
    result = replies(case, conduct_of(case)[0], case.author_is(VICTIM))
    assert (result.contacts, result.unanswered) == (5, 4)
    assert result.ratio == pytest.approx(0.8)


def test_four_marks_each_sign_from_its_measures() -> None:
    quiet = Measures(1, 1, 0, 1, 1, 0, None, 0, False, 0, 1)
    assert [item.shown for item in four(quiet)] == [False, False, False, False]
    loud = Measures(200, 40, 90, 12, 25, 3, 0.4, 30, True, 150, 180)
    assert [item.shown for item in four(loud)] == [True, True, True, True]
    assert "30 contacts after you asked them to stop" in four(loud)[2].evidence[0]


def test_behaviours_come_from_the_diary_and_flags_and_contact_from_messages(case: CaseEvents) -> None:
    counts = {item.code: item.events for item in behaviour_counts(case, conduct_of(case)[0])}
    assert counts["gift"] == 1 and counts["leave_items"] == 1
    # Ten messages from the suspects' accounts, and D1, whose own code is contact.
    assert counts["contact"] == 11


def test_without_a_suspect_everything_not_from_the_person_is_analysed() -> None:
    built = CaseBuilder(people=[SAM]).add(0, "hello").add(0.5, "hi", sender="a-sam-wa").add(1, "again")
    case = built.build()
    mask, scope = conduct_of(case)
    assert scope == "all_but_you" and int(mask.sum()) == 2


def test_the_whole_analysis_has_the_contract_fields(case: CaseEvents) -> None:
    data = analyse(case).to_json()
    for key in (
        "summary",
        "rates",
        "escalation",
        "time_of_day",
        "channels",
        "accounts",
        "four",
        "behaviours",
    ):
        assert key in data
    assert data["scope"] == "suspects"
    assert data["after_stop"]["found"] is True
    assert [item["id"] for item in data["four"]] == ["fixated", "obsessive", "unwanted", "repeated"]
    assert "not a legal finding" in data["disclaimer"]


def test_an_empty_case_analyses_without_error() -> None:
    data = analyse(CaseBuilder().build()).to_json()
    assert data["events"] == 0
    assert data["escalation"]["escalating"] is False


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        ("You blocked this contact. Tap to unblock.", True),
        ("I blocked him on Instagram", True),
        ("I've finally blocked his number", True),
        ("Blocked number", True),
        ("He blocked me on Facebook", False),
        ("I should block him", False),
        ("I'm thinking of blocking her", False),
        ("The road was blocked by a van", False),
    ],
)
def test_blocks_are_things_the_person_did(text: str, blocked: bool) -> None:
    assert BlockFinder.load().records_block(text) is blocked


def _id_of(start: str) -> str:
    """The id of the story's event whose text starts so (texts are not kept after loading, so the
    story is built again to find it; ids are given in order, so they match)."""
    for row in story().rows:
        if str(row[11]).startswith(start):
            return str(row[0])
    raise AssertionError(start)


def test_a_request_known_only_by_its_date_counts_from_the_end_of_that_day() -> None:
    built = CaseBuilder()
    built.add(0, "Stop contacting me.", kind="diary", precision="day", behaviours=["contact"])
    built.add(0.2, "afternoon message")  # 13:48 the same day: it may have come before the request
    built.add(1, "next day")
    case = built.build()
    assert after_stop(case, conduct_of(case)[0]).contacts_after_first == 1


def test_with_two_suspects_an_incident_naming_no_one_still_counts_but_a_note_does_not() -> None:
    built = CaseBuilder(people=[SAM, ALEX, JORDAN])
    built.add(0, "hello").add(0.1, "hi", sender="a-jordan-sms")
    built.add(1, "A man followed me home.", kind="diary", behaviours=["follow"])
    built.add(2, "Reported it all to the police.", kind="diary", behaviours=["other"])
    case = built.build()
    mask = conduct_of(case)[0]
    assert int(mask.sum()) == 3
    assert dict(together(case, mask).parties) == {"Alex Morgan": 1, "Jordan Lee": 1}


def test_a_block_written_as_a_diary_action_is_found() -> None:
    built = CaseBuilder().add(0, "hello")
    built.add(1, "Another message tonight.", kind="diary", about=[ALEX.id], actions=["Blocked number"])
    case = built.build()
    assert [what for _, what in stop_requests(case)] == ["block"]
    assert case.blocked_platforms[case.blocks[0]] == frozenset({"sms", "phone"})


def test_an_unattributed_self_account_is_the_persons_own() -> None:
    built = CaseBuilder().add(0, "hello").add(0.1, "leave me alone", sender="a-self-unmarked")
    case = built.build()
    assert int(case.author_is(VICTIM).sum()) == 1


def test_a_few_night_messages_do_not_make_contact_obsessive() -> None:
    built = CaseBuilder().add(0.6, "late one").add(1.6, "another late one")  # about 23:24 and 23:24
    obsessive = next(item for item in analyse(built.build()).four if item.id == "obsessive")
    assert not obsessive.shown
