"""Indicator lists: Echap's stalkerware and watchware data (shipped, CC-BY 4.0), STIX2 files, and updates."""
