"""Matching the rule files against a text: which flags it gets, each with its reason, rule and span.

Most messages are ordinary chat, so speed comes from not looking closely at them: every rule names trigger
words that any text it can flag must hold (proven from its patterns, see `required`). The text's words
are intersected with all triggers at once (one set operation), and only the rules whose triggers occur,
and one word of each of their `triggers_also` lists too, are run. A match then passes the rule's context
checks (`requires`, `unless` within `context_chars` either side), and its score is lowered when it is
denied ("I would never hurt you") or carries a sign of a joke ("lol"). Flags below `report_at` are not
shown. Those checks are skipped outright when the text lacks every word they need, and every regex is
told which characters a match can start with: the same results, found sooner.

Spans index the exact string passed in: matching is case-insensitive on the original text, and only the
trigger look-up uses a lower-cased copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from stalkproof.analysis.flags.required import first_characters, required_words
from stalkproof.analysis.flags.rules import (
    AUTHORS,
    Family,
    LanguageSettings,
    Rule,
    RuleSet,
    compile_pattern,
    expand,
    load_language,
    trigger_words,
)
from stalkproof.analysis.flags.words import text_words

_WORD_REST = re.compile(r"\w*").match
_QUOTE_CHARS = 80
_MAX_FIRST_CHARACTERS = 64  # a longer list of first characters saves too little
_REMEMBERED = 10_000  # sets of trigger words remembered per author


@dataclass(frozen=True, slots=True)
class Flag:
    """One reason a text matters, found by one rule."""

    label: str  # e.g. "threat", "surveillance"
    kind: str  # finer type within the label, e.g. "threat_kill"; equal to label when there is none
    score: float  # 0..1: how strongly the rule indicates the label, after denial and joke signs
    reason: str  # one plain sentence naming what was matched
    rule: str  # stable rule id, e.g. "en.threat.kill.direct"
    start: int  # span of the match in the text passed in
    end: int
    behaviour: str | None  # the shared behaviour code, or None


@dataclass(frozen=True, slots=True)
class _Cue:
    """A pattern looked for near a match, with words one of which every match of it holds (None when
    there are none to show): a text with none of those words is not searched at all."""

    regex: re.Pattern[str]
    words: frozenset[str] | None

    def search(self, text: str, low: int, high: int, present: frozenset[str]) -> re.Match[str] | None:
        if self.words is not None and self.words.isdisjoint(present):
            return None
        return self.regex.search(text, low, high)


def _cue(regex: re.Pattern[str]) -> _Cue:
    return _Cue(_quick_start(regex), required_words(regex))


def _quick_start(regex: re.Pattern[str]) -> re.Pattern[str]:
    """The same regex, told which characters a match can start with: `re` then passes over most places
    in a text at once instead of trying every alternative there. The look-ahead only repeats what the
    pattern already requires, so the matches are the same."""
    first = first_characters(regex)
    if first is None or len(first) > _MAX_FIRST_CHARACTERS:
        return regex
    ahead = "(?=[" + "".join(sorted(re.escape(char) for char in first)) + "])"
    boundary = "(?<!\\w)"
    source = regex.pattern
    if source.startswith(boundary):  # keep the cheap word-boundary test first
        return re.compile(boundary + ahead + source[len(boundary) :], regex.flags)
    return re.compile(ahead + source, regex.flags)


@dataclass(frozen=True, slots=True)
class _Context:
    """A language's shared checks, compiled once."""

    report_at: float
    window: int
    negation_window: int
    negation_factor: float
    softener_factor: dict[str, float]
    softened_note: str
    softeners: _Cue
    negation_inside: _Cue
    negation_before: _Cue


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity: rules are unique
class _CompiledRule:
    id: str
    label: str
    kind: str
    behaviour: str | None
    score: float
    reason: str
    authors: frozenset[str]
    regex: re.Pattern[str]
    requires: _Cue | None
    unless: _Cue | None
    negatable: bool
    softenable: bool
    triggers: frozenset[str]
    triggers_also: tuple[frozenset[str], ...]  # one word of each must occur too
    context: _Context

    def woken_by(self, words: set[str]) -> bool:
        """Whether a text with these (lower-case) words gets this rule tried at all."""
        return not self.triggers.isdisjoint(words) and not any(
            group.isdisjoint(words) for group in self.triggers_also
        )

    def judge(self, text: str, found: re.Match[str], author: str, present: frozenset[str]) -> Flag | None:
        """The flag for this match (in a text with the words `present`), or None when the context rules
        it out or the score is too low."""
        start, end = found.span()
        context = self.context
        # The window never ends inside a word: cues are whole words, and a cut one would not be.
        low, high = max(0, start - context.window), _word_end(text, end + context.window)
        # `unless` first: its lists are usually the shorter, and one ruling out the match saves the other.
        if self.unless is not None and self.unless.search(text, low, high, present) is not None:
            return None
        if self.requires is not None and self.requires.search(text, low, high, present) is None:
            return None
        score = self.score
        if self.negatable and self._denied(text, start, end, present):
            score *= context.negation_factor
        softener = context.softeners.search(text, low, high, present) if self.softenable else None
        if softener is not None:
            score *= context.softener_factor[author]
        if score < context.report_at:
            return None
        reason = self.reason.replace("{match}", _quoted(found.group()))
        if softener is not None:
            reason += " " + context.softened_note.replace("{match}", softener.group())
        return Flag(self.label, self.kind, round(score, 3), reason, self.id, start, end, self.behaviour)

    def _denied(self, text: str, start: int, end: int, present: frozenset[str]) -> bool:
        context = self.context
        if context.negation_inside.search(text, start, end, present) is not None:
            return True
        before = max(0, start - context.negation_window)
        return context.negation_before.search(text, before, start, present) is not None


def _word_end(text: str, index: int) -> int:
    """`index`, moved past the rest of any word it falls inside."""
    if index >= len(text):
        return index
    found = _WORD_REST(text, index)
    return found.end() if found else index


def _quoted(matched: str) -> str:
    plain = " ".join(matched.split())
    return plain if len(plain) <= _QUOTE_CHARS else plain[: _QUOTE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class _Plan:
    """For one author: every trigger word, and the rules each one wakes."""

    words: frozenset[str]
    rules_by_word: dict[str, tuple[_CompiledRule, ...]]
    also_words: frozenset[str]  # every word of every `triggers_also` list: the only ones worth keeping
    position: dict[_CompiledRule, int]
    # The rules woken by a set of trigger words, remembered: the same few sets come back again and again.
    _woken: dict[frozenset[str], tuple[_CompiledRule, ...]] = field(default_factory=dict)

    def rules_for(self, words: frozenset[str]) -> tuple[_CompiledRule, ...]:
        """The rules any of `words` wakes, in the order the rule files list them."""
        if len(words) == 1:
            return self.rules_by_word[next(iter(words))]
        woken = self._woken.get(words)
        if woken is None:
            every = {rule for word in words for rule in self.rules_by_word[word]}
            woken = tuple(sorted(every, key=self.position.__getitem__))
            if len(self._woken) < _REMEMBERED:
                self._woken[words] = woken
        return woken


class Flagger:
    """The compiled rules of one or more languages. Build it with `Flagger.load` (cached)."""

    rules_version: str

    def __init__(self, rule_sets: Sequence[RuleSet]) -> None:
        self._rules = _compile_rules(rule_sets)
        self._labels = list(dict.fromkeys(family.label for rs in rule_sets for family in rs.families))
        self._plans = {author: _plan(self._rules, author) for author in AUTHORS}
        self.rules_version = "+".join(rule_set.version for rule_set in rule_sets)

    @classmethod
    def load(cls, languages: Sequence[str] = ("en",)) -> Flagger:
        """The flagger for `languages`, compiled once per process."""
        return _load(tuple(languages))

    def labels(self) -> list[str]:
        """The labels these rules can give, in the order the rule files list them."""
        return list(self._labels)

    def rule_ids(self) -> list[str]:
        return [rule.id for rule in self._rules]

    def flags(self, text: str, *, author: str = "other") -> list[Flag]:
        """The flags for `text` written by `author` ("suspect", "victim", "diary" or "other")."""
        plan = self._plans.get(author) or self._plan_for(author)
        tokens = text_words(text)
        words = plan.words.intersection(tokens)
        if not words:
            return []
        also = plan.also_words.intersection(tokens)
        present: frozenset[str] | None = None  # all the words, needed only once something matches
        found: list[Flag] = []
        for rule in plan.rules_for(words):
            for group in rule.triggers_also:
                if group.isdisjoint(also):
                    break
            else:
                for match in rule.regex.finditer(text):
                    if present is None:
                        present = frozenset(tokens)
                    flag = rule.judge(text, match, author, present)
                    if flag is not None:
                        found.append(flag)
        return _best(found) if len(found) > 1 else found

    def missing_triggers(self, text: str, *, author: str = "other") -> list[str]:
        """Ids of rules that would flag `text` but are never tried on it, because none of their trigger
        words occur in it: a check for whoever edits the rule files."""
        self._plan_for(author)
        words = set(text_words(text))
        return sorted(
            {
                flag.rule
                for flag in self._match(text, author, keep_overlaps=True)
                if not self._rule(flag.rule).woken_by(words)
            }
        )

    def _plan_for(self, author: str) -> _Plan:
        plan = self._plans.get(author)
        if plan is None:
            raise ValueError(f"author must be one of {', '.join(AUTHORS)}, not {author!r}")
        return plan

    def _rule(self, rule_id: str) -> _CompiledRule:
        return next(rule for rule in self._rules if rule.id == rule_id)

    def _match(self, text: str, author: str, keep_overlaps: bool = False) -> list[Flag]:
        """What every rule for `author` finds in `text`, trigger words or not."""
        present = frozenset(text_words(text))
        found = [
            flag
            for rule in self._rules
            if author in rule.authors
            for match in rule.regex.finditer(text)
            if (flag := rule.judge(text, match, author, present)) is not None
        ]
        return found if keep_overlaps or not found else _best(found)


def _best(flags: list[Flag]) -> list[Flag]:
    """One flag per place and kind: where matches of the same label and kind overlap, the strongest."""
    kept: list[Flag] = []
    for flag in sorted(flags, key=lambda item: (-item.score, item.start, item.rule)):
        overlaps = any(
            other.label == flag.label
            and other.kind == flag.kind
            and other.start < flag.end
            and flag.start < other.end
            for other in kept
        )
        if not overlaps:
            kept.append(flag)
    return sorted(kept, key=lambda item: (item.start, item.end, item.label, item.kind))


@cache
def _load(languages: tuple[str, ...]) -> Flagger:
    if not languages:
        raise ValueError("give at least one language")
    return Flagger([load_language(language) for language in dict.fromkeys(languages)])


def _compile_context(settings: LanguageSettings) -> _Context:
    macros = settings.macros
    negation = "(?:" + "|".join(expand(item, macros) for item in settings.negations) + ")"
    followers = "|".join(expand(item, macros) for item in settings.negation_followers)
    tail = rf"(?:[\s,]+(?:{followers}))*" if followers else ""
    return _Context(
        report_at=settings.report_at,
        window=settings.context_chars,
        negation_window=settings.negation_chars,
        negation_factor=settings.negation_factor,
        softener_factor={str(author): factor for author, factor in settings.softener_factor.items()},
        softened_note=settings.softened_note,
        softeners=_cue(compile_pattern(settings.softeners, macros)),
        negation_inside=_cue(re.compile(rf"(?<!\w){negation}(?!\w)", re.IGNORECASE)),
        negation_before=_cue(re.compile(rf"(?<!\w){negation}{tail}[\s,]*$", re.IGNORECASE)),
    )


def _compile_rules(rule_sets: Sequence[RuleSet]) -> tuple[_CompiledRule, ...]:
    compiled: list[_CompiledRule] = []
    for rule_set in rule_sets:
        context = _compile_context(rule_set.settings)
        for family in rule_set.families:
            for rule in family.rules:
                compiled.append(_compile_rule(family, rule, rule_set.settings, context))
    return tuple(compiled)


def _compile_rule(family: Family, rule: Rule, settings: LanguageSettings, context: _Context) -> _CompiledRule:
    macros, suffixes = settings.macros, settings.trigger_suffixes
    return _CompiledRule(
        id=rule.id,
        label=family.label,
        kind=rule.kind,
        behaviour=family.kinds[rule.kind],
        score=rule.score,
        reason=rule.reason,
        authors=frozenset(family.authors_of(rule)),
        regex=_quick_start(compile_pattern(rule.patterns, macros)),
        requires=_cue(compile_pattern(rule.requires, macros)) if rule.requires else None,
        unless=_cue(compile_pattern(rule.unless, macros)) if rule.unless else None,
        negatable=rule.negatable,
        softenable=rule.softenable,
        triggers=frozenset(trigger_words(rule.triggers, suffixes)),
        triggers_also=tuple(frozenset(trigger_words(group, suffixes)) for group in rule.triggers_also),
        context=context,
    )


def _plan(rules: Sequence[_CompiledRule], author: str) -> _Plan:
    mine = [rule for rule in rules if author in rule.authors]
    by_word: dict[str, list[_CompiledRule]] = {}
    for rule in mine:
        for word in rule.triggers:
            by_word.setdefault(word, []).append(rule)
    return _Plan(
        words=frozenset(by_word),
        rules_by_word={word: tuple(woken) for word, woken in by_word.items()},
        also_words=frozenset(word for rule in mine for group in rule.triggers_also for word in group),
        position={rule: index for index, rule in enumerate(mine)},
    )
