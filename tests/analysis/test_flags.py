"""Explained rule flags: each family on positives and look-alikes, spans and reasons, authors, and the
evaluation gates on the labelled set in tests/data/flags/eval-en.yaml."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from stalkproof.analysis.flags import Flag, Flagger
from stalkproof.evidence.vocabulary import behaviours

EVAL_FILE = Path(__file__).resolve().parents[1] / "data" / "flags" / "eval-en.yaml"


@pytest.fixture(scope="module")
def flagger() -> Flagger:
    return Flagger.load()


def labels_of(flagger: Flagger, text: str, author: str) -> set[str]:
    return {flag.label for flag in flagger.flags(text, author=author)}


# --- One positive and its look-alikes per family ------------------------------------------------------

CASES = [
    # (label, author, text, flagged?)
    ("threat", "suspect", "I swear I'll kill you", True),
    ("threat", "suspect", "ill fucking kill u", True),
    ("threat", "suspect", "ur dead when i find u", True),
    ("threat", "suspect", "I'll break your legs", True),
    ("threat", "suspect", "I'll hurt your son", True),
    ("threat", "suspect", "I'll poison that dog of yours", True),
    ("threat", "suspect", "watch your back", True),
    ("threat", "diary", "He said he would kill me if I left", True),
    ("threat", "other", "I'm going to kill it at the gym today", False),
    ("threat", "other", "just killing time before my train", False),
    ("threat", "other", "I'd kill for a coffee", False),
    ("threat", "other", "dying to see the new film", False),
    ("threat", "other", "I'll kill you in Fortnite tonight", False),
    ("threat", "other", "my feet are killing me", False),
    ("threat", "other", "you'll regret not coming", False),
    ("self_harm_leverage", "suspect", "If you leave me I'll kill myself", True),
    ("self_harm_leverage", "suspect", "ill take all my pills and it's your fault", True),
    ("self_harm_leverage", "other", "if I have to sit through another meeting I'll kill myself lol", False),
    ("self_harm_leverage", "victim", "I'm going to end it with Josh", False),
    ("intimate_image_threat", "suspect", "I'll send your nudes to your boss", True),
    (
        "intimate_image_threat",
        "suspect",
        "I still have all your pics. Keep that in mind before you block me",
        True,
    ),
    ("intimate_image_threat", "other", "I'll send you the photos from the holiday tonight", False),
    ("surveillance", "suspect", "I saw you at the gym this morning in your blue top", True),
    ("surveillance", "suspect", "I read all your messages", True),
    ("surveillance", "suspect", "saw you at the meeting today, great talk", False),
    ("surveillance", "other", "I saw your email, will reply tomorrow", False),
    ("location_tracking", "suspect", "I put a tracker on your car", True),
    ("location_tracking", "diary", "Found an AirTag taped under my car", True),
    ("location_tracking", "other", "I'll track the parcel and let you know", False),
    ("location_tracking", "other", "share your location so I can find you at the festival", False),
    ("following", "diary", "He turned up at my work again", True),
    ("following", "diary", "his car was parked across the road from my house all night", True),
    ("following", "other", "follow me on insta", False),
    ("following", "other", "Tom turned up late again", False),
    ("property_interference", "diary", "My tyres were slashed overnight", True),
    ("property_interference", "diary", "my car needs new tyres", False),
    ("sexual", "suspect", "send me nudes", True),
    ("sexual", "other", "send me the pics from the wedding", False),
    ("sexual", "other", "it's so hot today", False),
    ("abuse", "suspect", "you worthless bitch", True),
    ("abuse", "other", "you absolute legend", False),
    ("abuse", "other", "this weather is shit", False),
    ("third_party_contact", "suspect", "I spoke to your mum today", True),
    ("third_party_contact", "diary", "He rang my sister three times", True),
    ("third_party_contact", "other", "tell your mum I said happy birthday", False),
    ("impersonation", "diary", "He made a fake Instagram account pretending to be me", True),
    ("impersonation", "other", "New number! Save it - Jess x", False),
    ("impersonation", "other", "fake tan disaster", False),
    ("gift", "diary", "He left flowers on my car", True),
    ("gift", "suspect", "did you get my flowers?", True),
    ("gift", "diary", "Bought flowers for mum's birthday", False),
    ("gift", "diary", "No flowers this week. Nothing on the car.", False),
    ("stop_request", "victim", "Please stop contacting me.", True),
    ("stop_request", "victim", "leave me alone", True),
    ("stop_request", "diary", "Blocked his new number today", True),
    ("stop_request", "victim", "can't stop eating these biscuits", False),
    ("stop_request", "victim", "I blocked out Friday afternoon for the dentist", False),
]


@pytest.mark.parametrize(("label", "author", "text", "flagged"), CASES)
def test_family_positive_and_look_alike(
    flagger: Flagger, label: str, author: str, text: str, flagged: bool
) -> None:
    assert (label in labels_of(flagger, text, author)) is flagged


def test_the_two_meeting_messages_are_told_apart(flagger: Flagger) -> None:
    assert "surveillance" not in labels_of(flagger, "saw you at the meeting today, great talk", "suspect")
    assert "surveillance" in labels_of(
        flagger, "I saw you at the gym this morning in your blue top", "suspect"
    )


# --- What a flag says --------------------------------------------------------------------------------


def test_a_flag_names_its_span_reason_rule_kind_and_behaviour(flagger: Flagger) -> None:
    text = "Hi. I will kill you, I mean it."
    [flag] = flagger.flags(text, author="suspect")
    assert flag == Flag(
        label="threat",
        kind="threat_kill",
        score=0.95,
        reason='Mentions killing you ("I will kill you").',
        rule="en.threat.kill.direct",
        start=4,
        end=19,
        behaviour="threat_kill",
    )
    assert text[flag.start : flag.end] == "I will kill you"


@pytest.mark.parametrize(
    ("text", "nfkc_only"),
    [
        ("I’ll kill you", False),  # curly apostrophe
        ("😡😡 ill kill u", False),  # emoji before, texting spelling
        ("İstanbul trip's off. I'll kill you", False),  # a letter whose lower case is longer
        ("ＩＬＬ ＫＩＬＬ ＹＯＵ", True),  # fullwidth letters: matched in the NFKC search copy
    ],
)
def test_spans_index_the_exact_text_given(flagger: Flagger, text: str, nfkc_only: bool) -> None:
    given_texts = [unicodedata.normalize("NFKC", text)] + ([] if nfkc_only else [text])
    for given in given_texts:
        flags = flagger.flags(given, author="suspect")
        assert [flag.label for flag in flags] == ["threat"]
        matched = given[flags[0].start : flags[0].end]
        assert matched.lower().replace("’", "'").endswith(("kill you", "kill u"))
        assert f'("{matched}")' in flags[0].reason


def test_texting_spellings(flagger: Flagger) -> None:
    assert labels_of(flagger, "im gonna hurt u so bad", "suspect") == {"threat"}
    assert labels_of(flagger, "ur gonna regret this cos im not done", "suspect") == {"threat"}
    assert labels_of(flagger, "i wanna see ur nudes, send me nudes", "suspect") == {"sexual"}


def test_letters_that_case_blind_matching_reads_as_i_and_s_wake_the_rules(flagger: Flagger) -> None:
    # A Turkish keyboard types "ı"; the pattern reads "kıll" as "kill", so the trigger look-up must too.
    assert labels_of(flagger, "I'll kıll you", "suspect") == {"threat"}
    assert labels_of(flagger, "I'll ſtab you", "suspect") == {"threat"}


def test_a_cue_word_cut_by_the_edge_of_the_window_does_not_count(flagger: Flagger) -> None:
    # en.threat.pets.shame needs an animal within 100 characters; "cat" there is only the start of
    # "catalogue", so there is none.
    threat = "Shame if he went missing"
    padding = " " * (100 - len("cat"))
    assert labels_of(flagger, threat + padding + "catalogue", "suspect") == set()
    assert labels_of(flagger, threat + padding + "cat sleeps here", "suspect") == {"threat"}


def test_flags_do_not_depend_on_which_trigger_words_woke_the_rules(flagger: Flagger) -> None:
    text = "I will kill you, I know where you live and I'll send your nudes to your boss"
    first = flagger.flags(text, author="suspect")
    assert {flag.label for flag in first} >= {"threat", "intimate_image_threat", "location_tracking"}
    assert [flagger.flags(text, author="suspect") for _ in range(3)] == [first] * 3  # remembered plans


def test_every_flag_behaviour_is_a_shared_code_or_none(flagger: Flagger) -> None:
    known = behaviours()
    for item in eval_items():
        for flag in flagger.flags(item["text"], author=item["author"]):
            assert flag.behaviour is None or flag.behaviour in known
            assert 0 < flag.score <= 1
            assert flag.reason.endswith(".") and "{" not in flag.reason


def test_a_denial_is_not_a_threat(flagger: Flagger) -> None:
    assert flagger.flags("I would never hurt you", author="suspect") == []
    assert flagger.flags("nobody is going to hurt you", author="other") == []
    assert labels_of(flagger, "if you don't answer I'll kill you", "suspect") == {"threat"}


def test_a_sign_of_a_joke_counts_for_less_and_is_explained(flagger: Flagger) -> None:
    [plain] = flagger.flags("I'll kill you", author="suspect")
    [joking] = flagger.flags("I'll kill you lol", author="suspect")
    assert joking.score < plain.score
    assert '("lol")' in joking.reason
    # From a friend, the same words with a joke sign fall below the reporting score.
    assert flagger.flags("I'll kill you lol", author="other") == []


def test_overlapping_matches_of_one_kind_give_one_flag(flagger: Flagger) -> None:
    flags = flagger.flags("I'm going to kill you, kill you, kill you", author="suspect")
    spans = [(flag.start, flag.end) for flag in flags]
    assert len(spans) == len(set(spans))
    assert all(flag.kind == "threat_kill" for flag in flags)


# --- Who wrote it ------------------------------------------------------------------------------------


def test_stop_requests_are_read_only_in_the_persons_own_words(flagger: Flagger) -> None:
    assert "stop_request" in labels_of(flagger, "Stop messaging me", "victim")
    assert "stop_request" in labels_of(flagger, "Told him again to stop messaging me", "diary")
    assert "stop_request" not in labels_of(flagger, "Stop messaging me", "suspect")
    assert "stop_request" not in labels_of(flagger, "Stop messaging me", "other")


def test_gifts_and_damage_are_read_in_diary_notes_not_in_friends_messages(flagger: Flagger) -> None:
    assert "gift" in labels_of(flagger, "He left flowers on my car", "diary")
    assert "gift" not in labels_of(flagger, "He left flowers on my car", "other")
    assert "property_interference" in labels_of(flagger, "my tyres were slashed", "diary")
    assert "property_interference" not in labels_of(flagger, "my tyres were slashed", "suspect")


def test_threats_are_not_read_in_the_persons_own_messages(flagger: Flagger) -> None:
    assert "threat" not in labels_of(flagger, "you'll regret this, I'm calling the police", "victim")
    assert "threat" in labels_of(flagger, "you'll regret this", "suspect")


def test_an_unknown_author_is_refused(flagger: Flagger) -> None:
    with pytest.raises(ValueError, match="author must be one of"):
        flagger.flags("hello", author="witness")


# --- The flagger itself ------------------------------------------------------------------------------


def test_load_is_cached_and_versioned(flagger: Flagger) -> None:
    assert Flagger.load() is flagger
    assert Flagger.load(["en"]) is flagger
    assert flagger.rules_version.startswith("en-") and len(flagger.rules_version) == 15
    assert flagger.labels()[0] == "threat"
    assert len(flagger.labels()) == 13


def test_ordinary_chat_gets_no_flags(flagger: Flagger) -> None:
    for text in ("running 10 mins late sorry!!", "see you at 7 x", "", "ok", "🙂", "12345"):
        assert flagger.flags(text, author="other") == []


# --- The evaluation gates ----------------------------------------------------------------------------

# Floors a change must not fall below: the figures bench/flags.py measured when the rules were written, less
# a margin (0.05 on the whole set; 0.1 on the smaller holdout, where one item moves a figure by up to 0.17).
# The threat floors are the issue's own. label: (precision, recall).
THREAT_RECALL, THREAT_PRECISION = 0.9, 0.8
FLOORS_ALL: dict[str, tuple[float, float]] = {
    "self_harm_leverage": (0.95, 0.95),  # measured 1.00 / 1.00
    "intimate_image_threat": (0.95, 0.95),  # measured 1.00 / 1.00
    "surveillance": (0.90, 0.85),  # measured 0.97 / 0.95
    "location_tracking": (0.95, 0.95),  # measured 1.00 / 1.00
    "following": (0.95, 0.95),  # measured 1.00 / 1.00
    "property_interference": (0.95, 0.95),  # measured 1.00 / 1.00
    "sexual": (0.95, 0.90),  # measured 1.00 / 0.96
    "abuse": (0.90, 0.85),  # measured 0.97 / 0.93
    "third_party_contact": (0.95, 0.95),  # measured 1.00 / 1.00
    "impersonation": (0.95, 0.95),  # measured 1.00 / 1.00
    "gift": (0.95, 0.95),  # measured 1.00 / 1.00
    "stop_request": (0.95, 0.95),  # measured 1.00 / 1.00
}
FLOORS_HOLDOUT: dict[str, tuple[float, float]] = {
    "self_harm_leverage": (0.90, 0.90),  # measured 1.00 / 1.00
    "intimate_image_threat": (0.90, 0.90),  # measured 1.00 / 1.00
    "surveillance": (0.80, 0.75),  # measured 0.93 / 0.88
    "location_tracking": (0.90, 0.90),  # measured 1.00 / 1.00
    "following": (0.90, 0.90),  # measured 1.00 / 1.00
    "property_interference": (0.90, 0.90),  # measured 1.00 / 1.00
    "sexual": (0.90, 0.75),  # measured 1.00 / 0.89
    "abuse": (0.80, 0.70),  # measured 0.92 / 0.85
    "third_party_contact": (0.90, 0.90),  # measured 1.00 / 1.00
    "impersonation": (0.80, 0.80),  # measured 1.00 / 1.00 (6 items: one miss is 0.83)
    "gift": (0.90, 0.90),  # measured 1.00 / 1.00
    "stop_request": (0.90, 0.90),  # measured 1.00 / 1.00
}


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def eval_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))["items"]
    return items


@pytest.fixture(scope="module")
def tallies(flagger: Flagger) -> dict[str, dict[str, Tally]]:
    result: dict[str, dict[str, Tally]] = {"all": {}, "holdout": {}}
    for item in eval_items():
        predicted = labels_of(flagger, item["text"], item["author"])
        for label in flagger.labels():
            expected = label in item["labels"]
            got = label in predicted
            for split in ("all", item["split"]):
                if split not in result:
                    continue
                tally = result[split].setdefault(label, Tally())
                tally.tp += expected and got
                tally.fp += got and not expected
                tally.fn += expected and not got
                if expected != got:
                    tally.wrong.append(item["id"])
    return result


def test_threat_gate_on_the_whole_evaluation_set(tallies: dict[str, dict[str, Tally]]) -> None:
    threat = tallies["all"]["threat"]
    assert threat.recall >= THREAT_RECALL, threat.wrong
    assert threat.precision >= THREAT_PRECISION, threat.wrong


def test_threat_gate_on_the_holdout_alone(tallies: dict[str, dict[str, Tally]]) -> None:
    threat = tallies["holdout"]["threat"]
    assert threat.recall >= THREAT_RECALL, threat.wrong
    assert threat.precision >= THREAT_PRECISION, threat.wrong


@pytest.mark.parametrize("split", ["all", "holdout"])
def test_other_label_gates(tallies: dict[str, dict[str, Tally]], split: str) -> None:
    floors = FLOORS_ALL if split == "all" else FLOORS_HOLDOUT
    for label, (precision, recall) in floors.items():
        tally = tallies[split][label]
        assert tally.precision >= precision, (label, "precision", tally.wrong)
        assert tally.recall >= recall, (label, "recall", tally.wrong)
