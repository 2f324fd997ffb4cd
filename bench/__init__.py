"""Benchmarks: each `bench/<name>.py` prints one JSON line `{"bench": "<name>", …figures}`."""
