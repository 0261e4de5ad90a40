"""`stalkproof web` as a person starts it: one local link on stdout, 127.0.0.1 only, a clean Ctrl+C stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil


def test_web_prints_a_local_one_time_link_and_stops_cleanly(new_vault_path: Path) -> None:
    env = {**os.environ, "STALKPROOF_VAULT": str(new_vault_path)}
    env.pop("STALKPROOF_PASSPHRASE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "stalkproof.cli.main", "web", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        where = urlsplit(url)
        assert where.scheme == "http"
        assert where.hostname == "127.0.0.1"
        assert where.path == "/enter" and where.query.startswith("key=")
        listening = [
            connection.laddr
            for connection in psutil.Process(process.pid).net_connections(kind="tcp")
            if connection.status == psutil.CONN_LISTEN
        ]
        assert [address.ip for address in listening] == ["127.0.0.1"]
        with httpx.Client(follow_redirects=False) as client:
            assert client.get(url).status_code == 303
            assert client.get(f"http://127.0.0.1:{where.port}/").status_code == 200
            assert httpx.get(url, follow_redirects=False).status_code == 403  # used once
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
    assert code == 0, process.stderr.read() if process.stderr else ""
