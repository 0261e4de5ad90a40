"""Renderers that write synthetic conversations in each app's export format, for the demo case, the
tests (round trips) and the benchmarks. The people and messages are fictional."""
