"""The turn-assignment rules: plain Python, no Flask, no database."""
