"""Explained rule flags: which words in a message or diary note matter, and why.

Rules are reviewed YAML data, one folder per language (`flags/<language>/`), one file per label family.
`Flagger.load()` compiles them once; `Flagger.flags(text, author=...)` returns `Flag`s, each with a label,
a kind, a score, a plain reason naming what was matched, the rule id and the span in the text.
"""

from stalkproof.analysis.flags.engine import Flag, Flagger

__all__ = ["Flag", "Flagger"]
