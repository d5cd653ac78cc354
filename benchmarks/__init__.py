"""Benchmarks: scripts run one at a time (`python benchmarks/NAME.py`), and what they share."""
