"""The flag rule files and the evaluation set are valid data: schema, ids, behaviours, regexes, examples."""

from __future__ import annotations

import importlib
import random
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.flags.required import (
    always_contains,
    first_characters,
    pattern_words,
    required_words,
    trigger_gaps,
)
from stalkproof.analysis.flags.rules import (
    AUTHORS,
    LANGUAGE_FILE,
    Family,
    LanguageSettings,
    Rule,
    RuleSet,
    compile_pattern,
    language_dir,
    load_language,
    load_rule_set,
    trigger_words,
)
from stalkproof.analysis.flags.words import text_words
from stalkproof.errors import InputError
from stalkproof.evidence.vocabulary import behaviours

EVAL_FILE = Path(__file__).resolve().parents[1] / "data" / "flags" / "eval-en.yaml"
THREAT_KINDS = {
    "threat_kill",
    "threat_injure",
    "threat_sexual",
    "threat_children",
    "threat_pets",
    "threat_others",
    "threat_property",
    "threat_veiled",
}


@pytest.fixture(scope="module")
def english() -> RuleSet:
    return load_language("en")


@pytest.fixture(scope="module")
def flagger() -> Flagger:
    return Flagger.load(("en",))


def all_rules(rule_set: RuleSet) -> list[tuple[Family, Rule]]:
    return [(family, rule) for family in rule_set.families for rule in family.rules]


def rule_params() -> list[Any]:
    return [pytest.param(family, rule, id=rule.id) for family, rule in all_rules(load_language("en"))]


def eval_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))["items"]
    return items


# --- The rule files --------------------------------------------------------------------------------


def test_every_family_file_is_listed_and_loads(english: RuleSet) -> None:
    files = sorted(path.stem for path in language_dir("en").glob("*.yaml") if path.name != LANGUAGE_FILE)
    assert sorted(family.label for family in english.families) == files
    assert len(files) >= 12


def test_every_file_names_its_version_sources_review_and_licence(english: RuleSet) -> None:
    parts: list[LanguageSettings | Family] = [english.settings, *english.families]
    for part in parts:
        assert part.version >= 1
        assert part.source and all(source.url.startswith("https://") for source in part.source)
        assert part.reviewed.year >= 2026
        assert part.licence


def test_rule_ids_are_unique_and_name_language_and_label(english: RuleSet) -> None:
    ids = [rule.id for _, rule in all_rules(english)]
    assert [rule_id for rule_id, count in Counter(ids).items() if count > 1] == []
    for family, rule in all_rules(english):
        assert rule.id.startswith(f"en.{family.label}.")


def test_behaviours_are_in_the_shared_vocabulary(english: RuleSet) -> None:
    known = behaviours()
    for family in english.families:
        for kind, behaviour in family.kinds.items():
            assert behaviour is None or behaviour in known, (family.label, kind, behaviour)


def test_threat_kinds_are_the_documented_ones(english: RuleSet) -> None:
    threat = next(family for family in english.families if family.label == "threat")
    assert set(threat.kinds) == THREAT_KINDS
    assert threat.kinds["threat_kill"] == "threat_kill"


@pytest.mark.parametrize(("family", "rule"), rule_params())
def test_every_pattern_compiles_on_its_own(english: RuleSet, family: Family, rule: Rule) -> None:
    for source in rule.patterns + rule.requires + rule.unless:
        assert isinstance(compile_pattern(source, english.settings.macros), re.Pattern)


@pytest.mark.parametrize(("family", "rule"), rule_params())
def test_examples_fire_and_counter_examples_do_not(flagger: Flagger, family: Family, rule: Rule) -> None:
    authors = family.authors_of(rule)
    for example in rule.examples:
        fired = {flag.rule for author in authors for flag in flagger.flags(example, author=author)}
        assert rule.id in fired, f"{rule.id} does not fire on its example {example!r}"
    for counter in rule.counter_examples:
        labels = {flag.label for author in authors for flag in flagger.flags(counter, author=author)}
        assert family.label not in labels, f"{rule.id}: counter-example {counter!r} is flagged"


@pytest.mark.parametrize(("family", "rule"), rule_params())
def test_trigger_words_cover_the_examples(flagger: Flagger, family: Family, rule: Rule) -> None:
    for text in rule.examples + rule.counter_examples:
        for author in family.authors_of(rule):
            assert flagger.missing_triggers(text, author=author) == []


def test_trigger_words_cover_the_dev_evaluation_items(flagger: Flagger) -> None:
    # Only dev items: fixing a trigger because of a holdout item would be tuning on the holdout.
    missing = {
        item["id"]: flagger.missing_triggers(item["text"], author=item["author"])
        for item in eval_items()
        if item["split"] == "dev"
    }
    assert {item_id: rules for item_id, rules in missing.items() if rules} == {}


def test_trigger_words_cover_every_evaluation_item(flagger: Flagger) -> None:
    # Safe to run on the holdout too: the lists below are proven from the patterns, not tuned on items.
    missing = {
        item["id"]: flagger.missing_triggers(item["text"], author=item["author"]) for item in eval_items()
    }
    assert {item_id: rules for item_id, rules in missing.items() if rules} == {}


@pytest.mark.parametrize(("family", "rule"), rule_params())
def test_trigger_lists_are_proven_complete(english: RuleSet, family: Family, rule: Rule) -> None:
    assert trigger_gaps(rule, english.settings) == []


@pytest.mark.parametrize(("family", "rule"), rule_params())
def test_trigger_lists_cover_texts_made_from_the_patterns(
    english: RuleSet, family: Family, rule: Rule
) -> None:
    """A check of the proof itself: texts generated from the rule's own patterns (seeded), wherever the
    rule could flag them, hold one of its trigger words and one word of each `triggers_also` list."""
    macros, suffixes = english.settings.macros, english.settings.trigger_suffixes
    regex = compile_pattern(rule.patterns, macros)
    requires = compile_pattern(rule.requires, macros) if rule.requires else None
    lists = [set(trigger_words(words, suffixes)) for words in [rule.triggers, *rule.triggers_also]]
    rng = random.Random(rule.id)
    flaggable = pattern_texts(regex, rng, 150)
    if requires is not None:  # give each text the nearby cue the rule needs, made from its `requires`
        cues = pattern_texts(requires, rng, 150) or [""]
        flaggable = [f"{text} {rng.choice(cues)}" for text in flaggable]
        flaggable = [text for text in flaggable if requires.search(text) is not None]
    assert len(flaggable) >= 10, "too few generated texts match: the generator needs a look"
    for text in flaggable:
        words = set(text_words(text))
        assert all(words & listed for listed in lists), (rule.id, text)


def test_every_rule_fires_on_its_own_examples_or_the_evaluation_set(flagger: Flagger) -> None:
    fired = {
        flag.rule for item in eval_items() for flag in flagger.flags(item["text"], author=item["author"])
    }
    for family, rule in all_rules(load_language("en")):
        examples = {
            flag.rule
            for a in family.authors_of(rule)
            for e in rule.examples
            for flag in flagger.flags(e, author=a)
        }
        assert rule.id in fired | examples


# --- The proof behind trigger words -------------------------------------------------------------------

_PARSER: Any = importlib.import_module("re._parser")  # the tree `re` itself compiles, to make texts from
_ANY_CHARS = "abcdefghijklmnopqrstuvwxyz       ,.!?'’0123"


def pattern_texts(regex: re.Pattern[str], rng: random.Random, tries: int) -> list[str]:
    """Texts the regex matches, made by walking its parse tree with random choices (case, spacing,
    alternatives, repeats and the letters of \\w and [^...] all vary)."""
    tree = _PARSER.parse(regex.pattern, regex.flags)
    texts = []
    for _ in range(tries):
        parts: list[str] = []
        _spell(tree, rng, parts)
        text = "".join(parts)
        if regex.search(text):
            texts.append(text)
    return texts


def _spell(items: Any, rng: random.Random, out: list[str]) -> None:
    for op, value in items:
        kind = str(op)
        if kind == "LITERAL":
            char = chr(value)
            out.append(char.upper() if rng.random() < 0.15 else char)
        elif kind == "IN":
            out.append(_class_char(value, rng))
        elif kind in ("ANY", "NOT_LITERAL"):
            out.append(rng.choice(_ANY_CHARS))
        elif kind == "BRANCH":
            _spell(rng.choice(value[1]), rng, out)
        elif kind == "SUBPATTERN":
            _spell(value[3], rng, out)
        elif kind in ("MAX_REPEAT", "MIN_REPEAT"):
            least, most, inner = value
            for _ in range(rng.randint(least, min(most, least + 3))):
                _spell(inner, rng, out)


def _class_char(items: Any, rng: random.Random) -> str:
    if any(str(op) == "NEGATE" for op, _ in items):
        return rng.choice(_ANY_CHARS)  # may fall inside the class: the text then simply does not match
    op, value = rng.choice(items)
    kind = str(op)
    if kind == "LITERAL":
        return chr(value)
    if kind == "RANGE":
        return chr(rng.randint(*value))
    by_category = {"CATEGORY_SPACE": " ,", "CATEGORY_DIGIT": "07", "CATEGORY_NOT_WORD": " !,"}
    return rng.choice(by_category.get(str(value), "abqxyz"))


@pytest.fixture(scope="module")
def macros(english: RuleSet) -> dict[str, list[str]]:
    return english.settings.macros


@pytest.mark.parametrize(
    ("pattern", "words", "proven"),
    [
        (
            "{kill} {you}",
            {
                "kill",
                "murder",
                "strangle",
                "stab",
                "shoot",
                "slaughter",
                "butcher",
                "execute",
                "smother",
                "suffocate",
                "drown",
                "bury",
                "finish",
                "end",
            },
            True,
        ),
        ("{kill} {you}", {"you", "u", "ya", "yah", "youu"}, True),
        ("{kill} {you}", {"kill", "murder"}, False),  # "stab you" has neither
        ("i'll kill", {"kill"}, True),
        ("i'll kill", {"i"}, False),  # "ill kill": the apostrophe is optional
        ("i'll kill", {"i", "ill"}, True),
        ("(will|do)? ?hate", {"hate"}, False),  # "willhate": the space is optional
        ("(will|do)? ?hate", {"hate", "willhate", "dohate"}, True),
        ("kill\\w* you", {"kill"}, False),  # "killer you": \\w* may lengthen the word
        ("kill\\w* you", {"you"}, True),
        ("sorry( \\S+){0,3} you", {"sorry"}, True),
        ("(^|[.!?] *)stop", {"stop"}, True),
        ("kills?", {"kill"}, False),
        ("kills?", {"kill", "kills"}, True),
    ],
)
def test_what_every_match_must_contain(
    macros: dict[str, list[str]], pattern: str, words: set[str], proven: bool
) -> None:
    assert always_contains(compile_pattern(pattern, macros), words) is proven


def test_a_proof_is_never_wrong_on_texts_made_from_the_pattern(macros: dict[str, list[str]]) -> None:
    rng = random.Random(7)
    for pattern in (
        "{will} {gap}{kill} {you}",
        "{someone}( \\S+){0,5}? ({hurt}|poison) (my|our) {pet}",
        "{your}? ?{pet}('s| is)? ?(going to |gonna )?(have|has|had) an accident",
    ):
        regex = compile_pattern(pattern, macros)
        vocabulary = sorted(pattern_words(regex))
        for _ in range(60):
            words = set(rng.sample(vocabulary, rng.randint(1, len(vocabulary))))
            if always_contains(regex, words):
                for text in pattern_texts(regex, rng, 40):
                    assert words & set(text_words(text)), (pattern, sorted(words), text)


def test_cue_words_and_first_characters_hold_for_every_match(english: RuleSet) -> None:
    """What the engine skips on (cue words) and starts from (first characters) is never wrong."""
    macros = english.settings.macros
    sources = [english.settings.softeners, english.settings.negations]
    sources += [
        part for _, rule in all_rules(english) for part in (rule.patterns, rule.requires, rule.unless)
    ]
    rng = random.Random(3)
    for source in filter(None, sources):
        regex = compile_pattern(source, macros)
        needed, first = required_words(regex), first_characters(regex)
        for text in pattern_texts(regex, rng, 30):
            for found in regex.finditer(text):
                assert needed is None or needed & set(text_words(found.group())), (source, text)
                assert first is None or text[found.start()] in first, (source, text)


def test_words_are_read_as_the_case_blind_patterns_read_them() -> None:
    # `re` matches "kill" to "kıll" and "stab" to "ſtab" when case is ignored; the trigger look-up must too.
    assert text_words("I’ll KıLL you, ſtab İstanbul 3x") == [
        "i",
        "ll",
        "kill",
        "you",
        "stab",
        "istanbul",
        "x",
    ]
    first = first_characters(re.compile("(?<!\\w)(?:kill|stab)", re.IGNORECASE))
    assert first is not None and first >= {"k", "K", "s", "S", "ſ"}
    assert first_characters(re.compile("\\w+ you")) is None


def test_triggers_also_takes_one_list_or_several(english: RuleSet, tmp_path: Path) -> None:
    flat = (
        "    triggers_also: [car, desk, door, doorstep, letterbox, mail, porch, post, postbox, windscreen]\n"
    )
    rules = {rule.id: rule for _, rule in all_rules(english)}
    listed = [
        "car",
        "desk",
        "door",
        "doorstep",
        "letterbox",
        "mail",
        "porch",
        "post",
        "postbox",
        "windscreen",
    ]
    assert rules["en.gift.check"].triggers_also == [listed]
    folder = broken_copy(
        tmp_path, "gift", flat, "    triggers_also:\n      - [your, ur]\n      - [car, door]\n"
    )
    rules = {rule.id: rule for _, rule in all_rules(load_rule_set(folder))}
    assert rules["en.gift.check"].triggers_also == [["your", "ur"], ["car", "door"]]


# --- Broken rule files are reported, not half-loaded -------------------------------------------------


def broken_copy(tmp_path: Path, family: str, old: str, new: str) -> Path:
    folder = tmp_path / "en"
    shutil.copytree(language_dir("en"), folder)
    path = folder / f"{family}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("family", "old", "new", "message"),
    [
        ("gift", "  gift_sent: gift\n", "  gift_sent: presents\n", "not a behaviour code"),
        ("gift", "id: en.gift.check", "id: en.gift.suspect_says", "used twice"),
        ("gift", "id: en.gift.check", "id: en.threat.check", "must start with 'en.gift.'"),
        ("gift", "kind: item_left\n    score: 0.7", "kind: left\n    score: 0.7", "not listed under 'kinds'"),
        ("gift", '"check {your} (car', '"check {yours} (car', "not a word list"),
        ("gift", '"check {your} (car', '"check (((your car', "cannot be used"),
        ("gift", "    score: 0.7\n", "    score: 1.7\n", "rules.3.score"),
        ("gift", "reviewed: 2026-11-24\n", "", "'reviewed' is missing"),
        ("gift", "    reason: 'The suspect points", "    reason: 'The {who} points", "only use {match}"),
    ],
)
def test_a_broken_rule_file_is_reported_with_its_file(
    tmp_path: Path, family: str, old: str, new: str, message: str
) -> None:
    folder = broken_copy(tmp_path, family, old, new)
    with pytest.raises(InputError, match=re.escape(message)) as error:
        load_rule_set(folder)
    assert f"{family}.yaml" in str(error.value)


def test_words_like_on_and_off_stay_words(tmp_path: Path) -> None:
    folder = broken_copy(
        tmp_path, "gift", "    triggers: [check]\n", "    triggers: [check, on, off, yes, no]\n"
    )
    rules = {rule.id: rule for _, rule in all_rules(load_rule_set(folder))}
    assert rules["en.gift.check"].triggers == ["check", "on", "off", "yes", "no"]


def test_a_family_file_missing_from_the_list_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "en"
    shutil.copytree(language_dir("en"), folder)
    (folder / "extra.yaml").write_text((folder / "gift.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match="'families' must list every family file"):
        load_rule_set(folder)


def test_an_unknown_language_is_reported() -> None:
    with pytest.raises(InputError, match="no flag rules for the language 'xx'"):
        load_language("xx")


# --- The evaluation set ------------------------------------------------------------------------------


def test_the_evaluation_set_is_large_varied_and_well_formed(english: RuleSet) -> None:
    items = eval_items()
    labels = {family.label for family in english.families}
    assert len(items) >= 500
    assert len({item["id"] for item in items}) == len(items)
    assert len({item["text"] for item in items}) == len(items)
    for item in items:
        assert item["split"] in {"dev", "holdout"}
        assert item["author"] in AUTHORS
        assert set(item["labels"]) <= labels, item["id"]
        assert set(item.get("kinds", ())) <= THREAT_KINDS, item["id"]
        assert ("threat" in item["labels"]) == bool(item.get("kinds")), item["id"]
    negatives = sum(1 for item in items if not item["labels"])
    assert negatives / len(items) >= 0.4
    holdout = sum(1 for item in items if item["split"] == "holdout")
    assert 0.35 <= holdout / len(items) <= 0.45
    assert {item["author"] for item in items} == set(AUTHORS)
    for label in labels:
        for split in ("dev", "holdout"):
            assert sum(1 for i in items if label in i["labels"] and i["split"] == split) >= 5, (label, split)
