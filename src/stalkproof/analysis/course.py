"""The course-of-conduct analysis of a case: every measure, put together once.

`analyse` is pure over `CaseEvents`; `analyse_case` reads the vault. The CLI, the web app, the risk
screening and the evidence pack all use the same `Analysis`, so they always tell the same story.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis import rates
from stalkproof.analysis.account_use import AccountUse, account_use
from stalkproof.analysis.after_stop import AfterStop, after_stop
from stalkproof.analysis.behaviour_map import BehaviourCount, behaviour_counts, behaviours_json
from stalkproof.analysis.bursts import Burst, BurstSummary, bursts, summarise
from stalkproof.analysis.channels import Channels, channels
from stalkproof.analysis.escalation import Escalation, escalation
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.four import Indicator, Measures, four
from stalkproof.analysis.impersonation import Impersonation, impersonation
from stalkproof.analysis.load import VICTIM, CaseEvents, load_case
from stalkproof.analysis.persistence import Persistence, persistence
from stalkproof.analysis.replies import Replies, replies
from stalkproof.analysis.rhythm import Rhythm, profile
from stalkproof.analysis.settings import default_settings
from stalkproof.analysis.together import Together, together
from stalkproof.vault.vault import Vault

Mask = npt.NDArray[np.bool_]
BURSTS_SHOWN = 20
NOT_LEGAL_ADVICE = (
    "This analysis counts and sorts what is stored in this case. It is information to help you tell what "
    "happened, not a legal finding or a measure of danger. If you are in danger now, call the emergency "
    "number (999 in the UK, 112 in the EU, 911 in the US)."
)


@dataclass(frozen=True)
class Analysis:
    case: CaseEvents
    conduct: Mask  # the events analysed: what the suspects did
    scope: str  # "suspects" or "all_but_you" (when no suspect is named yet)
    weekly: rates.Counts
    daily: rates.Counts
    trend: rates.Trend
    escalation: Escalation
    rhythm: Rhythm
    bursts: list[Burst]
    burst_summary: BurstSummary
    persistence: Persistence
    after_stop: AfterStop
    channels: Channels
    accounts: AccountUse
    together: Together
    impersonation: Impersonation
    replies: Replies
    four: list[Indicator]
    behaviours: list[BehaviourCount]
    flag_counts: dict[str, int]  # label -> events of the suspects' conduct with it

    @property
    def persistence_days(self) -> float:
        return self.persistence.duration_days

    def unmarked_events(self) -> int:
        """Events from accounts attributed to no one (not the person's own), which the analysis leaves out
        while there are suspects."""
        if self.scope != "suspects":
            return 0
        case = self.case
        unmarked = [i for i, account in enumerate(case.accounts) if account.party_id is None]
        own = case.author_is(VICTIM)
        return int((np.isin(case.account, unmarked) & ~own).sum()) if unmarked else 0

    def summary(self) -> list[str]:
        """The picture in a few plain sentences, most important first."""
        lines = [self._scope_sentence(), self.weekly.describe(), self.escalation.describe()]
        lines.append(self.after_stop.describe(self.case))
        if self.flag_counts:
            shown = ", ".join(
                f"{label.replace('_', ' ')} ({count})" for label, count in self.flag_counts.items()
            )
            lines.append(f"Flagged events: {shown}. Each flag shows the words behind it.")
        lines += [self.rhythm.describe(), self.persistence.describe(), self.channels.describe()]
        if self.together.several:
            lines.append(self.together.describe())
        unmarked = self.unmarked_events()
        if unmarked:
            lines.append(
                f"{unmarked:,} events came from accounts nobody is marked for yet, so they are not counted "
                "above. 'stalkproof party accounts' lists them; 'stalkproof party link' says whose they are."
            )
        shown_four = [item.name for item in self.four if item.shown]
        if shown_four:
            lines.append(f"Warning signs (FOUR) the evidence shows: {', '.join(shown_four)}.")
        return lines

    def _scope_sentence(self) -> str:
        count = int(self.conduct.sum())
        if self.scope == "suspects":
            names = ", ".join(person.name for person in self.case.suspects())
            return f"This looks at {count:,} events by or about {names}."
        return (
            f"Nobody is marked as a suspect yet, so this looks at everything not sent by you ({count:,} "
            "events). Mark who is doing this with 'stalkproof party add NAME --role suspect --account …'."
        )

    def to_json(self) -> dict[str, Any]:
        case = self.case
        return {
            "summary": self.summary(),
            "disclaimer": NOT_LEGAL_ADVICE,
            "scope": self.scope,
            "events": int(self.conduct.sum()),
            "rates": {
                "weekly": self.weekly.to_json(),
                "daily": self.daily.to_json(),
                "trend": self.trend.to_json(),
            },
            "escalation": self.escalation.to_json(),
            "time_of_day": self.rhythm.to_json(),
            "channels": self.channels.to_json(case),
            "accounts": self.accounts.to_json(case),
            "four": [item.to_json() for item in self.four],
            "behaviours": behaviours_json(case, self.behaviours),
            "bursts": {
                **self.burst_summary.to_json(),
                "list": [burst.to_json() for burst in self.bursts[:BURSTS_SHOWN]],
            },
            "persistence": self.persistence.to_json(),
            "after_stop": self.after_stop.to_json(case),
            "together": self.together.to_json(),
            "impersonation": self.impersonation.to_json(case),
            "unanswered": self.replies.to_json(),
            "flags": self.flag_counts,
            "unmarked_events": self.unmarked_events(),
            "flag_rules_version": case.flag_rules_version,
        }


def conduct_of(case: CaseEvents) -> tuple[Mask, str]:
    """The suspects' events; while nobody is marked as a suspect, everything the person did not send."""
    if case.suspects():
        return case.by_suspects(), "suspects"
    return ~case.author_is(VICTIM) & ~case.is_kind("system"), "all_but_you"


def analyse(case: CaseEvents, now: float | None = None) -> Analysis:
    conduct, scope = conduct_of(case)
    series = case.series(conduct)
    timed = case.series(conduct, timed_only=True)
    weekly = rates.counts(series, "week")
    found_bursts = bursts(timed)
    lasting = persistence(series)
    rhythm = profile(timed)
    stop = after_stop(case, conduct)
    answered = replies(case, conduct, case.author_is(VICTIM))
    measures = Measures(
        events=len(series),
        occasions=lasting.active_days,
        duration_days=lasting.duration_days,
        active_weeks=lasting.weeks_with_contact,
        busiest_day=int(rates.counts(series, "day").counts.max()) if len(series) else 0,
        bursts=len(found_bursts),
        # A share of two or three messages says nothing: below the minimum it is left out of FOUR.
        night_share=rhythm.night_share
        if rhythm.total >= default_settings().conduct.night_share_min_events
        else None,
        contacts_after_stop=stop.contacts_after_first,
        stop_found=stop.first is not None,
        unanswered=answered.unanswered,
        contacts=answered.contacts,
    )
    return Analysis(
        case=case,
        conduct=conduct,
        scope=scope,
        weekly=weekly,
        daily=rates.counts(series, "day"),
        trend=rates.trend(weekly),
        escalation=escalation(series, now=now),
        rhythm=rhythm,
        bursts=found_bursts,
        burst_summary=summarise(found_bursts, len(timed)),
        persistence=lasting,
        after_stop=stop,
        channels=channels(case, conduct),
        accounts=account_use(case, conduct),
        together=together(case, conduct),
        impersonation=impersonation(case),
        replies=answered,
        four=four(measures),
        behaviours=behaviour_counts(case, conduct),
        flag_counts=_flag_counts(case, conduct),
    )


def analyse_case(
    vault: Vault,
    case_id: str,
    now: float | None = None,
    flagger: Flagger | None = None,
    entries: Collection[str] | None = None,
) -> Analysis:
    """The analysis of the case's events, or of the entries named in `entries` only (by entry id)."""
    with vault.read() as connection:
        case = load_case(connection, case_id, flagger, entries)
    return analyse(case, now)


def _flag_counts(case: CaseEvents, conduct: Mask) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for item in case.flagged:
        if conduct[item.index]:
            counts.update({flag.label for flag in item.flags})
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))
