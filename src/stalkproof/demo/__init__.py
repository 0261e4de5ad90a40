"""A fictional case, built end to end, to show what stalkproof does without touching real evidence."""
