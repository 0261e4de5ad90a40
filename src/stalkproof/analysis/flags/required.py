"""What every match of a pattern must contain or start with, read from the pattern itself.

- `always_contains(pattern, words)`: whether every possible match has one of `words` as a whole word of
  the text, read as the engine reads words (`words.text_words`: runs of a-z in the lower-cased text).
  It is the proof that trigger lists are complete (`trigger_gaps`): the engine only tries a rule on a
  text holding one of its trigger words, so a list missing a way the pattern can match would silently
  lose flags. The engine also uses it (`required_words`) to skip searching for a cue in a text that
  lacks every word the cue needs.
- `first_characters(pattern)`: the characters a match can start with, which lets `re` pass over most
  places in a text at once.

How: Python's own parse tree of the pattern is walked, and each part is summed up by the shapes its
matches can take: the letters before its first word break, whether one of the words lies wholly inside,
and the letters after its last word break (or, for a part with no break, just its letters). Putting parts
side by side joins the letters across them; alternatives add their shapes together. What the walk cannot
follow exactly (`\\w+`, `.`, back-references) becomes "unknown letters", which never proves a word. So a
"no" may be too careful (the trigger list then has to name more words), but a "yes" is always right.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

from stalkproof.analysis.flags.rules import LanguageSettings, Rule, compile_pattern, trigger_words
from stalkproof.analysis.flags.words import ASCII_FOLD

# Python's regular-expression parser: private, but the only parser that reads a pattern exactly as `re`
# compiles it. Typeshed has no stub for it, hence the import by name.
_PARSER: Any = importlib.import_module("re._parser")


@functools.lru_cache(maxsize=1024)
def _tree(source: str, flags: int) -> Any:
    """The parse tree of a pattern, read once however many questions are asked of it (never changed)."""
    return _PARSER.parse(source, flags)


_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
# Repeats are unrolled this many times before the rest counts as unknown letters.
_UNROLL = 4
# Joins of more shapes than this forget their letters first (the answer stays safe, if less sharp).
_MAX_SHAPES = 20_000


class _Shape(NamedTuple):
    """What one way of matching a part looks like, as far as words go.

    `broken` tells whether the match has a word break (a character other than a-z, or a zero-width
    assertion that one is there). Without one, `head` and `tail` are both all its letters. With one,
    `head` are the letters before the first break and `tail` those after the last; None means unknown.
    `found` tells whether one of the wanted words lies between two breaks inside the match."""

    head: str | None
    found: bool
    tail: str | None
    broken: bool


_EMPTY = _Shape("", False, "", False)
_BREAK = _Shape("", False, "", True)
_UNKNOWN = _Shape(None, False, None, True)  # anything at all, the empty string included
_SOME_LETTERS = _Shape(None, False, None, False)  # letters, but which is not known
# A class of more letters than this counts as unknown letters (spelling each out only costs time).
_MAX_CLASS_LETTERS = 3


def always_contains(pattern: re.Pattern[str] | str, words: Collection[str]) -> bool:
    """Whether every match of `pattern`, anywhere in any text, has one of `words` as a whole word of
    the text (see `words.text_words`). False when that cannot be shown."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    wanted = frozenset(words)
    if not wanted:
        return False
    shapes = _Walk(wanted).sequence(_tree(source, flags))
    return all(shape.found for shape in shapes)


def required_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Words one of which every match of `pattern` holds, or None when there are none to show: a text
    with none of them cannot match, so the search can be skipped."""
    words = pattern_words(pattern)
    return frozenset(words) if words and always_contains(pattern, words) else None


def pattern_words(pattern: re.Pattern[str] | str) -> set[str]:
    """Every whole word the pattern spells out in full: the words a trigger list can choose from."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    walk = _Walk(frozenset(), collect=True)
    walk.sequence(_tree(source, flags))
    return walk.seen


def trigger_gaps(rule: Rule, settings: LanguageSettings) -> list[str]:
    """The rule's patterns that could flag a text holding none of its `triggers` (or none of one of its
    `triggers_also` lists): empty when every list is shown to be complete.

    A flag needs a match of one of the patterns and, when the rule has `requires`, a match of those too,
    so a pattern is covered when every match of it, or every match of `requires`, holds a listed word."""
    requires = compile_pattern(rule.requires, settings.macros) if rule.requires else None
    gaps: list[str] = []
    lists = [("triggers", rule.triggers)] + [("triggers_also", group) for group in rule.triggers_also]
    for name, listed in lists:
        words = trigger_words(listed, settings.trigger_suffixes)
        if requires is not None and always_contains(requires, words):
            continue
        gaps += [
            f"{name} {listed[:3]}... miss some matches of {source!r}"
            for source in rule.patterns
            if not always_contains(compile_pattern(source, settings.macros), words)
        ]
    return gaps


def first_characters(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Every character a match of `pattern` can start with (in both cases), or None when that could be
    any character, or the pattern can match the empty string."""
    found, maybe_empty = _first_of(_tree(pattern.pattern, pattern.flags))
    if found is None or maybe_empty:
        return None
    return frozenset(variant for char in found for variant in _case_variants(char))


def _first_of(items: Iterable[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """The characters a match of `items` can start with (None: any), and whether it can be empty."""
    chars: set[str] = set()
    for op, value in items:
        kind = str(op)
        if kind in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero-width: the next item supplies the first character
        if kind == "LITERAL":
            return chars | {chr(value)}, False
        if kind == "IN":
            listed = _class_characters(value)
            return (None if listed is None else chars | listed), False
        if kind == "SUBPATTERN":
            first, empty = _first_of(value[3])
        elif kind == "ATOMIC_GROUP":
            first, empty = _first_of(value)
        elif kind == "BRANCH":
            first, empty = set(), False
            for branch in value[1]:
                branch_first, branch_empty = _first_of(branch)
                if branch_first is None:
                    return None, False
                first |= branch_first
                empty = empty or branch_empty
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            first, empty = _first_of(value[2])
            empty = empty or value[0] == 0
        else:
            return None, False  # any character, a back-reference, or something newer
        if first is None:
            return None, False
        chars |= first
        if not empty:
            return chars, False
    return chars, True


def _class_characters(items: list[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, value in items:
        kind = str(op)
        if kind == "LITERAL":
            chars.add(chr(value))
        elif kind == "RANGE" and value[1] - value[0] < 256:
            chars |= {chr(code) for code in range(value[0], value[1] + 1)}
        else:
            return None  # negated classes, \w, \s, wide ranges: too many to list
    return chars


def _case_variants(char: str) -> set[str]:
    """`char` and what `re` may match it to when case is ignored."""
    variants = {char, char.lower(), char.upper(), char.casefold()}
    folded = char.translate(ASCII_FOLD).lower()
    variants |= {folded, folded.upper()} | {odd for odd, plain in _ODD_CASES.items() if plain == folded}
    return {variant for variant in variants if len(variant) == 1}


# Letters `re` matches to an ASCII letter when case is ignored, though str.lower does not say so.
_ODD_CASES = {"İ": "i", "ı": "i", "ſ": "s", "\u212a": "k", "\u212b": "å"}


class _Walk:
    def __init__(self, wanted: frozenset[str], collect: bool = False) -> None:
        self.wanted = wanted
        self.collect = collect
        self.seen: set[str] = set()

    def sequence(self, items: Iterable[tuple[Any, Any]], start: set[_Shape] | None = None) -> set[_Shape]:
        """The shapes of `start` followed by `items`. Walking left to right with what came before keeps
        the sets small: after a word break, the letters before it no longer vary."""
        shapes = {_EMPTY} if start is None else start
        letters = ""
        for op, value in items:
            # Runs of letters are joined as one word piece: fewer, cheaper steps.
            shape = _char(chr(value)) if str(op) == "LITERAL" else _BREAK
            if not shape.broken:
                letters += str(shape.head)
                continue
            if letters:
                shapes, letters = self.join(shapes, {_Shape(letters, False, letters, False)}), ""
            shapes = self.then(shapes, str(op), value)
        if letters:
            shapes = self.join(shapes, {_Shape(letters, False, letters, False)})
        return shapes

    def then(self, before: set[_Shape], op: str, value: Any) -> set[_Shape]:
        if op == "SUBPATTERN":
            return self.sequence(value[3], before)
        if op == "ATOMIC_GROUP":
            return self.sequence(value, before)
        if op == "BRANCH":
            return {shape for branch in value[1] for shape in self.sequence(branch, before)}
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            return self.repeat(before, value[0], value[1], self.sequence(value[2]))
        return self.join(before, _single(op, value))

    def join(self, left: set[_Shape], right: set[_Shape]) -> set[_Shape]:
        if len(left) * len(right) > _MAX_SHAPES:
            left, right = _forget_letters(left), _forget_letters(right)
        return {self._join(a, b) for a in left for b in right}

    def _join(self, a: _Shape, b: _Shape) -> _Shape:
        if not a.broken and not b.broken:
            return _Shape(_plus(a.head, b.head), False, _plus(a.tail, b.tail), False)
        if not a.broken:
            return _Shape(_plus(a.tail, b.head), b.found, b.tail, True)
        if not b.broken:
            return _Shape(a.head, a.found, _plus(a.tail, b.head), True)
        middle = _plus(a.tail, b.head)
        if middle and self.collect:
            self.seen.add(middle)
        if a.found or b.found or middle in self.wanted:
            # Once a word is found, the letters after it cannot change the answer: forgetting them
            # merges shapes that differ only there.
            return _Shape(a.head, True, None, True)
        return _Shape(a.head, False, b.tail, True)

    def repeat(self, before: set[_Shape], least: int, most: int, once: set[_Shape]) -> set[_Shape]:
        if least > _UNROLL:
            return self.join(before, {_UNKNOWN})
        shapes = before
        for _ in range(least):
            shapes = self.join(shapes, once)
        result, frontier, count = set(shapes), shapes, least
        while frontier and count < most:
            if count - least >= _UNROLL:
                return result | self.join(frontier, {_UNKNOWN})
            frontier = self.join(frontier, once) - result
            result |= frontier
            count += 1
        return result


def _single(op: str, value: Any) -> set[_Shape]:
    """The shapes of one item that is not a group or a repeat."""
    if op == "LITERAL":
        return {_char(chr(value))}
    if op == "IN":
        return _char_class(value)
    if op in ("NOT_LITERAL", "ANY"):
        return _any_char()
    if op == "AT":
        return {_EMPTY if str(value) == "AT_NON_BOUNDARY" else _BREAK}
    if op == "ASSERT_NOT" and _is_word_char(value[1]):
        return {_BREAK}  # (?<!\w) and (?!\w): the neighbouring character is no letter
    if op in ("ASSERT", "ASSERT_NOT"):
        return {_EMPTY}  # zero-width: costs nothing, proves nothing
    return {_UNKNOWN}  # back-references and anything newer


def _plus(a: str | None, b: str | None) -> str | None:
    return None if a is None or b is None else a + b


def _forget_letters(shapes: set[_Shape]) -> set[_Shape]:
    return {shape._replace(head=None, tail=None) if shape.broken else _UNKNOWN for shape in shapes}


def _char(char: str) -> _Shape:
    letter = char.translate(ASCII_FOLD).lower()
    return _Shape(letter, False, letter, False) if letter in _LETTERS else _BREAK


def _any_char() -> set[_Shape]:
    return {_SOME_LETTERS, _BREAK}


def _char_class(items: list[tuple[Any, Any]]) -> set[_Shape]:
    """A [...] class: which letters it can match, and whether it can match anything else."""
    letters: set[str] = set()
    other = False
    for op, value in items:
        kind = str(op)
        if kind == "NEGATE":
            return _any_char()
        if kind == "LITERAL":
            shape = _char(chr(value))
            if shape.broken:
                other = True
            else:
                letters.add(str(shape.head))
        elif kind == "RANGE":
            low, high = value
            for code in range(low, high + 1):
                shape = _char(chr(code))
                if shape.broken:
                    other = True
                else:
                    letters.add(str(shape.head))
        elif kind == "CATEGORY" and str(value) in ("CATEGORY_SPACE", "CATEGORY_DIGIT", "CATEGORY_NOT_WORD"):
            other = True
        else:
            return _any_char()  # \w, \S, \D and anything else: letters and more
    if len(letters) > _MAX_CLASS_LETTERS:
        return {_SOME_LETTERS} | ({_BREAK} if other else set())
    return {_Shape(letter, False, letter, False) for letter in letters} | ({_BREAK} if other else set())


def _is_word_char(items: list[tuple[Any, Any]]) -> bool:
    """Whether an assertion's pattern is exactly \\w (written as [\\w] or \\w)."""
    if len(items) != 1:
        return False
    op, value = items[0]
    if str(op) != "IN" or len(value) != 1:
        return False
    kind, category = value[0]
    return str(kind) == "CATEGORY" and str(category) == "CATEGORY_WORD"
