"""stalkproof: keep evidence of stalking and harassment safely, see the pattern, and get help."""

__version__ = "0.1.0"
