"""Course-of-conduct analysis: what the suspect's accounts did over time, how it changed, and which events
matter, each with its reason. Reads the vault (through `load`), never writes evidence."""
