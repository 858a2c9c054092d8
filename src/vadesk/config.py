"""Settings (TOML in the platformdirs config folder) and the paths vadesk uses."""

from __future__ import annotations

import contextlib
import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from vadesk.errors import ConfigError

APP_NAME = "vadesk"
ENV_DATABASE_URL = "VADESK_DATABASE_URL"
ENV_CONFIG = "VADESK_CONFIG"


def data_dir() -> Path:
    """The private data folder (database, backups, attachments), created 0700."""
    path = Path(platformdirs.user_data_dir(APP_NAME))
    make_private_dir(path)
    return path


def config_path() -> Path:
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def log_dir() -> Path:
    path = Path(platformdirs.user_log_dir(APP_NAME))
    make_private_dir(path)
    return path


def state_dir() -> Path:
    """Per-user state that is not data (what the vault last looked like), created 0700."""
    path = Path(platformdirs.user_state_dir(APP_NAME))
    make_private_dir(path)
    return path


def make_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # a folder we do not own stays as it is
        path.chmod(0o700)


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'vadesk.db'}"


@dataclass(frozen=True)
class Settings:
    """What the user can set in config.toml; every field has a safe default."""

    database_url: str | None = None
    """SQLAlchemy URL; `--db` and VADESK_DATABASE_URL win over it."""
    user: str = field(default_factory=getpass.getuser)
    """Name recorded on time entries and activity (one board may be shared by a team)."""
    timezone: str | None = None
    """IANA zone used for days, weeks and months; the system zone when unset."""
    vault_idle_lock_minutes: int = 10
    """Lock the vault after this many minutes without a key press."""
    vault_kdf: str = "moderate"
    """Argon2id cost for a new vault or passphrase: "moderate" or "interactive"."""
    clipboard_clear_seconds: int = 30
    """Copied secrets are cleared from the clipboard after this long."""
    timer_idle_minutes: int = 15
    """A running timer unattended longer than this asks what to do with the gap."""
    sqlite_synchronous: str = "FULL"
    """SQLite `synchronous` pragma: FULL survives power loss, NORMAL only a killed process."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id to keys, e.g. {"board.new-card" = "a"}; handed to Textual's set_keymap."""
    backup_dir: str | None = None
    """Folder for `vadesk backup` (an external disk, a synced folder); `backups` in the data
    folder when unset. A configured folder that is missing is reported, never replaced."""
    backup_keep_daily: int = 14
    """Rotation keeps the newest backup of each of this many most recent days."""
    backup_keep_weekly: int = 8
    """Rotation also keeps the newest backup of each of this many most recent weeks."""
    locale: str = "en_US"
    """Locale for amounts and dates in reports (Babel/CLDR name: en_US, de_DE, fr_CH ...)."""
    business: dict[str, str] = field(default_factory=dict)
    """The VA's details on report headers: name, address, vat_id (VAT or company id), logo
    (path to a PNG or JPEG)."""
    work_days: list[str] = field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    """The VA's working days, for turnaround counted in working hours."""
    work_hours: str = "09:00-17:00"
    """The VA's working hours on a working day (local time)."""
    holidays_country: str = ""
    """ISO country code whose public holidays are days off (the `holidays` library); empty:
    none."""
    holidays_subdivision: str = ""
    """State or province for the holidays, where the country has them (e.g. "CA", "BY")."""
    days_off: list[str] = field(default_factory=list)
    """The VA's own days off, as ISO dates ("2026-12-24")."""
    weekly_capacity_hours: int = 30
    """Hours the VA can work in a week; the week plan shows what is over."""
    due_soon_hours: int = 4
    """A card due within this many hours counts as due soon."""
    onboarding_questions: list[str] = field(
        default_factory=lambda: [
            "How do you like to work with your VA?",
            "Preferred communication",
            "Best times to reach you",
            "Goals with the service",
            "Standing priorities",
        ]
    )
    """The questions of the new-client form; answers are kept per client."""
    intake: dict[str, Any] = field(default_factory=dict)
    """[intake]: the email intake's settings (IMAP server, folders, attachment size limit);
    checked by vadesk.services.intake."""
    portal: dict[str, Any] = field(default_factory=dict)
    """[portal]: the client portal's settings (base_url, bind, session lifetime); checked by
    vadesk.portal."""

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_path()
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(
                f"Cannot read settings file {path}: {exc}; fix or remove it."
            ) from None
        return cls.from_mapping(raw, source=str(path))

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], source: str = "settings") -> Settings:
        known = {name for name in cls.__dataclass_fields__}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"Unknown setting {unknown[0]!r} in {source}; remove it.")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            expected = cls.__dataclass_fields__[name].type
            ok = {
                "int": isinstance(value, int) and not isinstance(value, bool),
                "str": isinstance(value, str),
                "str | None": isinstance(value, str),
                "dict[str, str]": isinstance(value, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()),
                "dict[str, Any]": isinstance(value, dict),
                "list[str]": isinstance(value, list) and all(isinstance(v, str) for v in value),
            }.get(str(expected), True)
            if not ok:
                raise ConfigError(f"Setting {name!r} in {source} has the wrong type; see README.")
            values[name] = value
        settings = cls(**values)
        if settings.vault_kdf not in ("moderate", "interactive"):
            raise ConfigError("vault_kdf must be 'moderate' or 'interactive'.")
        if settings.sqlite_synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            raise ConfigError("sqlite_synchronous must be FULL, EXTRA or NORMAL.")
        names = (
            "vault_idle_lock_minutes",
            "clipboard_clear_seconds",
            "timer_idle_minutes",
            "backup_keep_daily",
        )
        for name in names:
            if getattr(settings, name) < 1:
                raise ConfigError(f"Setting {name!r} must be at least 1.")
        if settings.backup_keep_weekly < 0:
            raise ConfigError("Setting 'backup_keep_weekly' must be 0 or more.")
        unknown_business = sorted(set(settings.business) - {"name", "address", "vat_id", "logo"})
        if unknown_business:
            raise ConfigError(
                f"Unknown [business] key {unknown_business[0]!r} in {source}; use name, "
                "address, vat_id or logo."
            )
        if settings.locale != "en_US":
            from babel import Locale, UnknownLocaleError

            try:
                Locale.parse(settings.locale)
            except (UnknownLocaleError, ValueError, TypeError):
                raise ConfigError(
                    f"Unknown locale {settings.locale!r} in {source}; use a name like de_DE."
                ) from None
        return settings

    def resolve_database_url(self, cli_url: str | None) -> str:
        return (
            cli_url
            or os.environ.get(ENV_DATABASE_URL)
            or self.database_url
            or default_database_url()
        )
