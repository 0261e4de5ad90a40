"""Digital stalking checks: location in photos and videos, phones, network, accounts, this computer."""
