"""Nothing leaves the machine: the whole demo runs with every network connection refused."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSPHRASE
from stalkproof.cli.main import main


def test_demo_makes_no_network_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    attempts: list[Any] = []

    def refuse(_self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network use is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    monkeypatch.delenv("STALKPROOF_DATABASE_URL", raising=False)
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", PASSPHRASE)
    assert main(["demo", "--out", str(tmp_path / "demo"), "--json"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("STALKPROOF_VAULT", str(tmp_path / "demo" / "vault"))
    assert main(["verify"]) == 0
    assert attempts == []
