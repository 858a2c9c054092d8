"""Which client a message belongs to, and which lane its card goes to."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vadesk.db.models import Client, ClientAddress, ClientContact, Lane
from vadesk.domain.mail import Mail
from vadesk.services.intake import IntakeRules
from vadesk.services.lanes import default_lane_id, lane_of_role

# Mail services many unrelated senders share: their domain says nothing about the client.
FREEMAIL = {
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "fastmail.com",
    "mail.com",
    "zoho.com",
}


@dataclass
class Routes:
    """What routing reads, loaded once per write transaction (a batch re-reads it in its own
    transaction, so nothing comes from an earlier read)."""

    addresses: dict[str, int]
    contacts: dict[str, set[int]]
    domains: dict[str, set[int]]
    slugs: dict[str, int]
    names: dict[int, str]
    """Active clients' names by id."""
    lanes: dict[str, int]
    """"routed" and "inbox" lane ids, filled when first needed."""

    @classmethod
    def load(cls, session: Session) -> Routes:
        active = {
            client_id: name
            for client_id, name in session.execute(
                select(Client.id, Client.name).where(Client.archived.is_(False))
            )
        }
        addresses = {
            address.lower(): client_id
            for address, client_id in session.execute(
                select(ClientAddress.address, ClientAddress.client_id)
            )
            if client_id in active
        }
        contacts: dict[str, set[int]] = {}
        domains: dict[str, set[int]] = {}
        for email, client_id in session.execute(
            select(ClientContact.email, ClientContact.client_id).where(ClientContact.email != "")
        ):
            if client_id not in active:
                continue
            email = email.strip().lower()
            contacts.setdefault(email, set()).add(client_id)
            domains.setdefault(email.rpartition("@")[2], set()).add(client_id)
        slugs = {_slug(name): client_id for client_id, name in active.items()}
        return cls(addresses, contacts, domains, slugs, active, {})

    def route(self, mail: Mail) -> int | None:
        """The client a message belongs to: by the address it was sent to (plus-addresses
        too), then by its sender among the clients' contacts and addresses; None: nobody's."""
        for recipient in mail.recipients:
            for address in (recipient, _without_tag(recipient)):
                if address in self.addresses:
                    return self.addresses[address]
        for recipient in mail.recipients:
            tag = _tag(recipient)
            if tag and _slug(tag) in self.slugs:
                return self.slugs[_slug(tag)]
        if not mail.sender:
            return None
        by_sender = set(self.contacts.get(mail.sender, set()))
        if mail.sender in self.addresses:
            by_sender.add(self.addresses[mail.sender])
        if by_sender:  # a sender working for several clients: the VA decides
            return by_sender.pop() if len(by_sender) == 1 else None
        domain = mail.sender.rpartition("@")[2]
        by_domain = self.domains.get(domain, set())
        if domain in FREEMAIL or len(by_domain) != 1:
            return None
        return next(iter(by_domain))

    def lane(self, session: Session, routed: bool, rules: IntakeRules) -> int:
        which = "routed" if routed else "inbox"
        if which not in self.lanes:
            self.lanes[which] = routed_lane(session, rules) if routed else inbox_lane(session)
        return self.lanes[which]


def _tag(address: str) -> str:
    local = address.partition("@")[0]
    return local.partition("+")[2] if "+" in local else ""


def _without_tag(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local.partition('+')[0]}@{domain}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def routed_lane(session: Session, rules: IntakeRules) -> int:
    if rules.lane is not None:
        lane_id = session.scalar(
            select(Lane.id).where(func.lower(Lane.name) == rules.lane.strip().lower())
        )
        if lane_id is not None:
            return lane_id
    return default_lane_id(session)


def inbox_lane(session: Session) -> int:
    """The Inbox lane (role "inbox"), made leftmost if the board has none."""
    lane = lane_of_role(session, "inbox")
    if lane is not None:
        return lane.id
    named = session.scalar(select(Lane).where(func.lower(Lane.name) == "inbox"))
    if named is not None:
        named.role = "inbox"
        return named.id
    for other in session.scalars(select(Lane)):
        other.position += 1
    lane = Lane(name="Inbox", position=0, role="inbox")
    session.add(lane)
    session.flush()
    return lane.id


# ---------------------------------------------------------------- attachments
