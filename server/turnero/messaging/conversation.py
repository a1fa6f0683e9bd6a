"""One message or call from one phone to one branch, inside one unit of work: who
the customer is (their phone number), the ticket they hold (the latest active one of
that number today at the branch, whatever channel took it), taking a turn for them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..access.services import ANONYMOUS
from ..customers import find_customer
from ..models import Branch, Customer, Service, Ticket
from ..queue import services as queue
from ..queue.read_models import TicketView
from ..queue.rules import ACTIVE, PHONE_CHANNELS, local_day
from . import texts
from .rules import match_service
from .settings import settings

@dataclass
class Outcome:
    reply: str = ""
    ticket_seq: int | None = None
    data: dict | None = None
    spoken: list[str] = field(default_factory=list)


class Conversation:
    """One message or call from one phone to one branch, inside one unit of work."""

    def __init__(self, app, uow, branch: Branch, phone: str | None, channel: str, lang: str):
        self.app, self.uow, self.session = app, uow, uow.session
        self.branch, self.phone, self.channel, self.lang = branch, phone, channel, lang
        self.cfg = settings(app)

    # ------------------------------------------------------------ lookups

    def today(self):
        return local_day(clock.utcnow(), self.branch.timezone)

    def customer(self) -> Customer | None:
        return find_customer(self.session, self.phone) if self.phone is not None else None

    def current_ticket(self, own: bool = False) -> Ticket | None:
        """The latest active ticket of this phone today at the branch: any channel's, or
        with `own` one this number took itself (by text or call). A number typed on a
        page or at a kiosk may be a stranger's: such a ticket never stops its owner from
        taking a turn, and is cancelled by text only after a yes."""
        tickets = self.active_tickets()
        if own:
            tickets = [t for t in tickets if t.channel in PHONE_CHANNELS]
        return tickets[0] if tickets else None

    def active_tickets(self) -> list[Ticket]:
        """This phone's active tickets today at the branch, the latest first."""
        if self.phone is None:
            return []
        return list(self.session.scalars(
            select(Ticket).join(Customer, Customer.id == Ticket.customer_id)
            .where(Customer.phone == self.phone, Ticket.branch_id == self.branch.id,
                   Ticket.day == self.today(), Ticket.status.in_(ACTIVE))
            .order_by(Ticket.seq.desc())))

    def services(self) -> list[Service]:
        return list(self.session.scalars(select(Service).where(
            Service.branch_id == self.branch.id, Service.active).order_by(Service.prefix)))

    def joins_last_hour(self) -> int:
        if self.phone is None:
            return 0
        return self.session.scalar(
            select(func.count()).select_from(Ticket).join(Customer, Customer.id == Ticket.customer_id)
            .where(Customer.phone == self.phone, Ticket.channel.in_(PHONE_CHANNELS),
                   Ticket.created_at >= clock.utcnow() - timedelta(hours=1)))

    # ------------------------------------------------------------ shared steps

    def pick_service(self, asked: str, services: list[Service], menu: Callable[[list[str]], str],
                     key: str) -> Service | Outcome:
        """The service a text named (or the only one), else the numbered `menu` of
        `services` as the answer, its slugs kept under `key` for the digit that follows."""
        if asked:
            chosen = match_service(asked, services)
            if chosen is not None:
                return chosen
        elif len(services) == 1:
            return services[0]
        options = menu([s.name(self.lang) for s in services])
        if asked:
            options = texts.unknown_service(asked.lower()) + " " + options
        return Outcome(options, data={key: [s.slug for s in services]})

    def take(self, service: Service) -> TicketView:
        return queue.take_ticket(self.uow, self.branch.slug, service=service.slug, actor=ANONYMOUS,
                                 phone=self.phone, lang=self.lang, via=self.channel).ticket

    def known_customer(self) -> Customer:
        """The number's customer, registered now if it is new."""
        customer = self.customer()
        if customer is None:
            customer = Customer(phone=self.phone, lang=self.lang, opted_out=False)
            self.session.add(customer)
            try:
                with self.session.begin_nested():
                    self.session.flush()
            except IntegrityError:  # the same phone was registered a moment ago
                customer = self.customer()
        return customer

    def set_opt_out(self, value: bool) -> None:
        self.known_customer().opted_out = value
