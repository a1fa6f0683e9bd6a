"""The parts of scripts/simulate.py: the demo branch's days to simulate (scenarios) and
the day replayed through the server's use cases (day)."""
