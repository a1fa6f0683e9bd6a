"""The demo staff of `turnero demo` (CONTRACT.md): `admin` (administrator) and
`agente` (agent at `centro`)."""
from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access.services import hash_password, new_secret
from ..models import Branch, User

DEMO_USERS = (("admin", "admin", None), ("agente", "agent", "centro"))


def load_demo_users(session: Session, password: str | None = None) -> str | None:
    """Create the demo users if missing; an explicit `password` also resets theirs.

    Returns the password when it was generated here (None when given, or when the
    users already existed and kept theirs)."""
    generated = None
    if password is None:
        password = generated = new_secret(9)
    created_any = False
    for username, role, branch_slug in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            branch_id = session.scalar(select(Branch.id).where(Branch.slug == branch_slug)) if branch_slug else None
            session.add(User(username=username, role=role, branch_id=branch_id, password_hash=hash_password(password)))
            created_any = True
        elif not generated:
            user.password_hash = hash_password(password)
    session.flush()
    return generated if created_any else None
