"""Customers are their phone numbers: the one phone normaliser (every channel turns
numbers into E.164 here) and the customer record of a number."""
from __future__ import annotations

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import N_, Invalid
from .models import Customer


def normalize_phone(raw: str, country: str, field: str = "phone") -> str:
    """`55 1234 5678` at a Mexican branch -> `+525512345678`; Invalid if not a phone."""
    text = (raw or "").strip()
    if text.lower().startswith("whatsapp:"):
        text = text.split(":", 1)[1]
    try:
        number = phonenumbers.parse(text, country.upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid(N_("Not a valid phone number."), errors={field: [N_("Not a valid phone number.")]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_customer(session: Session, phone: str) -> Customer | None:
    """The customer of an E.164 number, if it is known."""
    return session.scalar(select(Customer).where(Customer.phone == phone))


def customer_for(session: Session, raw_phone: str, country: str, name: str | None, lang: str, *,
                 proven: bool = False) -> Customer:
    """The customer of a phone typed at a branch of `country`, created when new. Only a
    `proven` number (the customer wrote or called from it) updates their language, and
    their name when given: a number typed on a page may be someone else's."""
    phone = normalize_phone(raw_phone, country)
    customer = find_customer(session, phone)
    if customer is None:
        customer = Customer(phone=phone, name=name or None, lang=lang)
        session.add(customer)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:  # the same phone registered by another branch just now
            customer = find_customer(session, phone)
    elif proven:
        customer.lang = lang
        if name:
            customer.name = name
    return customer
