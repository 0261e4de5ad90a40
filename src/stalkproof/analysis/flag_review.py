"""Confirming or dismissing a flag, as the web app and `stalkproof flags review` do it.

The flag is worked out again from the stored text before the review is kept, so a review is always about
a flag the rules really raise on that event, and it records which version of the event it read.
"""

from __future__ import annotations

from stalkproof.analysis.event_flags import flags_for_rows
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.errors import InputError
from stalkproof.evidence.events import timeline_rows_of
from stalkproof.evidence.flag_reviews import FlaggedOn, FlagReview, store_review
from stalkproof.evidence.ids import find_by_prefix
from stalkproof.vault.schema import events
from stalkproof.vault.vault import Vault


def review_flag(
    vault: Vault,
    case_id: str,
    event_id: str,
    label: str,
    decision: str,
    note: str | None = None,
    flagger: Flagger | None = None,
) -> FlagReview:
    """Keep the person's decision on the flag `label` of the event `event_id` (its id, or the start of
    it). The event itself is not changed."""
    flagger = flagger or Flagger.load()
    if label not in flagger.labels():
        raise InputError(f"'{label}' is not a flag. Flags are: {', '.join(flagger.labels())}.")
    with vault.write() as writer:
        connection = writer.connection
        entry_id = find_by_prefix(
            connection, events.c.entry_id, event_id, "event", (events.c.case_id == case_id,)
        )
        rows = timeline_rows_of(connection, case_id, [entry_id])
        if not rows:
            raise InputError(
                "That event has been removed from the timeline, so its flags cannot be reviewed."
            )
        row = rows[0]
        (found,) = flags_for_rows(rows, WhoIsWho.of_case(connection, case_id), flagger)
        matching = [flag for flag in found if flag.label == label]
        if not matching:
            raise InputError(f"The rules do not flag that event as '{label}', so there is nothing to review.")
        flag = matching[0]
        flagged = FlaggedOn(
            event_id=entry_id,
            event_row_id=row["id"],
            event_version=row["version"],
            label=label,
            rule=flag.rule,
            reason=flag.reason,
            rules_version=flagger.rules_version,
        )
        return store_review(writer, case_id, flagged, decision, note)
