"""Email intake: messages become cards, replies become comments (see ingest.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from vadesk.config import Settings
from vadesk.domain.kinds import CARD_KINDS
from vadesk.domain.text import display
from vadesk.errors import ConfigError

Outcome = Literal["card", "comment", "duplicate", "skipped"]


@dataclass(frozen=True)
class IngestResult:
    """What one message became."""

    outcome: Outcome
    card_id: int | None
    message_key: str
    reason: str = ""
    """Why it was skipped (empty otherwise); one sentence for the summary's skip line."""
    label: str = ""
    """A short display name of the message: subject and sender."""
    reopened: bool = False
    """A reply moved its card back out of Done."""


@dataclass
class IntakeSummary:
    """Counts of one run plus a line per skipped message."""

    cards: int = 0
    comments: int = 0
    duplicates: int = 0
    skipped: int = 0
    skips: list[str] = field(default_factory=list)
    card_ids: list[int] = field(default_factory=list)
    """Cards made by this run, in order."""
    notes: list[str] = field(default_factory=list)
    """Lines worth a look that are not skips: cards a reply moved back out of Done."""
    reopened: list[int] = field(default_factory=list)

    def add(self, result: IngestResult) -> None:
        if result.outcome == "card":
            self.cards += 1
        elif result.outcome == "comment":
            self.comments += 1
        elif result.outcome == "duplicate":
            self.duplicates += 1
        else:
            self.skipped += 1
            self.skips.append(f"skipped {display(result.label)}: {display(result.reason)}")
        if result.card_id is not None and result.outcome == "card":
            self.card_ids.append(result.card_id)
        if result.reopened and result.card_id is not None:
            self.reopened.append(result.card_id)
            self.notes.append(
                f"card #{result.card_id} is back out of Done: {display(result.label)} replied"
            )

    def line(self) -> str:
        return (
            f"{self.cards} {'card' if self.cards == 1 else 'cards'}, "
            f"{self.comments} {'comment' if self.comments == 1 else 'comments'}, "
            f"{self.duplicates} {'duplicate' if self.duplicates == 1 else 'duplicates'}, "
            f"{self.skipped} skipped"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "cards": self.cards,
            "comments": self.comments,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "skips": list(self.skips),
            "card_ids": list(self.card_ids),
            "reopened": list(self.reopened),
        }


@dataclass(frozen=True)
class IntakeRules:
    """The [intake] settings this module reads (the IMAP ones are read by imap.py)."""

    attachment_max_bytes: int = 25 * 1024 * 1024
    default_kind: str = "other"
    kinds: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(kind, words): a subject holding one of the words gives the card that kind."""
    lane: str | None = None
    """Lane name for routed cards; the board's default lane (Normal) when unset."""
    client_kinds: tuple[tuple[str, str], ...] = ()
    """(lower-case client name, kind): that client's mail is of this kind unless the subject
    says otherwise ([intake.kinds] words win)."""

    def kind_for(self, subject: str, client: str | None) -> str:
        """The kind of a card from mail: subject words, else the client's, else the default."""
        words = set(re.findall(r"\w+", subject.lower()))
        for kind, keywords in self.kinds:
            if any(word in words for word in keywords):
                return kind
        if client is not None:
            for name, kind in self.client_kinds:
                if name == client.lower():
                    return kind
        return self.default_kind


def intake_rules(settings: Settings) -> IntakeRules:
    """Check and read [intake]; a bad value is a one-line ConfigError."""
    raw = settings.intake
    rules: dict[str, Any] = {}
    if "attachment_max_mb" in raw:
        value = raw["attachment_max_mb"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 2048:
            raise ConfigError("[intake] attachment_max_mb must be a number of MB from 0 to 2048.")
        rules["attachment_max_bytes"] = int(value * 1024 * 1024)
    if "default_kind" in raw:
        if raw["default_kind"] not in CARD_KINDS:
            raise ConfigError(f"[intake] default_kind must be one of: {', '.join(CARD_KINDS)}.")
        rules["default_kind"] = raw["default_kind"]
    if "kinds" in raw:
        table = raw["kinds"]
        if not isinstance(table, dict):
            raise ConfigError('[intake.kinds] must be a table like creative = ["design", "logo"].')
        pairs = []
        for kind, words in table.items():
            if kind not in CARD_KINDS:
                raise ConfigError(
                    f"[intake.kinds] {kind!r} is not a kind; use one of: {', '.join(CARD_KINDS)}."
                )
            if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
                raise ConfigError(f"[intake.kinds] {kind} must be a list of words.")
            pairs.append((kind, tuple(w.lower() for w in words)))
        rules["kinds"] = tuple(pairs)
    if "client_kinds" in raw:
        table = raw["client_kinds"]
        if not isinstance(table, dict) or not all(
            isinstance(kind, str) and kind in CARD_KINDS for kind in table.values()
        ):
            raise ConfigError(
                '[intake.client_kinds] must map client names to kinds, like Acme = "creative".'
            )
        rules["client_kinds"] = tuple((str(name).lower(), kind) for name, kind in table.items())
    if "lane" in raw:
        if not isinstance(raw["lane"], str) or not raw["lane"].strip():
            raise ConfigError("[intake] lane must be the name of a lane.")
        rules["lane"] = raw["lane"]
    return IntakeRules(**rules)
