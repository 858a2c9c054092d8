"""Clients: who the cards, time and vault items belong to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vadesk.db.models import Client, ClientAddress, ClientTurnaround
from vadesk.domain.clock import utcnow
from vadesk.domain.ranking import rank_between
from vadesk.domain.text import clean_title, display
from vadesk.domain.turnaround import Turnaround
from vadesk.errors import InvalidInputError, NotFoundError

# Distinct, readable on dark and light terminals; assigned round-robin.
PALETTE = ("#4fc1ff", "#f78c6c", "#c3e88d", "#c792ea", "#ffcb6b", "#89ddff", "#ff5370", "#82aaff")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ClientRow:
    id: int
    name: str
    currency: str
    colour: str
    emails: tuple[str, ...]
    turnaround: Turnaround


def _row(client: Client, emails: tuple[str, ...]) -> ClientRow:
    return ClientRow(
        id=client.id,
        name=client.name,
        currency=client.currency,
        colour=client.colour,
        emails=emails,
        turnaround=Turnaround(client.turnaround_admin_hours, client.turnaround_creative_hours),
    )


def add_client(
    session: Session,
    name: str,
    *,
    emails: tuple[str, ...] = (),
    currency: str = "EUR",
    now: datetime | None = None,
) -> ClientRow:
    name = clean_title(name, 200)
    if not name:
        raise InvalidInputError("A client needs a name.")
    currency = currency.upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise InvalidInputError(f"Currency {currency!r} is not an ISO 4217 code like EUR or USD.")
    if session.scalar(select(Client.id).where(func.lower(Client.name) == name.lower())):
        raise InvalidInputError(f"A client named {name!r} already exists.")
    clean_emails = tuple(email.strip().lower() for email in emails)
    for email in clean_emails:
        if not _EMAIL.match(email):
            raise InvalidInputError(f"{email!r} is not an email address.")
        if session.scalar(select(ClientAddress.id).where(ClientAddress.address == email)):
            raise InvalidInputError(f"{email} already routes to another client.")
    count = session.scalar(select(func.count(Client.id))) or 0
    last_rank = session.scalar(select(func.max(Client.rank)))
    client = Client(
        name=name,
        currency=currency,
        colour=PALETTE[count % len(PALETTE)],
        created_at=now or utcnow(),
        rank=rank_between(last_rank, None),
    )
    session.add(client)
    session.flush()
    session.add_all(
        [
            ClientTurnaround(client_id=client.id, kind="admin", hours=24),
            ClientTurnaround(client_id=client.id, kind="creative", hours=48),
        ]
    )
    session.add_all(ClientAddress(client_id=client.id, address=email) for email in clean_emails)
    session.flush()
    return _row(client, clean_emails)


def list_clients(session: Session) -> list[ClientRow]:
    clients = session.scalars(
        select(Client).where(Client.archived.is_(False)).order_by(func.lower(Client.name))
    ).all()
    emails: dict[int, list[str]] = {}
    for client_id, address in session.execute(
        select(ClientAddress.client_id, ClientAddress.address).order_by(ClientAddress.id)
    ):
        emails.setdefault(client_id, []).append(address)
    return [_row(c, tuple(emails.get(c.id, ()))) for c in clients]


def client_by_name(session: Session, name: str) -> ClientRow:
    client = session.scalar(select(Client).where(func.lower(Client.name) == name.strip().lower()))
    if client is None:
        known = ", ".join(display(c.name) for c in list_clients(session)) or "none yet"
        raise NotFoundError(
            f"No client named {name!r} (clients: {known}); add it with `vadesk client add`."
        )
    emails = session.scalars(
        select(ClientAddress.address).where(ClientAddress.client_id == client.id)
    ).all()
    return _row(client, tuple(emails))
