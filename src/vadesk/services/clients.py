"""Clients: who the cards, time and vault items belong to, their profiles and their order.

The VA keeps clients in a priority order (most important first): each client has a rank
string (fractional indexing, like cards), so a move writes one row. Archiving hides a
client's cards and vault items from the board and lists; nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vadesk.db.models import Client, ClientAddress, ClientContact, ClientRate, ClientTurnaround
from vadesk.domain import client_rules as rules
from vadesk.domain.clock import utcnow
from vadesk.domain.ranking import initial_ranks, rank_between
from vadesk.domain.text import display
from vadesk.domain.turnaround import Turnaround
from vadesk.errors import InvalidInputError, NotFoundError

# Distinct, readable on dark and light terminals; assigned round-robin.
PALETTE = ("#4fc1ff", "#f78c6c", "#c3e88d", "#c792ea", "#ffcb6b", "#89ddff", "#ff5370", "#82aaff")
DEFAULT_TURNAROUND: dict[str, int | None] = {"admin": 24, "creative": 48}
"""What a new client is promised unless told otherwise."""


@dataclass(frozen=True)
class ClientRow:
    id: int
    name: str
    currency: str
    colour: str
    emails: tuple[str, ...]
    turnaround: Turnaround


@dataclass(frozen=True)
class Contact:
    """A person at a client: ``email`` lower-cased, ``phone`` in E.164; "" when not known."""

    name: str
    email: str = ""
    phone: str = ""
    role: str = ""


@dataclass(frozen=True)
class ClientProfile:
    """Everything vadesk knows about a client, as plain values."""

    id: int
    name: str
    company: str
    emails: tuple[str, ...]
    """Intake addresses: mail to these becomes this client's cards."""
    contacts: tuple[Contact, ...]
    timezone: str
    """IANA zone; "" means the VA's own."""
    working_hours: dict[str, Any]
    """{"days": ["mon", ...], "hours": "09:00-17:00"}; either key missing when not known."""
    channel: str
    onboarding: dict[str, str]
    """Onboarding question -> the client's answer."""
    nda_signed_on: date | None
    nda_note: str
    contract_start: date | None
    contract_end: date | None
    agreed_minutes: int | None
    agreed_period: str
    currency: str
    default_rate_minor: int
    rates: dict[str, int]
    rounding_minutes: int
    rounding_scope: str
    minimum_charge_minutes: int
    discount_percent: int
    turnaround: dict[str, int | None]
    """Hours promised per kind of task; None: no promise for that kind."""
    turnaround_mode: str
    colour: str
    archived: bool
    rank: str

    def as_json(self) -> dict[str, Any]:
        """The profile as `vadesk client ... --json` prints it (dates as ISO text)."""

        def day(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "name": self.name,
            "company": self.company,
            "currency": self.currency,
            "emails": list(self.emails),
            "contacts": [
                {"name": c.name, "email": c.email, "phone": c.phone, "role": c.role}
                for c in self.contacts
            ],
            "timezone": self.timezone,
            "working_hours": dict(self.working_hours),
            "channel": self.channel,
            "onboarding": dict(self.onboarding),
            "nda_signed_on": day(self.nda_signed_on),
            "nda_note": self.nda_note,
            "contract_start": day(self.contract_start),
            "contract_end": day(self.contract_end),
            "agreed_minutes": self.agreed_minutes,
            "agreed_period": self.agreed_period,
            "default_rate_minor": self.default_rate_minor,
            "rates": dict(sorted(self.rates.items())),
            "rounding_minutes": self.rounding_minutes,
            "rounding_scope": self.rounding_scope,
            "minimum_charge_minutes": self.minimum_charge_minutes,
            "discount_percent": self.discount_percent,
            "turnaround": dict(sorted(self.turnaround.items())),
            "turnaround_mode": self.turnaround_mode,
            "colour": self.colour,
            "archived": self.archived,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class ClientInput:
    """What to set on a client; a field left None stays as it is (on a new client: default).

    Text fields take what a person typed and are checked by ``save_client``. Lists and
    mappings (addresses, contacts, onboarding, rates, turnaround) replace what was there.
    Dates take a ``date`` or ISO text; "" clears a date, a time zone or a colour.
    """

    name: str | None = None
    company: str | None = None
    emails: Sequence[str] | None = None
    contacts: Sequence[Contact] | None = None
    timezone: str | None = None
    working_hours: Mapping[str, Any] | None = None
    """{"days": "mon-fri" or a list of days, "hours": "9-17"}; {} when not known."""
    channel: str | None = None
    onboarding: Mapping[str, str] | None = None
    nda_signed_on: date | str | None = None
    nda_note: str | None = None
    contract_start: date | str | None = None
    contract_end: date | str | None = None
    agreed_minutes: int | None = None
    """Minutes per ``agreed_period``; 0: nothing agreed."""
    agreed_period: str | None = None
    currency: str | None = None
    default_rate_minor: int | None = None
    rates: Mapping[str, int] | None = None
    rounding_minutes: int | None = None
    rounding_scope: str | None = None
    minimum_charge_minutes: int | None = None
    discount_percent: int | None = None
    turnaround: Mapping[str, int | None] | None = None
    turnaround_mode: str | None = None
    colour: str | None = None
    archived: bool | None = None


@dataclass
class _Related:
    """A client's rows from the tables beside ``clients``."""

    emails: list[str] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    rates: dict[str, int] = field(default_factory=dict)
    turnaround: dict[str, int | None] = field(default_factory=dict)


# ---------------------------------------------------------------- reading


def _related(session: Session, ids: Sequence[int]) -> dict[int, _Related]:
    found: dict[int, _Related] = {i: _Related() for i in ids}
    if not ids:
        return found
    for client_id, address in session.execute(
        select(ClientAddress.client_id, ClientAddress.address)
        .where(ClientAddress.client_id.in_(ids))
        .order_by(ClientAddress.id)
    ):
        found[client_id].emails.append(address)
    for contact in session.scalars(
        select(ClientContact)
        .where(ClientContact.client_id.in_(ids))
        .order_by(ClientContact.position, ClientContact.id)
    ):
        found[contact.client_id].contacts.append(
            Contact(contact.name, contact.email, contact.phone, contact.role)
        )
    for client_id, kind, rate in session.execute(
        select(ClientRate.client_id, ClientRate.kind, ClientRate.rate_minor).where(
            ClientRate.client_id.in_(ids)
        )
    ):
        found[client_id].rates[kind] = rate
    for client_id, kind, hours in session.execute(
        select(ClientTurnaround.client_id, ClientTurnaround.kind, ClientTurnaround.hours).where(
            ClientTurnaround.client_id.in_(ids)
        )
    ):
        found[client_id].turnaround[kind] = hours
    return found


def _profile(client: Client, related: _Related) -> ClientProfile:
    onboarding = client.onboarding if isinstance(client.onboarding, dict) else {}
    hours = client.working_hours if isinstance(client.working_hours, dict) else {}
    return ClientProfile(
        id=client.id,
        name=client.name,
        company=client.company,
        emails=tuple(related.emails),
        contacts=tuple(related.contacts),
        timezone=client.timezone,
        working_hours=dict(hours),
        channel=client.channel,
        onboarding={str(k): str(v) for k, v in onboarding.items()},
        nda_signed_on=client.nda_signed_on,
        nda_note=client.nda_note,
        contract_start=client.contract_start,
        contract_end=client.contract_end,
        agreed_minutes=client.agreed_minutes,
        agreed_period=client.agreed_period,
        currency=client.currency,
        default_rate_minor=client.default_rate_minor,
        rates=dict(related.rates),
        rounding_minutes=client.rounding_minutes,
        rounding_scope=client.rounding_scope,
        minimum_charge_minutes=client.minimum_charge_minutes,
        discount_percent=client.discount_percent,
        turnaround=dict(related.turnaround),
        turnaround_mode=client.turnaround_mode,
        colour=client.colour,
        archived=client.archived,
        rank=client.rank,
    )


def _profiles(session: Session, clients: Sequence[Client]) -> list[ClientProfile]:
    related = _related(session, [c.id for c in clients])
    return [_profile(c, related[c.id]) for c in clients]


def _order() -> tuple[Any, ...]:
    return (Client.rank, Client.id)


def get_profile(session: Session, client_id: int) -> ClientProfile:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"No client #{client_id}; `vadesk client list --all` shows them.")
    return _profiles(session, [client])[0]


def _find(session: Session, name: str) -> Client:
    client = session.scalar(select(Client).where(func.lower(Client.name) == name.strip().lower()))
    if client is None:
        known = ", ".join(display(c.name) for c in list_clients(session)) or "none yet"
        raise NotFoundError(
            f"No client named {name!r} (clients: {known}); add it with `vadesk client add`."
        )
    return client


def profile_by_name(session: Session, name: str) -> ClientProfile:
    """The client of that name, whatever its case; archived clients are found too."""
    return _profiles(session, [_find(session, name)])[0]


def list_profiles(session: Session, *, include_archived: bool = False) -> list[ClientProfile]:
    """Every client in the VA's priority order (most important first)."""
    stmt = select(Client).order_by(*_order())
    if not include_archived:
        stmt = stmt.where(Client.archived.is_(False))
    return _profiles(session, session.scalars(stmt).all())


def archived_client_ids(session: Session) -> frozenset[int]:
    return frozenset(session.scalars(select(Client.id).where(Client.archived.is_(True))))


def archived_client_names(session: Session) -> frozenset[str]:
    """Names of archived clients: the vault hides their items (which name their client)."""
    return frozenset(session.scalars(select(Client.name).where(Client.archived.is_(True))))


# ---------------------------------------------------------------- the old, light rows


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
    """A new client at the bottom of the order, promised admin 24 h and creative 48 h."""
    profile = save_client(
        session, ClientInput(name=name, emails=emails, currency=currency), now=now
    )
    return ClientRow(
        id=profile.id,
        name=profile.name,
        currency=profile.currency,
        colour=profile.colour,
        emails=profile.emails,
        turnaround=Turnaround(),
    )


def list_clients(session: Session) -> list[ClientRow]:
    """Active clients in the VA's priority order (client pickers follow it)."""
    clients = session.scalars(
        select(Client).where(Client.archived.is_(False)).order_by(*_order())
    ).all()
    emails: dict[int, list[str]] = {}
    for client_id, address in session.execute(
        select(ClientAddress.client_id, ClientAddress.address).order_by(ClientAddress.id)
    ):
        emails.setdefault(client_id, []).append(address)
    return [_row(c, tuple(emails.get(c.id, ()))) for c in clients]


def client_by_name(session: Session, name: str) -> ClientRow:
    client = _find(session, name)
    emails = session.scalars(
        select(ClientAddress.address)
        .where(ClientAddress.client_id == client.id)
        .order_by(ClientAddress.id)
    ).all()
    return _row(client, tuple(emails))


def client_for_cards(session: Session, name: str) -> ClientRow:
    """The client of that name, to give it a card: an archived client is refused (its cards
    would not show on the board)."""
    client = _find(session, name)
    if client.archived:
        raise InvalidInputError(
            f"Client {client.name!r} is archived; bring it back with "
            f"`vadesk client unarchive {client.name!r}` to give it cards."
        )
    return client_by_name(session, client.name)


# ---------------------------------------------------------------- writing


def _check_contacts(contacts: Iterable[Contact]) -> list[Contact]:
    checked: list[Contact] = []
    for number, contact in enumerate(contacts, 1):
        label = f"Contact {number}"
        name = rules.short_text(contact.name, f"{label}'s name", 200)
        if not name:
            raise InvalidInputError(f"{label} needs a name.")
        checked.append(
            Contact(
                name=name,
                email=rules.email_address(contact.email, f"{label}'s email")
                if contact.email.strip()
                else "",
                phone=rules.phone_number(contact.phone, f"{label}'s phone")
                if contact.phone.strip()
                else "",
                role=rules.short_text(contact.role, f"{label}'s role", 100),
            )
        )
    if len(checked) > rules.MAX_CONTACTS:
        raise InvalidInputError(f"A client can have up to {rules.MAX_CONTACTS} contacts.")
    return checked


def _check_emails(session: Session, emails: Iterable[str], client_id: int | None) -> list[str]:
    checked: list[str] = []
    for email in emails:
        if not email.strip():
            continue
        address = rules.email_address(email, "Intake address")
        if address in checked:
            continue
        owner = session.scalar(
            select(ClientAddress.client_id).where(ClientAddress.address == address)
        )
        if owner is not None and owner != client_id:
            raise InvalidInputError(
                f"{address} already routes to another client; remove it there first."
            )
        checked.append(address)
    if len(checked) > rules.MAX_ADDRESSES:
        raise InvalidInputError(f"A client can have up to {rules.MAX_ADDRESSES} intake addresses.")
    return checked


def _check_onboarding(answers: Mapping[str, str]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for question, answer in answers.items():
        asked = rules.short_text(question, "An onboarding question", 500)
        text = rules.long_text(answer, f"The answer to {asked!r}", rules.MAX_ANSWER)
        if asked and text:
            checked[asked] = text
    return checked


def _check_name(session: Session, name: str, client_id: int | None) -> str:
    name = rules.client_name(name)
    other = session.scalar(select(Client.id).where(func.lower(Client.name) == name.lower()))
    if other is not None and other != client_id:
        raise InvalidInputError(f"A client named {name!r} already exists; pick another name.")
    return name


def _lock_for_write(session: Session, client_id: int) -> Client:
    client = session.scalar(select(Client).where(Client.id == client_id).with_for_update())
    if client is None:
        raise NotFoundError(f"No client #{client_id}; `vadesk client list --all` shows them.")
    return client


def save_client(
    session: Session,
    data: ClientInput,
    client_id: int | None = None,
    *,
    now: datetime | None = None,
) -> ClientProfile:
    """Add a client (``client_id`` None: at the bottom of the order) or change one.

    Checks every given field first and refuses with one line naming the field; only then
    writes. Addresses, contacts, onboarding answers, rates and turnaround are replaced as
    given; a field left None keeps its value.
    """
    if client_id is None:
        _locked_order(session)  # two adds at once take turns for the last place
        client = None
    else:
        client = _lock_for_write(session, client_id)
    values: dict[str, Any] = {}
    if data.name is not None or client is None:
        values["name"] = _check_name(session, data.name or "", client_id)
    if data.company is not None:
        values["company"] = rules.short_text(data.company, "Company", 200)
    if data.timezone is not None:
        values["timezone"] = rules.time_zone(data.timezone)
    if data.working_hours is not None:
        values["working_hours"] = rules.working_hours(data.working_hours)
    if data.channel is not None:
        values["channel"] = rules.choice(data.channel, "Channel", rules.CHANNELS)
    if data.onboarding is not None:
        values["onboarding"] = _check_onboarding(data.onboarding)
    if data.nda_signed_on is not None:
        values["nda_signed_on"] = rules.a_date(data.nda_signed_on, "NDA signed on")
    if data.nda_note is not None:
        values["nda_note"] = rules.long_text(data.nda_note, "The NDA note", rules.MAX_NOTE)
    if data.contract_start is not None:
        values["contract_start"] = rules.a_date(data.contract_start, "Contract start")
    if data.contract_end is not None:
        values["contract_end"] = rules.a_date(data.contract_end, "Contract end")
    rules.contract_dates(
        values.get("contract_start", client.contract_start if client else None),
        values.get("contract_end", client.contract_end if client else None),
    )
    if data.agreed_minutes is not None:
        values["agreed_minutes"] = rules.agreed_minutes(data.agreed_minutes)
    if data.agreed_period is not None:
        values["agreed_period"] = rules.choice(
            data.agreed_period, "Agreed period", rules.AGREED_PERIODS
        )
    if data.currency is not None:
        values["currency"] = rules.currency_code(data.currency)
    if data.default_rate_minor is not None:
        values["default_rate_minor"] = rules.rate_minor("default", data.default_rate_minor)
    if data.rounding_minutes is not None:
        values["rounding_minutes"] = rules.rounding(data.rounding_minutes)
    if data.rounding_scope is not None:
        values["rounding_scope"] = rules.choice(
            data.rounding_scope, "Rounding per", rules.ROUNDING_SCOPES
        )
    if data.minimum_charge_minutes is not None:
        values["minimum_charge_minutes"] = rules.minimum_minutes(data.minimum_charge_minutes)
    if data.discount_percent is not None:
        values["discount_percent"] = rules.discount(data.discount_percent)
    if data.turnaround_mode is not None:
        values["turnaround_mode"] = rules.choice(
            data.turnaround_mode, "Turnaround counted in", rules.TURNAROUND_MODES
        )
    if data.colour is not None:
        values["colour"] = rules.colour(data.colour)
    if data.archived is not None:
        values["archived"] = bool(data.archived)
    rates = (
        {rules.card_kind(k, "Rate"): rules.rate_minor(k, v) for k, v in data.rates.items()}
        if data.rates is not None
        else None
    )
    turnaround = (
        {
            rules.card_kind(k, "Turnaround"): rules.turnaround_hours(k, v)
            for k, v in data.turnaround.items()
        }
        if data.turnaround is not None
        else None
    )
    emails = _check_emails(session, data.emails, client_id) if data.emails is not None else None
    contacts = _check_contacts(data.contacts) if data.contacts is not None else None

    if values.get("colour") == "" or (client is None and "colour" not in values):
        # No colour given: the next one of the palette.
        others = select(func.count(Client.id))
        if client_id is not None:
            others = others.where(Client.id != client_id)
        values["colour"] = PALETTE[(session.scalar(others) or 0) % len(PALETTE)]
    if client is None:
        last_rank = session.scalar(select(Client.rank).order_by(Client.rank.desc()).limit(1))
        client = Client(created_at=now or utcnow(), rank=rank_between(last_rank, None))
        values.setdefault("currency", "EUR")
        if turnaround is None:
            turnaround = dict(DEFAULT_TURNAROUND)
    for key, value in values.items():
        setattr(client, key, value)
    session.add(client)
    if turnaround is not None:
        # The old columns still feed due times where client_turnaround is not read yet.
        for kind, column in (
            ("admin", "turnaround_admin_hours"),
            ("creative", "turnaround_creative_hours"),
        ):
            hours = turnaround.get(kind)
            if hours is not None:
                setattr(client, column, hours)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInputError(
            f"A client named {values.get('name', client.name)!r} already exists; pick another name."
        ) from None
    _replace_related(session, client.id, emails, contacts, rates, turnaround)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInputError(
            "Another change to this client's addresses was saved at the same moment; try again."
        ) from None
    session.expire(client)
    return get_profile(session, client.id)


def _replace_related(
    session: Session,
    client_id: int,
    emails: list[str] | None,
    contacts: list[Contact] | None,
    rates: dict[str, int] | None,
    turnaround: dict[str, int | None] | None,
) -> None:
    if emails is not None:
        session.execute(delete(ClientAddress).where(ClientAddress.client_id == client_id))
        session.flush()
        session.add_all(ClientAddress(client_id=client_id, address=a) for a in emails)
    if contacts is not None:
        session.execute(delete(ClientContact).where(ClientContact.client_id == client_id))
        session.add_all(
            ClientContact(
                client_id=client_id,
                position=i,
                name=c.name,
                email=c.email,
                phone=c.phone,
                role=c.role,
            )
            for i, c in enumerate(contacts)
        )
    if rates is not None:
        session.execute(delete(ClientRate).where(ClientRate.client_id == client_id))
        session.flush()
        session.add_all(
            ClientRate(client_id=client_id, kind=k, rate_minor=v) for k, v in rates.items()
        )
    if turnaround is not None:
        session.execute(delete(ClientTurnaround).where(ClientTurnaround.client_id == client_id))
        session.flush()
        session.add_all(
            ClientTurnaround(client_id=client_id, kind=k, hours=v) for k, v in turnaround.items()
        )


def set_archived(session: Session, client_id: int, archived: bool) -> ClientProfile:
    """Archive (hide its cards and vault items) or bring back a client; nothing is deleted."""
    client = _lock_for_write(session, client_id)
    client.archived = archived
    session.flush()
    return get_profile(session, client_id)


# ---------------------------------------------------------------- the priority order

Edge = Literal["top", "bottom"]


def _locked_order(session: Session) -> list[tuple[int, str, bool]]:
    """Every client's (id, rank, archived) in order, rows locked until the commit.

    On PostgreSQL the row locks make two movers take turns (the second reads the first's
    ranks); on SQLite the write transaction (BEGIN IMMEDIATE) already does.
    """
    locked = session.execute(select(Client.id).order_by(Client.id).with_for_update()).all()
    del locked
    rows = session.execute(select(Client.id, Client.rank, Client.archived).order_by(*_order()))
    return [(i, r, a) for i, r, a in rows]


def _place(
    session: Session, client_id: int, order: list[tuple[int, str, bool]], index: int
) -> None:
    """Give ``client_id`` a rank at ``index`` of ``order`` (which no longer holds it)."""
    lower = order[index - 1][1] if index > 0 else None
    upper = order[index][1] if index < len(order) else None
    if lower is not None and upper is not None and lower >= upper:
        # Equal ranks (left by some older writer) leave no room: renumber the whole order
        # once, rare and small (clients are counted in tens).
        ids = [i for i, _, _ in order]
        ids.insert(index, client_id)
        for other, fresh in zip(ids, initial_ranks(len(ids)), strict=True):
            session.execute(update(Client).where(Client.id == other).values(rank=fresh))
        return
    session.execute(
        update(Client).where(Client.id == client_id).values(rank=rank_between(lower, upper))
    )


def move_client(
    session: Session,
    client_id: int,
    *,
    before_id: int | None = None,
    to: Edge | None = None,
) -> ClientProfile:
    """Put a client just before another (``before_id``), or at the ``top`` or ``bottom``."""
    if (before_id is None) == (to is None):
        raise InvalidInputError("Give one of: before another client, top or bottom.")
    if before_id == client_id:
        raise InvalidInputError("A client cannot be moved before itself.")
    order = _locked_order(session)
    if client_id not in {i for i, _, _ in order}:
        raise NotFoundError(f"No client #{client_id}; `vadesk client list --all` shows them.")
    rest = [row for row in order if row[0] != client_id]
    if before_id is not None:
        positions = [i for i, (other, _, _) in enumerate(rest) if other == before_id]
        if not positions:
            raise NotFoundError(f"No client #{before_id} to move before.")
        index = positions[0]
    else:
        index = 0 if to == "top" else len(rest)
    if [i for i, _, _ in order] != [i for i, _, _ in rest[:index]] + [client_id] + [
        i for i, _, _ in rest[index:]
    ]:
        _place(session, client_id, rest, index)
    session.flush()
    return get_profile(session, client_id)


def move_client_step(session: Session, client_id: int, delta: int) -> ClientProfile:
    """Move a client ``delta`` places up (negative) or down among the active clients.

    Archived clients are skipped (they keep their place for when they come back).
    """
    order = _locked_order(session)
    if client_id not in {i for i, _, _ in order}:
        raise NotFoundError(f"No client #{client_id}; `vadesk client list --all` shows them.")
    shown = [i for i, _, archived in order if not archived or i == client_id]
    here = shown.index(client_id)
    target = max(0, min(len(shown) - 1, here + delta))
    if target != here:
        anchor = shown[target]
        rest = [row for row in order if row[0] != client_id]
        index = next(i for i, row in enumerate(rest) if row[0] == anchor)
        _place(session, client_id, rest, index if delta < 0 else index + 1)
        session.flush()
    return get_profile(session, client_id)


def client_order(session: Session) -> list[int]:
    """Ids of the active clients, most important first (cheap: for the board)."""
    return list(
        session.scalars(select(Client.id).where(Client.archived.is_(False)).order_by(*_order()))
    )
