"""What the reports keep besides the log: the figures of each closed day.

A `ReportDay` is a cache of the ticket log, never a second truth: the tallies of one
branch's day grouped one way (`figures.Tally.state()` per group), written the first
time a report reads the day once it is closed (two days after, in every time zone),
and deleted in the same transaction as any later change to one of that day's tickets
(a rating that comes late, a correction), so the next report counts the day again.
A year is then read from about 300 rows instead of 300,000 tickets and a million
events."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, UTCDateTime, utcnow


class ReportDay(Base):
    __tablename__ = "report_days"
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    by: Mapped[str] = mapped_column(String(8), primary_key=True)  # figures.BY
    groups: Mapped[list] = mapped_column(JSON)  # [[key, Tally.state()], ...]
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
