"""The evidence domain: cases, parties and their accounts, sources, events, exhibits, assessments."""
