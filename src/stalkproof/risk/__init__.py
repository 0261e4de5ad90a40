"""Risk: helpline triage, the stalking risk screen, safety plans, and their history in the vault.

Everything here is guidance that supports a person's or an adviser's judgement. A concern level comes with
every reason behind it, so it can be checked, argued with and explained; it is never a bare score.
"""
