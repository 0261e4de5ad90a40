"""Writes to a vault in a loop until it is killed: diary entries, exhibits and event batches.

Run by tests/test_crash.py, which kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from stalkproof.evidence.cases import current_case
from stalkproof.evidence.diary import add_entry, diary_draft
from stalkproof.evidence.events import EventDraft, add_events
from stalkproof.evidence.exhibits import add_exhibit
from stalkproof.evidence.time import parse_when
from stalkproof.vault.vault import Vault


def main() -> None:
    seed = int(sys.argv[1])
    rng = random.Random(seed)
    vault = Vault.unlock(
        Path(os.environ["STALKPROOF_VAULT"]),
        passphrase=os.environ["STALKPROOF_PASSPHRASE"],
        database_url=os.environ.get("STALKPROOF_DATABASE_URL"),
    )
    case = current_case(vault)
    scratch = Path(sys.argv[2])
    print("ready", flush=True)
    for step in range(10_000):
        choice = rng.random()
        if choice < 0.4:
            draft = diary_draft(
                parse_when(f"2026-03-{1 + step % 28:02d}T10:{step % 60:02d}"), f"entry {seed}/{step}"
            )
            add_entry(vault, case.id, draft)
        elif choice < 0.8:
            path = scratch / f"exhibit-{step}.bin"
            path.write_bytes(rng.randbytes(rng.randint(1_000, 400_000)))
            add_exhibit(vault, case.id, path)
        else:
            moment = parse_when("2026-03-01T09:00")
            with vault.write() as writer:
                add_events(writer, case.id, [EventDraft("message", moment, text=f"m{i}") for i in range(500)])
        if step % 5 == 4:
            vault.checkpoint()


if __name__ == "__main__":
    main()
