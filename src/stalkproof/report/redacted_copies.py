"""The "Redacted copies" section of the pack: for each redacted copy the pack holds, what was hidden and
which original it was made from, so a reader can see the copy is a copy and ask for the original.

Everything comes from the copy's own record: redaction writes the original's reference and SHA-256 into
the capture method, and what was hidden and why into the description (see evidence/redaction.py). A record
that does not say (edited by hand, or made by an older version) is shown as "not recorded", never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from stalkproof.evidence.redaction import redaction_source
from stalkproof.report.exhibit_entries import ExhibitEntry

# The description redaction writes: "Redacted copy of EX-001: text characters 1-5, 9-12 hidden. Reason: …"
_DESCRIPTION = re.compile(
    r"^Redacted copy of .+?: (?P<what>(?:text|areas) .+?) hidden\. Reason: (?P<why>.+)$", re.S
)


@dataclass(frozen=True)
class RedactedCopy:
    ref: str
    sha256: str
    pack_path: str
    original_ref: str
    original_sha256: str
    original_in_pack: bool
    hidden: str | None  # e.g. "2 passages of text (characters 11-26, 33-45)"; None when not recorded
    reason: str | None


def redacted_copies(exhibits: Sequence[ExhibitEntry]) -> tuple[RedactedCopy, ...]:
    """The redacted copies among the pack's exhibits, in the exhibit list's order."""
    packed = {entry.sha256 for entry in exhibits}
    copies = []
    for entry in exhibits:
        source = redaction_source(entry.capture_method)
        if source is None:
            continue
        found = _DESCRIPTION.match(entry.description or "")
        copies.append(
            RedactedCopy(
                ref=entry.ref,
                sha256=entry.sha256,
                pack_path=entry.pack_path,
                original_ref=source.ref,
                original_sha256=source.sha256,
                original_in_pack=source.sha256 in packed,
                hidden=hidden_words(found.group("what")) if found else None,
                reason=found.group("why").strip() if found else None,
            )
        )
    return tuple(copies)


def hidden_words(what: str) -> str:
    """How much was hidden, counted, with the stored detail: "text characters 1-5, 9-12" becomes "2
    passages of text (characters 1-5, 9-12)"; "areas x 1, y 2, 3x4 pixels" becomes "1 area of the image
    (x 1, y 2, 3x4 pixels)"."""
    kind, _, detail = what.partition(" ")
    if kind == "text":
        count = len(detail.split(", "))
        noun = "passage of text" if count == 1 else "passages of text"
    else:
        count = len(detail.split("; "))
        noun = "area of the image" if count == 1 else "areas of the image"
    return f"{count} {noun} ({detail})"
