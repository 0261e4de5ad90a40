"""The analysis's own reviewed data files load, and what they name exists."""

from __future__ import annotations

from stalkproof.analysis.blocks import BlockFinder
from stalkproof.analysis.four import rules
from stalkproof.evidence.vocabulary import behaviours
from stalkproof.risk.evidence_signals import signal_map
from stalkproof.risk.instrument import default_instrument


def test_block_rules_load_with_sources() -> None:
    finder = BlockFinder.load()
    assert finder.rules.source and finder.rules.reviewed
    assert len({rule.id for rule in finder.rules.blocked}) == len(finder.rules.blocked)


def test_four_rules_load_with_the_four_signs_in_order() -> None:
    found = rules().indicators
    assert [found.fixated.name, found.obsessive.name, found.unwanted.name, found.repeated.name] == [
        "Fixated",
        "Obsessive",
        "Unwanted",
        "Repeated",
    ]


def test_every_signal_topic_is_a_screening_topic_and_every_code_is_known() -> None:
    mapping = signal_map()
    topics = {item.topic for item in default_instrument().items}
    used = {*mapping.flags.values(), *mapping.behaviours.values(), *mapping.measures.model_dump().values()}
    assert used <= topics, used - topics
    assert set(mapping.behaviours) <= set(behaviours())
