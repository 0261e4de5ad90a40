"""Crash consistency: a writer killed with SIGKILL at random moments never leaves the vault inconsistent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from conftest import VaultSetup
from stalkproof.vault.schema import blobs, exhibits
from stalkproof.vault.verify import verify_vault

KILLS = int(os.environ.get("STALKPROOF_CRASH_KILLS", "50"))
WORKER = Path(__file__).with_name("crash_worker.py")


def start_worker(setup: VaultSetup, seed: int) -> subprocess.Popen[str]:
    env = os.environ | setup.env()
    # The worker is killed without warning, so its scratch files go where pytest cleans up, not /tmp.
    scratch = setup.path.parent / f"worker-{seed}"
    scratch.mkdir()
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), str(seed), str(scratch)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    line = worker.stdout.readline()
    assert line.strip() == "ready", (
        f"worker failed to start: {line} {worker.stderr.read() if worker.stderr else ''}"
    )
    return worker


def assert_consistent(setup: VaultSetup) -> dict[str, int]:
    with setup.open() as vault:
        report = verify_vault(vault)
        assert report.ok, [vars(problem) for problem in report.problems]
        with vault.read() as connection:
            recorded = set(connection.execute(select(blobs.c.storage_name)).scalars())
            exhibit_blobs = set(connection.execute(select(exhibits.c.blob_id)).scalars())
            blob_ids = set(connection.execute(select(blobs.c.id)).scalars())
        assert vault.store.stored_names() == recorded, "orphan or missing blob files"
        assert list(vault.store.staging.iterdir()) == [], "staging was not settled"
        assert exhibit_blobs <= blob_ids
        return report.counts


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_a_consistent_vault(case_setup: VaultSetup, cli: Any) -> None:
    rng = random.Random(20261124)
    growth = []
    for attempt in range(KILLS):
        worker = start_worker(case_setup, attempt)
        time.sleep(rng.uniform(0.0, 0.4))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        if worker.stdout:
            worker.stdout.close()
        if worker.stderr:
            worker.stderr.close()
        growth.append(assert_consistent(case_setup)["ledger_entries"])
    assert growth[-1] > growth[0], "the workers should have written something before being killed"
    assert cli("diary", "add", "--when", "2026-04-01", "--what", "after the crashes").code == 0
    assert cli("verify", "--json").json()["ok"] is True
