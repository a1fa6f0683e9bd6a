"""The parts of scripts/bench.py: shared helpers and servers (common), ticket issuing on SQLite,
PostgreSQL and two servers with Redis (issuing), Socket.IO fan-out (fanout)."""
