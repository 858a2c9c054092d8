"""Backups and restore: consistent, verified, rotated copies of the database.

A SQLite backup is SQLite's online backup of one snapshot (the app, the CLI and the intake
keep writing meanwhile), checked (integrity, the schema revision, the vault header) before it
gets its final name ``LABEL-YYYYMMDDTHHMMSSZ-rREV.db``, 0600 in a 0700 folder. The vault is
copied as the database holds it: encrypted. On PostgreSQL the same naming, verification
(``pg_restore --list``) and rotation apply to a ``pg_dump`` custom-format file.

Restore checks the file on a copy beside the database before touching anything, backs the
current database up, then writes the copy into the live database in one SQLite transaction
(an open board sees the change and reloads), and upgrades the schema if the copy is older.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import URL

from vadesk.config import Settings, data_dir, make_private_dir
from vadesk.db.engine import SQLITE_MAGIC, Database, parse_url, sqlite_path
from vadesk.db.locks import sqlite_file_lock
from vadesk.db.migrate import ensure_schema, online_copy
from vadesk.db.models import Card, Client, TimeEntry, VaultHeader, VaultItem
from vadesk.db.revisions import HEAD, KNOWN_REVISIONS
from vadesk.domain.clock import Clock, utcnow
from vadesk.domain.vault_crypto import KdfParams, Secret
from vadesk.errors import DatabaseError, InvalidInputError, VadeskError

log = logging.getLogger(__name__)

STAMP = "%Y%m%dT%H%M%SZ"
NAME_RE = re.compile(
    r"^(?P<label>[A-Za-z0-9_.]+)-(?P<stamp>\d{8}T\d{6}Z)-r(?P<rev>[0-9A-Za-z_]+)"
    r"(?:-(?P<n>\d+))?\.(?P<ext>db|pgdump)$"
)
ENCRYPTED_MAGIC = b"vadesk-backup\x00"
_ENC_HEAD = struct.Struct(">BBIQq")  # format, kind, Argon2id ops and memory, made (Unix s)
_KIND = {"db": 1, "pgdump": 2}
SALT_BYTES = 16
STALE_AFTER = timedelta(days=1)
"""The app makes a backup at start when the newest is older than this."""


class BackupError(VadeskError):
    """A backup could not be made, or a file cannot be restored; nothing was changed."""


class PostgresToolsMissing(BackupError):
    """PostgreSQL without pg_dump: the message says so, ``commands`` are what to run."""

    def __init__(self, message: str, commands: list[str]) -> None:
        super().__init__(message)
        self.commands = commands


@dataclass(frozen=True)
class Contents:
    """What a database holds, as shown before a restore."""

    revision: str | None
    cards: int
    clients: int
    time_entries: int
    vault_items: int
    has_vault: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "revision": self.revision,
            "cards": self.cards,
            "clients": self.clients,
            "time_entries": self.time_entries,
            "vault_items": self.vault_items,
        }


@dataclass(frozen=True)
class BackupFile:
    path: Path
    label: str
    created: datetime
    revision: str

    def age(self, now: datetime) -> timedelta:
        return now - self.created


@dataclass(frozen=True)
class BackupResult:
    file: BackupFile
    size: int
    contents: Contents
    pruned: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.file.path),
            "created": self.file.created.isoformat(),
            "revision": self.file.revision,
            "bytes": self.size,
            "contents": self.contents.as_dict(),
            "pruned": [str(p) for p in self.pruned],
        }


# ---------------------------------------------------------------- folders and names


def folder_for(settings: Settings, given: str | Path | None = None) -> tuple[Path, bool]:
    """The backup folder and whether the user named it (then it must already exist)."""
    if given is not None:
        return Path(given).expanduser(), True
    if settings.backup_dir:
        return Path(settings.backup_dir).expanduser(), True
    return data_dir() / "backups", False


def ready_folder(folder: Path, named: bool) -> Path:
    """Check (or, for the default one, create) the folder; never fall back to another."""
    if named:
        if not folder.is_dir():
            raise BackupError(
                f"Backup folder {folder} does not exist (is the disk plugged in?); connect it "
                "or create the folder, or set backup_dir in the config. Nothing was written."
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise BackupError(
                f"Backup folder {folder} is not writable; check its permissions. "
                "Nothing was written."
            )
        return folder
    make_private_dir(folder)
    return folder


def label_for(url: URL) -> str:
    """The name prefix of one database's backups, so two databases never rotate each other."""
    path = sqlite_path(url)
    raw = path.stem if path is not None else (url.database or "postgres")
    return re.sub(r"[^A-Za-z0-9_.]", "_", raw) or "vadesk"


def parse_name(path: Path) -> BackupFile | None:
    match = NAME_RE.match(path.name)
    if match is None:
        return None
    created = datetime.strptime(match["stamp"], STAMP).replace(tzinfo=UTC)
    return BackupFile(path, match["label"], created, match["rev"])


def list_backups(folder: Path, label: str, ext: str) -> list[BackupFile]:
    """This database's backups in ``folder``, newest first."""
    found: list[BackupFile] = []
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return []
    for entry in entries:
        info = parse_name(entry)
        if info is not None and info.label == label and entry.suffix == f".{ext}":
            found.append(info)
    found.sort(key=_written_order, reverse=True)
    return found


def _written_order(backup: BackupFile) -> tuple[datetime, int]:
    """Newest last: by the time in the name, then (within one second) by its number."""
    return (backup.created, _number(backup.path))


def _number(path: Path) -> int:
    match = NAME_RE.match(path.name)
    return int(match["n"]) if match is not None and match["n"] else 0


def _target_name(folder: Path, label: str, now: datetime, revision: str, ext: str) -> Path:
    base = f"{label}-{now.astimezone(UTC).strftime(STAMP)}-r{revision}"
    # Several within one second are numbered in the order written (above any left).
    taken = [_number(p) for p in folder.glob(f"{base}*.{ext}") if NAME_RE.match(p.name)]
    if not taken:
        return folder / f"{base}.{ext}"
    return folder / f"{base}-{max(taken) + 1}.{ext}"


def rotation_keep(stamps: Iterable[datetime], keep_daily: int, keep_weekly: int) -> set[datetime]:
    """Which backups rotation keeps: the newest of each of the ``keep_daily`` most recent
    days that have one, and the newest of each of the ``keep_weekly`` most recent ISO weeks."""
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    keep: set[datetime] = set()
    for stamp in sorted(set(stamps), reverse=True):
        day = stamp.astimezone(UTC).date()
        week = day.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(stamp)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            keep.add(stamp)
    return keep


def rotate(folder: Path, label: str, ext: str, settings: Settings) -> list[Path]:
    """Delete this database's backups that rotation does not keep; the ones deleted."""
    backups = list_backups(folder, label, ext)
    by_stamp: dict[datetime, list[BackupFile]] = {}
    for backup in backups:
        by_stamp.setdefault(backup.created, []).append(backup)
    keep = rotation_keep(by_stamp, settings.backup_keep_daily, settings.backup_keep_weekly)
    pruned: list[Path] = []
    for stamp, group in by_stamp.items():
        # Of several in one second, the last written counts.
        group.sort(key=_written_order, reverse=True)
        doomed = group if stamp not in keep else group[1:]
        for backup in doomed:
            with contextlib.suppress(FileNotFoundError):
                backup.path.unlink()
                pruned.append(backup.path)
    pruned.sort()
    return pruned


# ---------------------------------------------------------------- reading a SQLite file


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)


def sqlite_contents(path: Path, *, check: bool = True, shown: str | None = None) -> Contents:
    """Check a SQLite file is an intact vadesk database this vadesk can open; what it holds."""
    shown = shown or path.name
    try:
        conn = _connect_ro(path)
        try:
            if check:
                rows = [r[0] for r in conn.execute("PRAGMA integrity_check(1)")]
                if rows != ["ok"]:
                    lines = [x for x in str(rows[0]).splitlines() if not x.startswith("***")]
                    raise BackupError(
                        f"{shown} is damaged (integrity check: {' '.join(lines)[:80]}); "
                        "it cannot be used. Nothing was changed."
                    )
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if "alembic_version" not in names or "cards" not in names:
                raise BackupError(f"{shown} is not a vadesk database. Nothing was changed.")
            found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = str(found[0]) if found else None
            if revision not in KNOWN_REVISIONS:
                raise BackupError(
                    f"{shown} has schema {revision}, newer than this vadesk knows; upgrade "
                    "vadesk (pip install -U vadesk) to restore it. Nothing was changed."
                )

            def count(table: str) -> int:
                if table not in names:
                    return 0
                return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

            return Contents(
                revision=revision,
                cards=count("cards"),
                clients=count("clients"),
                time_entries=count("time_entries"),
                vault_items=count("vault_items"),
                has_vault=count("vault_header") > 0,
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"{shown} is damaged, truncated or not a SQLite database ({error}); "
            "it cannot be used. Nothing was changed."
        ) from None


def store_contents(db: Database) -> Contents:
    """The same figures read through SQLAlchemy (both backends)."""
    with db.read() as s:

        def count(model: type) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

        from vadesk.db.migrate import current_revision

        return Contents(
            revision=current_revision(s.connection()),
            cards=count(Card),
            clients=count(Client),
            time_entries=count(TimeEntry),
            vault_items=count(VaultItem),
            has_vault=count(VaultHeader) > 0,
        )


# ---------------------------------------------------------------- making a backup


def backup(
    db: Database,
    settings: Settings,
    folder: str | Path | None = None,
    *,
    clock: Clock = utcnow,
    rotate_after: bool = True,
) -> BackupResult:
    """Write, verify and name a backup of ``db`` in the backup folder, then rotate."""
    target_folder = ready_folder(*folder_for(settings, folder))
    label = label_for(db.url)
    now = clock()
    if db.path is not None:
        result = _sqlite_backup(db, db.path, target_folder, label, now)
        ext = "db"
    elif db.is_sqlite:
        raise BackupError("An in-memory database cannot be backed up.")
    else:
        result = _postgres_backup(db, target_folder, label, now)
        ext = "pgdump"
    pruned = rotate(target_folder, label, ext, settings) if rotate_after else []
    log.info("backup written (%d bytes), %d pruned", result.size, len(pruned))
    return BackupResult(result.file, result.size, result.contents, pruned)


def _sqlite_backup(
    db: Database, path: Path, folder: Path, label: str, now: datetime
) -> BackupResult:
    with tempfile.TemporaryDirectory(prefix=".vadesk-backup-", dir=folder) as work:
        part = Path(work) / "copy.db"
        try:
            online_copy(path, part)
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"Cannot read {path} to back it up ({error}); nothing was written."
            ) from None
        contents = verify_sqlite(part)
        revision = contents.revision or "0000"
        target = _target_name(folder, label, now, revision, "db")
        os.replace(part, target)
        _fsync_dir(folder)
    return BackupResult(BackupFile(target, label, now, revision), target.stat().st_size, contents)


def verify_sqlite(path: Path) -> Contents:
    """A finished copy opens, passes integrity_check, has the expected schema and, when it
    holds vault items, the vault header."""
    contents = sqlite_contents(path)
    if contents.revision != HEAD:
        raise BackupError(
            f"The copy has schema {contents.revision}, not {HEAD}; nothing was written."
        )
    if contents.vault_items and not contents.has_vault:
        raise BackupError("The copy holds vault items but no vault header; nothing was written.")
    return contents


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------- PostgreSQL


def libpq_url(url: URL, *, with_password: bool = False) -> str:
    plain = url.set(drivername="postgresql")
    if not with_password:
        plain = plain.set(password=None)
    return plain.render_as_string(hide_password=False)


def postgres_commands(db: Database, target: str) -> list[str]:
    """The commands that back up and restore this PostgreSQL database by hand."""
    dsn = libpq_url(db.url)
    return [
        f"pg_dump --format=custom --no-owner --file={_quote(target)} --dbname={_quote(dsn)}",
        f"pg_restore --clean --if-exists --no-owner --dbname={_quote(dsn)} {_quote(target)}",
    ]


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _pg_env(db: Database) -> dict[str, str]:
    env = dict(os.environ)
    if db.url.password:
        env["PGPASSWORD"] = str(db.url.password)  # never on the command line
    return env


def _postgres_backup(db: Database, folder: Path, label: str, now: datetime) -> BackupResult:
    contents = store_contents(db)
    revision = contents.revision or "0000"
    target = _target_name(folder, label, now, revision, "pgdump")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        raise PostgresToolsMissing(
            "This database is on PostgreSQL, and pg_dump/pg_restore are not installed: "
            "install the PostgreSQL client tools (e.g. apt install postgresql-client), or "
            "use the server's own backups; the commands are below.",
            postgres_commands(db, str(target)),
        )
    fd, part_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    part = Path(part_name)
    try:
        dump = subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={part}",
                f"--dbname={libpq_url(db.url)}",
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if dump.returncode != 0:
            raise BackupError(f"pg_dump failed: {_first_line(dump.stderr)}; nothing was written.")
        listing = subprocess.run(
            ["pg_restore", "--list", str(part)], capture_output=True, text=True, check=False
        )
        needed = ["TABLE DATA public alembic_version", "TABLE DATA public cards"]
        if contents.has_vault:
            needed.append("TABLE DATA public vault_header")
        missing = [n for n in needed if n not in listing.stdout]
        if listing.returncode != 0 or missing:
            why = _first_line(listing.stderr) if listing.returncode else f"no {missing[0]}"
            raise BackupError(f"The dump does not verify ({why}); nothing was written.")
        with open(part, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(part, target)
        _fsync_dir(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return BackupResult(BackupFile(target, label, now, revision), target.stat().st_size, contents)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:200] if lines else "no message"


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class Status:
    folder: Path
    newest: BackupFile | None
    now: datetime

    @property
    def age(self) -> timedelta | None:
        return None if self.newest is None else self.newest.age(self.now)

    @property
    def stale(self) -> bool:
        age = self.age
        return age is None or age > STALE_AFTER

    def line(self) -> str:
        if self.newest is None:
            return f"No backup yet in {self.folder}."
        return f"Newest backup {describe_age(self.age)} ago: {self.newest.path.name}"

    def as_dict(self) -> dict[str, object]:
        age = self.age
        return {
            "folder": str(self.folder),
            "newest": str(self.newest.path) if self.newest else None,
            "created": self.newest.created.isoformat() if self.newest else None,
            "age_seconds": int(age.total_seconds()) if age is not None else None,
            "stale": self.stale,
        }


def describe_age(age: timedelta | None) -> str:
    if age is None:
        return "never"
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def status(
    url: URL, settings: Settings, folder: str | Path | None = None, *, clock: Clock = utcnow
) -> Status:
    """The newest backup of this database (the folder must exist when named)."""
    where, named = folder_for(settings, folder)
    if named:
        ready_folder(where, named)
    ext = "db" if url.get_backend_name() == "sqlite" else "pgdump"
    found = list_backups(where, label_for(url), ext)
    return Status(where, found[0] if found else None, clock())


def backup_if_stale(db: Database, settings: Settings, *, clock: Clock = utcnow) -> Status:
    """The app's start-up backup: one when the newest is older than a day; the status after.

    Skipped (status only) where a backup cannot run unattended: PostgreSQL without pg_dump.
    """
    current = status(db.url, settings, clock=clock)
    if not current.stale:
        return current
    if not db.is_sqlite and shutil.which("pg_dump") is None:
        return current
    made = backup(db, settings, clock=clock)
    return Status(current.folder, made.file, clock())


# ---------------------------------------------------------------- encrypted copies


def write_encrypted(
    db: Database,
    settings: Settings,
    target: Path,
    passphrase: Secret,
    kdf: KdfParams | None = None,
    *,
    clock: Clock = utcnow,
) -> BackupResult:
    """A verified backup, encrypted under ``passphrase`` (Argon2id + XChaCha20-Poly1305),
    written 0600 to ``target`` (for a cloud folder); no plain copy is left anywhere."""
    import nacl.pwhash.argon2id as argon2id
    import nacl.secret
    import nacl.utils

    from vadesk.services.files import write_private

    target = target.expanduser()
    if not target.parent.is_dir():
        raise BackupError(f"Folder {target.parent} does not exist; nothing was written.")
    kdf = kdf or KdfParams.moderate()
    kdf.validate()
    # The plain copy lives briefly in the private data folder, never beside ``target``
    # (which may be a synced cloud folder).
    with tempfile.TemporaryDirectory(prefix=".vadesk-backup-", dir=data_dir()) as work:
        made = backup(db, settings, work, clock=clock, rotate_after=False)
        plain = made.file.path.read_bytes()
        ext = made.file.path.suffix.lstrip(".")
        salt = nacl.utils.random(SALT_BYTES)
        made_at = int(made.file.created.timestamp())
        fields = _ENC_HEAD.pack(1, _KIND[ext], kdf.opslimit, kdf.memlimit, made_at)
        head = ENCRYPTED_MAGIC + fields + salt
        key = argon2id.kdf(32, passphrase.as_bytes(), salt, kdf.opslimit, kdf.memlimit)
        sealed = nacl.secret.Aead(key).encrypt(plain, head)
        del plain
        write_private(target, head + bytes(sealed))
    result = BackupFile(target, made.file.label, made.file.created, made.file.revision)
    return BackupResult(result, target.stat().st_size, made.contents)


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(ENCRYPTED_MAGIC)) == ENCRYPTED_MAGIC


def decrypt_to(source: Path, passphrase: Secret, target: Path) -> tuple[str, datetime]:
    """Decrypt an encrypted backup into ``target`` (0600); its kind ("db" or "pgdump") and
    when it was made (authenticated with the rest)."""
    import nacl.exceptions
    import nacl.pwhash.argon2id as argon2id
    import nacl.secret

    from vadesk.domain.vault_crypto import VaultError
    from vadesk.services.files import write_private

    data = source.read_bytes()
    head_len = len(ENCRYPTED_MAGIC) + _ENC_HEAD.size + SALT_BYTES
    if len(data) < head_len + 40:
        raise BackupError(f"{source.name} is a truncated encrypted backup. Nothing was changed.")
    fields = data[len(ENCRYPTED_MAGIC) : head_len - SALT_BYTES]
    version, kind, ops, mem, made = _ENC_HEAD.unpack(fields)
    kinds = {v: k for k, v in _KIND.items()}
    if version != 1 or kind not in kinds:
        raise BackupError(
            f"{source.name} is an encrypted backup of a newer format; upgrade vadesk. "
            "Nothing was changed."
        )
    kdf = KdfParams(ops, mem)
    try:
        kdf.validate()
    except VaultError:
        raise BackupError(
            f"{source.name} asks for unreasonable key-derivation costs; it may have been "
            "tampered with. Nothing was changed."
        ) from None
    salt = data[head_len - SALT_BYTES : head_len]
    key = argon2id.kdf(32, passphrase.as_bytes(), salt, kdf.opslimit, kdf.memlimit)
    try:
        plain = nacl.secret.Aead(key).decrypt(data[head_len:], data[:head_len])
    except (nacl.exceptions.CryptoError, ValueError):
        raise BackupError(
            f"Wrong passphrase for {source.name}, or the file is damaged. Nothing was changed."
        ) from None
    write_private(target, plain)
    return kinds[kind], datetime.fromtimestamp(made, UTC)


# ---------------------------------------------------------------- restore


@dataclass
class PreparedRestore:
    """A checked copy of the file to restore, beside the database; ``discard`` removes it."""

    source: Path
    database: Path
    copy: Path
    contents: Contents
    current: Contents | None
    created: datetime | None

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.copy.unlink()

    def as_dict(self) -> dict[str, object]:
        return {
            "file": str(self.source),
            "database": str(self.database),
            "created": self.created.isoformat() if self.created else None,
            "backup": self.contents.as_dict(),
            "current": self.current.as_dict() if self.current else None,
        }


@dataclass(frozen=True)
class RestoreResult:
    safety_copy: Path | None
    """The backup of the database as it was just before (None if there was none)."""
    migrated: str

    def as_dict(self) -> dict[str, object]:
        return {
            "previous_saved_as": str(self.safety_copy) if self.safety_copy else None,
            "schema": self.migrated,
        }


def restore_target(url_text: str, file: Path | None = None) -> tuple[URL, Path]:
    """The SQLite file a restore replaces; PostgreSQL gets the commands to use instead."""
    url = parse_url(url_text)
    path = sqlite_path(url)
    if path is not None:
        return url, path
    if url.get_backend_name() == "sqlite":
        raise BackupError("An in-memory database cannot be restored into.")
    dsn = libpq_url(url)
    raise PostgresToolsMissing(
        "This database is on PostgreSQL: restore a pg_dump file with pg_restore (the "
        "command is below), or from the server's own backups. Nothing was changed.",
        [
            f"pg_restore --clean --if-exists --no-owner --dbname={_quote(dsn)} "
            + _quote(str(file) if file is not None else "FILE.pgdump")
        ],
    )


def prepare_restore(
    url_text: str, source: Path, passphrase: Callable[[], Secret] | None = None
) -> PreparedRestore:
    """Check ``source`` on a copy beside the database; nothing of the database changes."""
    _url, database = restore_target(url_text, source)
    source = source.expanduser()
    if not source.is_file():
        raise BackupError(f"No file {source}; give the path of a backup. Nothing was changed.")
    if database.exists() and source.resolve() == database.resolve():
        raise BackupError(f"{source} is the database itself; give a backup. Nothing was changed.")
    if source.stat().st_size == 0:
        raise BackupError(
            f"{source.name} is an empty file, not a vadesk backup. Nothing was changed."
        )
    if not database.parent.is_dir():
        raise BackupError(f"Folder {database.parent} does not exist; check --db.")
    fd, copy_name = tempfile.mkstemp(
        prefix=f".{database.name}.", suffix=".restore", dir=database.parent
    )
    os.close(fd)
    copy = Path(copy_name)
    created: datetime | None = None
    try:
        if is_encrypted(source):
            if passphrase is None:
                raise InvalidInputError(f"{source.name} is encrypted; a passphrase is needed.")
            kind, created = decrypt_to(source, passphrase(), copy)
            if kind != "db":
                raise BackupError(
                    f"{source.name} holds a PostgreSQL dump; restore it with pg_restore. "
                    "Nothing was changed."
                )
            _check_magic(copy, source.name)
        else:
            _check_magic(source, source.name)
            try:
                online_copy(source, copy)
            except sqlite3.DatabaseError as error:
                raise BackupError(
                    f"{source.name} is damaged, truncated or not a SQLite database ({error}). "
                    "Nothing was changed."
                ) from None
        contents = sqlite_contents(copy, shown=source.name)
        current = _current_contents(database)
        if created is None:
            info = parse_name(source)
            created = info.created if info else None
        return PreparedRestore(source, database, copy, contents, current, created)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            copy.unlink()
        raise


def _check_magic(path: Path, shown: str) -> None:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise BackupError(
            f"{shown} is neither a SQLite database nor an encrypted vadesk backup. "
            "Nothing was changed."
        )


def _current_contents(database: Path) -> Contents | None:
    """What the database holds now; None when it is missing or unreadable (damaged)."""
    if not database.exists() or database.stat().st_size == 0:
        return None
    try:
        return sqlite_contents(database, check=False)
    except BackupError:
        return None


def apply_restore(
    prepared: PreparedRestore, settings: Settings, *, clock: Clock = utcnow
) -> RestoreResult:
    """Back the current database up, then put the checked copy in its place.

    A healthy current database is overwritten through SQLite (the online backup API, one
    write transaction on the live file): other processes keep valid connections and see one
    commit, so an open board reloads; a killed restore leaves the old database. A missing or
    damaged one is replaced by renaming the synced copy over it (the damaged file is kept).
    """
    database = prepared.database
    url_text = f"sqlite:///{database}"
    safety: Path | None = None
    try:
        with sqlite_file_lock(database):
            if prepared.current is not None:
                db = Database(url_text, synchronous=settings.sqlite_synchronous, create=False)
                try:
                    safety = _backup_current(db, settings, clock)
                finally:
                    db.dispose()
                _copy_into_live(prepared.copy, database)
            else:
                safety = _set_damaged_aside(database, settings, clock)
                for side in ("-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        database.with_name(database.name + side).unlink()
                os.replace(prepared.copy, database)
                _fsync_dir(database.parent)
    finally:
        prepared.discard()
    db = Database(url_text, synchronous=settings.sqlite_synchronous, create=False)
    try:
        outcome = ensure_schema(db)
    finally:
        db.dispose()
    log.info("restored a backup; schema %s", outcome)
    return RestoreResult(safety, outcome)


def _backup_current(db: Database, settings: Settings, clock: Clock) -> Path:
    """The regular backup (verified, in the backup folder); an old schema's copy too."""
    try:
        # No rotation here: it could delete the very file being restored.
        return backup(db, settings, clock=clock, rotate_after=False).file.path
    except BackupError as error:
        if "schema" not in str(error):
            raise
    # The current database has an older schema: keep a verified-readable copy anyway.
    folder = ready_folder(*folder_for(settings))
    contents = sqlite_contents(db.path) if db.path else None
    rev = contents.revision if contents and contents.revision else "0000"
    target = _target_name(folder, label_for(db.url), clock(), rev, "db")
    assert db.path is not None
    online_copy(db.path, target)
    return target


def _set_damaged_aside(database: Path, settings: Settings, clock: Clock) -> Path | None:
    if not database.exists():
        return None
    folder = ready_folder(*folder_for(settings))
    stamp = clock().astimezone(UTC).strftime(STAMP)
    target = folder / f"{database.stem}-{stamp}-damaged{database.suffix or '.db'}"
    shutil.copyfile(database, target)
    target.chmod(0o600)
    return target


def _copy_into_live(copy: Path, database: Path) -> None:
    source = _connect_ro(copy)
    try:
        live = sqlite3.connect(database, timeout=30)
        try:
            live.execute("PRAGMA busy_timeout = 30000")
            live.execute("PRAGMA synchronous = FULL")
            mode = live.execute("PRAGMA journal_mode").fetchone()[0]
            started = time.monotonic()
            source.backup(live)
            if str(mode).lower() == "wal":  # the live file stays in WAL mode
                live.execute("PRAGMA wal_checkpoint(PASSIVE)")
            log.info("restore written in %.2f s", time.monotonic() - started)
        finally:
            live.close()
    except sqlite3.DatabaseError as error:
        raise DatabaseError(
            f"Cannot write the backup into {database} ({error}); the database is as it was."
        ) from None
    finally:
        source.close()


def summary_rows(prepared: PreparedRestore) -> Sequence[tuple[str, str, str]]:
    """(what, in the backup, now) for the confirmation table."""
    new, old = prepared.contents, prepared.current

    def cur(value: object) -> str:
        return "-" if old is None else str(value)

    return [
        ("schema revision", str(new.revision), cur(old.revision if old else None)),
        ("cards", str(new.cards), cur(old.cards if old else None)),
        ("clients", str(new.clients), cur(old.clients if old else None)),
        ("time entries", str(new.time_entries), cur(old.time_entries if old else None)),
        ("vault items", str(new.vault_items), cur(old.vault_items if old else None)),
    ]
