"""Safety plans: the sections to fill in, reading a plan file, and keeping every version in the vault.

A plan is stored like any assessment (kind `safety_plan`), so it sits inside the encrypted vault, each
save is a new version that supersedes the last, and older versions stay readable.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.errors import InputError
from stalkproof.risk import emergency, store, yamlfile
from stalkproof.risk.emergency import check_placeholders
from stalkproof.vault.vault import Vault

PLAN_FILE = Path(__file__).with_name("safety-plan.yaml")

Entries = dict[str, list[str]]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Section(Strict):
    id: str
    title: str
    prompt: str
    hints: list[str]

    @field_validator("prompt", "hints")
    @classmethod
    def _known_placeholders(cls, value: str | list[str]) -> str | list[str]:
        for text in [value] if isinstance(value, str) else value:
            check_placeholders(text)
        return value

    def filled_hints(self, jurisdiction: str | None) -> list[str]:
        return [emergency.fill(hint, jurisdiction) for hint in self.hints]


class PlanTemplate(Strict):
    id: str
    version: str
    title: str
    intro: str
    reviewed: date
    reviewer: str
    licence: str
    source: list[Source] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)

    def section_ids(self) -> list[str]:
        return [section.id for section in self.sections]


@cache
def template() -> PlanTemplate:
    data, tree = read_yaml(PLAN_FILE)
    return validate(PlanTemplate, data, PLAN_FILE, tree)


def read_plan_file(path: Path, plan: PlanTemplate) -> Entries:
    """A plan from YAML: `section_id:` followed by one text or a list of texts."""
    fields = yamlfile.mapping_fields(yamlfile.compose(path), path, "a safety plan")
    entries: Entries = {}
    for field in fields:
        if field.key not in plan.section_ids():
            known = ", ".join(plan.section_ids())
            message = f"'{field.key}' is not a section of the plan; the sections are: {known}."
            raise InputError(message, path, field.line)
        entries[field.key] = _texts(field, path)
    return complete(entries, plan)


def _texts(field: yamlfile.Field, path: Path) -> list[str]:
    node = field.node
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    texts: list[str] = []
    for item in items:
        if not isinstance(item, yaml.ScalarNode):
            raise InputError(
                f"'{field.key}' should be a line of text, or a list of lines.", path, yamlfile.line(item)
            )
        text = (yamlfile.scalar_text(item) or "").strip()
        if text:
            texts.append(text)
    return texts


def complete(entries: Entries, plan: PlanTemplate) -> Entries:
    """Every section present, in the template's order; sections left out are empty."""
    return {section: list(entries.get(section, [])) for section in plan.section_ids()}


def save_plan(vault: Vault, case_id: str, entries: Entries, plan: PlanTemplate) -> store.StoredAssessment:
    if not any(entries.values()):
        raise InputError("The safety plan is empty, so nothing was saved; fill in at least one section.")
    result = {"template": plan.id, "template_version": plan.version, "sections": complete(entries, plan)}
    return store.save_assessment(vault, case_id, store.SAFETY_PLAN, result, plan.id, plan.version)


def entries_of(stored: store.StoredAssessment) -> Entries:
    sections: Entries = stored.result["sections"]
    return sections


def plan_json(stored: store.StoredAssessment, plan: PlanTemplate) -> dict[str, Any]:
    """The plan in the template's order (stored JSON has sorted keys); sections an older template had
    and this one lacks come last, so nothing saved is ever hidden."""
    entries = entries_of(stored)
    titles = {section.id: section.title for section in plan.sections}
    order = [*plan.section_ids(), *sorted(set(entries) - set(titles))]
    return {
        "id": stored.id,
        "version": stored.version,
        "created_at": stored.created_at,
        "supersedes": stored.supersedes,
        "sections": [
            {
                "id": section_id,
                "title": titles.get(section_id, section_id),
                "entries": entries.get(section_id, []),
            }
            for section_id in order
        ],
    }
