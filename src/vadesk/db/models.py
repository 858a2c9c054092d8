"""The SQLAlchemy models: one database for board, time and vault."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vadesk.db.types import RankString, UTCDateTime
from vadesk.domain.kinds import CARD_KINDS

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


LANE_ROLES = ("normal", "done", "inbox")
CHANNELS = ("email", "phone", "chat", "video")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime]


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount"),
        CheckConstraint("rounding_minutes IN (0, 1, 6, 15)", name="rounding_minutes"),
        CheckConstraint("rounding_scope IN ('entry', 'day')", name="rounding_scope"),
        CheckConstraint(f"channel IN ({', '.join(repr(c) for c in CHANNELS)})", name="channel"),
        CheckConstraint("agreed_period IN ('week', 'month')", name="agreed_period"),
        CheckConstraint("turnaround_mode IN ('calendar', 'working')", name="turnaround_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    colour: Mapped[str] = mapped_column(String(20), default="")
    turnaround_admin_hours: Mapped[int] = mapped_column(default=24)
    turnaround_creative_hours: Mapped[int] = mapped_column(default=48)
    default_rate_minor: Mapped[int] = mapped_column(default=0)
    rounding_minutes: Mapped[int] = mapped_column(default=1)
    rounding_scope: Mapped[str] = mapped_column(String(5), default="entry")
    minimum_charge_minutes: Mapped[int] = mapped_column(default=0)
    discount_percent: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    # Profile (migration 0004).
    rank: Mapped[str] = mapped_column(RankString, index=True)
    """The client's place in the VA's priority order (fractional index, most important first)."""
    company: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    """IANA zone of the client; empty means the VA's own."""
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The client's working hours, e.g. {"days": ["mon", ...], "hours": "09:00-17:00"}."""
    channel: Mapped[str] = mapped_column(String(10), default="email")
    onboarding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Answers to the onboarding questions: question text -> free-text answer."""
    nda_signed_on: Mapped[date | None] = mapped_column(Date)
    nda_note: Mapped[str] = mapped_column(Text, default="")
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    agreed_minutes: Mapped[int | None]
    """Hours agreed per ``agreed_period``, in minutes; None when nothing was agreed."""
    agreed_period: Mapped[str] = mapped_column(String(5), default="week")
    turnaround_mode: Mapped[str] = mapped_column(String(10), default="calendar")
    """How turnaround hours count: "calendar" hours or the VA's "working" hours."""


class ClientAddress(Base):
    """An email address that routes incoming mail to a client."""

    __tablename__ = "client_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(320), unique=True)


class ClientContact(Base):
    """A contact person at a client: who sends tasks, who approves, who pays."""

    __tablename__ = "client_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="", index=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(100), default="")


class ClientTurnaround(Base):
    """The turnaround promised to a client for one kind of task; ``hours`` None: no promise.

    This table is the truth for every kind (migration 0004 copied the old
    ``turnaround_admin_hours``/``turnaround_creative_hours`` columns into it)."""

    __tablename__ = "client_turnaround"
    __table_args__ = (UniqueConstraint("client_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    hours: Mapped[int | None]


class ClientRate(Base):
    """Hourly rate for one kind of task; missing kinds use the client's default rate."""

    __tablename__ = "client_rates"
    __table_args__ = (UniqueConstraint("client_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    rate_minor: Mapped[int]


class HourPackage(Base):
    __tablename__ = "hour_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    seconds: Mapped[int]
    price_minor: Mapped[int]
    purchased_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")


class Lane(Base):
    __tablename__ = "lanes"
    __table_args__ = (CheckConstraint("role IN ('normal', 'done', 'inbox')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int]
    role: Mapped[str] = mapped_column(String(10), default="normal")
    waiting: Mapped[bool] = mapped_column(Boolean, default=False)
    """A waiting lane ("Waiting on client"): its cards' turnaround clocks are paused."""


class Card(Base):
    __tablename__ = "cards"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in CARD_KINDS)})", name="kind"),
        Index("ix_cards_lane_order", "lane_id", "archived", "rank", "id"),
        Index("ix_cards_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("lanes.id"))
    rank: Mapped[str] = mapped_column(RankString)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="other")
    due_at: Mapped[datetime | None]
    estimate_minutes: Mapped[int | None]
    planned_week: Mapped[date | None] = mapped_column(Date)
    labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    waiting: Mapped[bool] = mapped_column(Boolean, default=False)
    """Flagged as waiting on the client (by key, the portal or an email), in any lane."""
    waiting_since: Mapped[datetime | None]
    """When the turnaround clock paused (flagged, or moved into a waiting lane); None: running."""
    waited_seconds: Mapped[int] = mapped_column(default=0)
    """Time spent waiting in earlier, finished pauses; the due time moves by it."""
    external_ref: Mapped[str | None] = mapped_column(String(300), unique=True)
    """Where an imported card came from, e.g. "trello:5f1c..."; a re-import finds it here."""

    __mapper_args__ = {"version_id_col": version}


class CardAttachment(Base):
    """A file saved for a card (under the data folder) or a link (imported from Trello)."""

    __tablename__ = "card_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    """The name shown (already made safe)."""
    path: Mapped[str] = mapped_column(String(1000), default="")
    """Relative to the data folder; empty for a link."""
    url: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    content_type: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime]


class IntakeMessage(Base):
    """Every message the intake has handled, so the same message twice changes nothing."""

    __tablename__ = "intake_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(998), unique=True)
    """The Message-ID, or "sha256:<hex>" of the raw message when it has none."""
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(10))
    """"card" (a new card), "comment" (added to card_id) or "skipped"."""
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime]


class PortalInvite(Base):
    """An invite link for a client's portal; only the SHA-256 of its token is kept."""

    __tablename__ = "portal_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class PortalSession(Base):
    """A browser session opened from an invite; only the SHA-256 of its cookie is kept."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(
        ForeignKey("portal_invites.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


class ChecklistItem(Base):
    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class CardActivity(Base):
    """What happened to a card: created, moved, edited, commented, timer, email, archived."""

    __tablename__ = "card_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TimeEntry(Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        # One running timer per user, enforced by the database on SQLite and PostgreSQL.
        Index(
            "uq_time_entries_one_running",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_time_entries_started_at", "started_at"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    idle: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_at: Mapped[datetime | None]
    """While running: when vadesk last saw the VA at work (heartbeat), to spot absences."""
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(20), default="")
    """Where the entry came from when not the timer or a manual edit, e.g. "toggl"."""


class VaultHeader(Base):
    """The one row that wraps the vault's data key; nothing here is secret."""

    __tablename__ = "vault_header"

    id: Mapped[int] = mapped_column(primary_key=True)
    vault_id: Mapped[str] = mapped_column(String(64), unique=True)
    format_version: Mapped[int]
    kdf_opslimit: Mapped[int]
    kdf_memlimit: Mapped[int] = mapped_column(BigInteger)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class VaultManifest(Base):
    """Encrypted list of (item id, revision): detects deleted, added or rolled-back items."""

    __tablename__ = "vault_manifest"

    vault_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int]
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class VaultItem(Base):
    """One encrypted item: only ids, revision, timestamp and ciphertext are stored."""

    __tablename__ = "vault_items"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vault_id: Mapped[str] = mapped_column(String(64), index=True)
    revision: Mapped[int]
    updated_at: Mapped[datetime]
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class Invoice(Base):
    """Time billed to a client under an invoice number (`vadesk report --mark-billed`)."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("client_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    number: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3))
    billed_seconds: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class InvoiceEntry(Base):
    """One local day of a time entry as it was billed: a copy, so a later edit or deletion
    shows as a correction. ``entry_id`` is no foreign key on purpose: a deleted entry stays
    recorded. A correction row (billed on a later invoice) supersedes the earlier rows."""

    __tablename__ = "invoice_entries"
    __table_args__ = (
        # Nothing is billed twice: one original billing per time entry.
        Index(
            "uq_invoice_entries_billed_once",
            "entry_id",
            "day",
            unique=True,
            sqlite_where=text("correction = false"),
            postgresql_where=text("correction = false"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    day: Mapped[date] = mapped_column(Date)
    """The local day of this piece (an entry crossing midnight is billed per local day)."""
    card_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    billed_seconds: Mapped[int]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
