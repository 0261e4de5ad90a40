"""The evidence pack: a court-ready PDF and a signed bundle anyone can verify with standard tools."""
