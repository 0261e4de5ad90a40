"""Phone checks: `check_device` reads an Android acquisition (or hands an iOS backup to the iOS reader)
and reports what it found, what it could not check, and the next safe step."""

from stalkproof.digital.phone.check import check_device, write_alerts_json

__all__ = ["check_device", "write_alerts_json"]
