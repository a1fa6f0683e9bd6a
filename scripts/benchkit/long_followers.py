"""The followers of the long part: forked client processes, each holding a raw Socket.IO
client per followed ticket (a ticket's token and the port of the server it connects to),
driven through a pipe: subscribe, follow another ticket, mark, wait until every follower
heard the call, last."""
from __future__ import annotations

import asyncio
import time
from collections import Counter

from .common import child_setup
from .fanout import ClientProcesses, RawSioClient, connect_all, pipe_commands


def _follower_main(conn, first_cid: int) -> None:
    child_setup()
    asyncio.run(_followers(conn, first_cid))


async def _followers(conn, first_cid: int) -> None:
    """One client process: a raw Socket.IO client per followed ticket, driven by the pipe."""
    clients: list[RawSioClient] = []
    last: dict[int, dict] = {}  # cid -> the last ticket.update it got
    since_mark: dict[int, float] = {}  # cid -> when its first update after the mark came
    token_of: dict[int, str] = {}
    expected: set[int] = set()  # the clients whose ticket was waiting at the mark: each must hear the call

    def on_event(cid: int, payload: dict, t: float) -> None:
        last[cid] = payload
        since_mark.setdefault(cid, t)

    commands = pipe_commands(conn)
    cid = first_cid
    try:
        while True:
            cmd = await commands.get()
            if cmd[0] == "follow":
                _, pairs, batch = cmd
                failed, errs = 0, Counter()
                for start in range(0, len(pairs), batch):
                    chunk = []
                    for token, port in pairs[start:start + batch]:
                        token_of[cid] = token
                        chunk.append(RawSioClient(cid, port, on_event, {"ticket": token}, "ticket.update"))
                        cid += 1
                    connected = await connect_all(chunk, errs)
                    failed += len(chunk) - len(connected)
                    clients += connected
                conn.send(("followed", sum(1 for c in clients if c.alive), failed, dict(errs.most_common(3))))
            elif cmd[0] == "refollow":
                # The followers of a ticket just called follow the one that joined at the
                # end instead: a line keeps its followers as people leave and come.
                _, old, new = cmd
                moved = [c for c in clients if token_of[c.cid] == old]
                fresh = []
                for c in moved:
                    clients.remove(c)
                    await c.close()
                    token_of[cid] = new
                    fresh.append(RawSioClient(cid, c.port, on_event, {"ticket": new}, "ticket.update"))
                    cid += 1
                errs = Counter()
                clients += await connect_all(fresh, errs)
                conn.send(("refollowed", len(moved), sum(errs.values())))
            elif cmd[0] == "mark":
                since_mark.clear()
                expected.clear()
                expected.update(c.cid for c in clients
                                if c.alive and (last.get(c.cid) or {}).get("status", "waiting") == "waiting")
                conn.send(("marked",))
            elif cmd[0] == "wait":
                _, t0, timeout = cmd
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if all(cid in since_mark for cid in expected):
                        break
                    await asyncio.sleep(0.002)
                conn.send(("waited", [since_mark[cid] - t0 for cid in expected if cid in since_mark], len(expected)))
            elif cmd[0] == "last":
                conn.send(("last", [(token_of[c.cid], last.get(c.cid)) for c in clients]))
            elif cmd[0] == "stop":
                break
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        try:
            conn.send(("stopped",))
        except OSError:
            pass


class Followers(ClientProcesses):
    """The follower processes of the long part."""

    def __init__(self, nprocs: int):
        super().__init__(_follower_main, nprocs)

    def follow(self, tokens: list[str], ports: list[int], batch: int) -> tuple[int, int, dict]:
        """Each process takes its share of the tokens and spreads it over the servers' ports in turn
        (with two servers, each process has half its clients on each) -> (subscribed, failed, errors)."""
        shares = [tokens[i::len(self.pipes)] for i in range(len(self.pipes))]
        shares = [[(tok, ports[k % len(ports)]) for k, tok in enumerate(share)] for share in shares]
        answers = self.ask_all([("follow", s, batch) for s in shares], 60 + 20 * (len(tokens) // batch + 1))
        errs = Counter()
        for a in answers:
            errs.update(a[3])
        return sum(a[1] for a in answers), sum(a[2] for a in answers), dict(errs)

    def refollow(self, old: str, new: str) -> int:
        """The clients following `old` follow `new` instead -> how many failed to."""
        return sum(a[2] for a in self.ask_all([("refollow", old, new)] * len(self.pipes), 60))

    def mark(self) -> None:
        self.ask_all([("mark",)] * len(self.pipes), 30)

    def wait(self, t0: float, timeout: float) -> tuple[list[float], int]:
        """Until every client whose ticket was waiting at the mark had an update ->
        (each one's delay after t0, how many were expected)."""
        answers = self.ask_all([("wait", t0, timeout)] * len(self.pipes), timeout + 30)
        return [t for a in answers for t in a[1]], sum(a[2] for a in answers)

    def last(self) -> list[tuple[str, dict | None]]:
        return [item for a in self.ask_all([("last",)] * len(self.pipes), 30) for item in a[1]]


__all__ = ["Followers"]
