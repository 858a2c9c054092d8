"""Backups and restore: consistent under writers, verified, rotated, and a restore that
refuses bad files without changing anything."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import IN_CI
from vadesk.config import Settings
from vadesk.db.engine import Database
from vadesk.db.migrate import upgrade
from vadesk.db.models import Card
from vadesk.db.revisions import HEAD
from vadesk.domain import vault_crypto as vc
from vadesk.services import backup as backups
from vadesk.services import vault
from vadesk.services.cards import create_card
from vadesk.services.changes import ChangeFeed
from vadesk.services.store import Store, open_store

PASS = vc.Secret("plum orchard kettle violin")
FAST = vc.KdfParams.interactive()
SETTINGS = Settings(user="tester")


def titles(store: Store) -> set[str]:
    with store.read() as s:
        return set(s.scalars(select(Card.title)).all())


def add(store: Store, *names: str) -> None:
    for name in names:
        with store.write() as s:
            create_card(s, name)


def login(name: str) -> dict[str, Any]:
    return {"kind": "login", "client": "Acme", "name": name, "password": "pw-secret-1"}


def fingerprint(path: Path) -> dict[str, str]:
    """The bytes of a SQLite database and its side files: to prove nothing changed."""
    found = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            found[suffix] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def folder_state(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ------------------------------------------------------------------ making a backup


def test_a_backup_is_verified_private_and_named_by_time_and_revision(
    sqlite_store: Store,
) -> None:
    add(sqlite_store, "Invoice Acme", "Book flights")
    when = datetime(2026, 11, 24, 9, 30, 5, tzinfo=UTC)
    result = backups.backup(sqlite_store.db, SETTINGS, clock=lambda: when)
    path = result.file.path
    assert path.name == f"vadesk-20261124T093005Z-r{HEAD}.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert result.contents.cards == 2
    # A self-contained file: no -wal beside it, and it opens read-only on its own.
    assert not path.with_name(path.name + "-wal").exists()
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM cards").fetchone() == (2,)
    # Nothing but the backup is left in the folder (no temporary files).
    assert folder_state(path.parent) == [path.name]


def test_a_backup_keeps_the_vault_encrypted(sqlite_store: Store) -> None:
    with sqlite_store.write() as s:
        opened = vault.init(s, PASS, FAST)
    with sqlite_store.write() as s:
        vault.save_item(s, opened, login("Acme bank login"))
    result = backups.backup(sqlite_store.db, SETTINGS)
    data = result.file.path.read_bytes()
    assert b"Acme bank login" not in data
    assert b"pw-secret-1" not in data
    assert result.contents.vault_items == 1
    assert result.contents.has_vault


def test_a_configured_folder_that_is_missing_is_reported_and_nothing_is_written(
    sqlite_store: Store, tmp_path: Path
) -> None:
    missing = tmp_path / "external-disk" / "vadesk"
    settings = Settings(user="tester", backup_dir=str(missing))
    with pytest.raises(backups.BackupError, match="does not exist \\(is the disk plugged in"):
        backups.backup(sqlite_store.db, settings)
    assert not missing.exists()
    default = backups.folder_for(SETTINGS)[0]
    assert folder_state(default) == []  # and not silently written to the default either


def test_a_folder_given_on_the_command_line_is_used_and_must_exist(
    sqlite_store: Store, tmp_path: Path
) -> None:
    with pytest.raises(backups.BackupError, match="does not exist"):
        backups.backup(sqlite_store.db, SETTINGS, tmp_path / "nope")
    (tmp_path / "usb").mkdir()
    result = backups.backup(sqlite_store.db, SETTINGS, tmp_path / "usb")
    assert result.file.path.parent == tmp_path / "usb"


def test_two_databases_in_one_folder_never_rotate_each_other(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = open_store(SETTINGS, f"sqlite:///{tmp_path / 'a' / 'work.db'}")
    two = open_store(SETTINGS, f"sqlite:///{tmp_path / 'b' / 'home.db'}")
    try:
        day = datetime(2026, 11, 1, 9, tzinfo=UTC)
        for n in range(20):
            now = day + timedelta(days=n)
            backups.backup(one.db, SETTINGS, folder, clock=lambda now=now: now)
        backups.backup(two.db, SETTINGS, folder, clock=lambda: day)
        names = folder_state(folder)
        assert sum(name.startswith("home-") for name in names) == 1
        assert sum(name.startswith("work-") for name in names) == 14 + 1  # 14 days + 1 week
    finally:
        one.close()
        two.close()


@pytest.mark.slow
def test_a_backup_under_concurrent_writers_holds_every_change_committed_before_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    store = open_store(SETTINGS, sqlite_url)
    seen: list[tuple[float, str]] = []  # (when we knew it was committed, title)
    guard = threading.Lock()
    stop = threading.Event()

    def thread_writer(n: int) -> None:  # the app's writer thread, in effect
        i = 0
        while not stop.is_set():
            title = f"thread{n}-{i}"
            with store.write() as s:
                create_card(s, title)
            with guard:
                seen.append((time.monotonic(), title))
            i += 1

    script = (
        "import subprocess, sys\n"
        "for i in range(10_000):\n"
        "    t = f'cli{sys.argv[2]}-{i}'\n"
        "    subprocess.run([sys.argv[3], '-m', 'vadesk', '--db', sys.argv[1], 'card', 'add', t],"
        " check=True, stdout=subprocess.DEVNULL)\n"
        "    print(t, flush=True)\n"
    )

    def cli_reader(proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with guard:
                seen.append((time.monotonic(), line.strip()))

    threads = [threading.Thread(target=thread_writer, args=(n,)) for n in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, sqlite_url, str(n), sys.executable],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    readers = [threading.Thread(target=cli_reader, args=(p,)) for p in procs]
    for t in threads + readers:
        t.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until both kinds of writer have committed
            with guard:
                kinds = {title[:3] for _, title in seen}
            if {"thr", "cli"} <= kinds:
                break
            time.sleep(0.1)
        started = time.monotonic()
        with guard:
            before = {title for when, title in seen if when < started}
        result = backups.backup(store.db, SETTINGS)
    finally:
        stop.set()
        for p in procs:
            p.terminate()
        for t in threads + readers:
            t.join(30)
        for p in procs:
            p.wait(30)
    assert {title[:3] for title in before} == {"thr", "cli"}
    restored_path = tmp_path / "restored.db"
    shutil.copy(result.file.path, restored_path)
    restored = open_store(SETTINGS, f"sqlite:///{restored_path}")
    try:
        in_backup = titles(restored)
    finally:
        restored.close()
        store.close()
    assert before <= in_backup
    assert len(in_backup) == result.contents.cards


# ------------------------------------------------------------------ rotation


def daily_backups(store: Store, settings: Settings, start: datetime, days: int) -> list[list[str]]:
    """One backup a day at ``start``'s time; the folder's names after each."""
    after: list[list[str]] = []
    for n in range(days):
        now = start + timedelta(days=n)
        backups.backup(store.db, settings, clock=lambda now=now: now)
        after.append(folder_state(backups.folder_for(settings)[0]))
    return after


def stamp(name: str) -> datetime:
    info = backups.parse_name(Path(name))
    assert info is not None
    return info.created


def test_rotation_keeps_the_newest_of_each_recent_day_and_week(sqlite_store: Store) -> None:
    settings = Settings(user="tester", backup_keep_daily=2, backup_keep_weekly=3)
    monday = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
    daily_backups(sqlite_store, settings, monday, 15)  # Mon 2 Nov .. Mon 16 Nov
    # A second one on the last day replaces that day's first.
    late = datetime(2026, 11, 16, 18, tzinfo=UTC)
    result = backups.backup(sqlite_store.db, settings, clock=lambda: late)
    kept = [stamp(n) for n in folder_state(result.file.path.parent)]
    assert sorted(kept) == [
        datetime(2026, 11, 8, 9, tzinfo=UTC),  # newest of the week of 2 Nov (a Sunday)
        datetime(2026, 11, 15, 9, tzinfo=UTC),  # yesterday, and the newest of last week
        late,  # today, and this week
    ]
    assert [p.name for p in result.pruned] == [f"vadesk-20261116T090000Z-r{HEAD}.db"]


def test_rotation_with_the_defaults_across_four_months_of_days(sqlite_store: Store) -> None:
    assert (SETTINGS.backup_keep_daily, SETTINGS.backup_keep_weekly) == (14, 8)
    start = datetime(2026, 8, 3, 22, tzinfo=UTC)  # a Monday
    after = daily_backups(sqlite_store, SETTINGS, start, 120)
    last_day = start + timedelta(days=119)
    for names in after:
        assert len(names) <= 14 + 8
    kept = sorted((stamp(n) for n in after[-1]), reverse=True)
    # The last 14 days, each once...
    assert kept[:14] == [last_day - timedelta(days=n) for n in range(14)]
    # ...and before them only the newest (Sunday's) backup of each older week, until 8
    # weeks are covered in all.
    older = kept[14:]
    assert all(when.isoweekday() == 7 for when in older)
    weeks = {when.isocalendar()[:2] for when in kept}
    assert len(weeks) == 8
    assert len(older) == len({w.isocalendar()[:2] for w in older})


def test_of_several_backups_within_one_second_the_last_written_is_kept(
    sqlite_store: Store,
) -> None:
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    for n in range(4):
        add(sqlite_store, f"card {n}")
        last = backups.backup(sqlite_store.db, SETTINGS, clock=lambda: now)
    folder = last.file.path.parent
    assert folder_state(folder) == [last.file.path.name]
    with sqlite3.connect(last.file.path) as conn:
        assert conn.execute("SELECT count(*) FROM cards").fetchone() == (4,)
    status = backups.status(sqlite_store.db.url, SETTINGS, clock=lambda: now)
    assert status.newest is not None and status.newest.path == last.file.path


def test_nothing_but_vadesk_backups_of_this_database_is_ever_pruned(
    sqlite_store: Store,
) -> None:
    folder = backups.folder_for(SETTINGS)[0]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("mine")
    (folder / "vadesk-old-copy.db").write_bytes(b"x")
    daily_backups(
        sqlite_store,
        Settings(user="t", backup_keep_daily=1, backup_keep_weekly=0),
        datetime(2026, 1, 5, tzinfo=UTC),
        3,
    )
    names = folder_state(folder)
    assert "notes.txt" in names
    assert "vadesk-old-copy.db" in names
    assert len(names) == 3


# ------------------------------------------------------------------ status and start-up


def test_status_and_the_start_up_backup_follow_the_age_of_the_newest(
    sqlite_store: Store,
) -> None:
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    first = backups.status(sqlite_store.db.url, SETTINGS, clock=lambda: now)
    assert first.newest is None and first.stale
    made = backups.backup_if_stale(sqlite_store.db, SETTINGS, clock=lambda: now)
    assert made.newest is not None and not made.stale
    later = now + timedelta(hours=5)
    again = backups.backup_if_stale(sqlite_store.db, SETTINGS, clock=lambda: later)
    assert again.newest == made.newest  # fresh enough: no new copy
    assert again.line().startswith("Newest backup 5 h ago:")
    next_day = now + timedelta(days=1, minutes=1)
    third = backups.backup_if_stale(sqlite_store.db, SETTINGS, clock=lambda: next_day)
    assert third.newest is not None and third.newest.created == next_day


# ------------------------------------------------------------------ restore


def test_restore_brings_the_backup_back_and_saves_the_current_database_first(
    sqlite_store: Store,
) -> None:
    add(sqlite_store, "kept")
    made = backups.backup(sqlite_store.db, SETTINGS)
    add(sqlite_store, "added after the backup")
    prepared = backups.prepare_restore(str(sqlite_store.db.url), made.file.path)
    assert prepared.contents.cards == 1
    assert prepared.current is not None and prepared.current.cards == 2
    result = backups.apply_restore(prepared, SETTINGS)
    assert titles(sqlite_store) == {"kept"}  # the open store sees it at once
    assert result.safety_copy is not None
    safety = open_store(SETTINGS, f"sqlite:///{result.safety_copy}")
    try:
        assert titles(safety) == {"kept", "added after the backup"}
    finally:
        safety.close()
    assert made.file.path.exists()  # the file restored from is still there
    assert not prepared.copy.exists()


def test_an_open_board_hears_about_a_restore_and_keeps_working(sqlite_store: Store) -> None:
    add(sqlite_store, "one")
    made = backups.backup(sqlite_store.db, SETTINGS)
    add(sqlite_store, "two")
    feed = ChangeFeed(sqlite_store, poll_interval=0.01)
    try:
        assert not feed.wait(0.05)
        backups.apply_restore(
            backups.prepare_restore(str(sqlite_store.db.url), made.file.path), SETTINGS
        )
        assert feed.wait(2.0)
    finally:
        feed.close()
    add(sqlite_store, "three")  # the board's connection still writes
    assert titles(sqlite_store) == {"one", "three"}


def test_an_older_backup_is_upgraded_after_it_is_restored(
    sqlite_store: Store, tmp_path: Path
) -> None:
    old_path = tmp_path / "old.db"
    old = Database(f"sqlite:///{old_path}")
    upgrade(old, "0001")
    old.dispose()
    prepared = backups.prepare_restore(str(sqlite_store.db.url), old_path)
    assert prepared.contents.revision == "0001"
    result = backups.apply_restore(prepared, SETTINGS)
    assert result.migrated.startswith("upgraded from 0001")
    reopened = open_store(SETTINGS, str(sqlite_store.db.url))
    try:
        assert titles(reopened) == set()
    finally:
        reopened.close()


def _newer(path: Path, target: Path) -> None:
    shutil.copy(path, target)
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")


def _truncated(path: Path, target: Path) -> None:
    data = path.read_bytes()
    target.write_bytes(data[: len(data) // 2])


def _foreign(path: Path, target: Path) -> None:
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")


def _zero(path: Path, target: Path) -> None:
    target.write_bytes(b"")


def _text(path: Path, target: Path) -> None:
    target.write_text("name,minutes\nAcme,30\n")


def _flipped(path: Path, target: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, 4096 * 3 + 200):  # a b-tree page header and cells
        data[offset] ^= 0xFF
    target.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_truncated, "is damaged"),
        (_foreign, "is not a vadesk database"),
        (_newer, "newer than this vadesk knows"),
        (_zero, "is an empty file"),
        (_text, "neither a SQLite database nor an encrypted vadesk backup"),
        (_flipped, "is damaged"),
    ],
    ids=["truncated", "foreign", "newer", "zero-byte", "text", "flipped-bytes"],
)
def test_restore_refuses_a_bad_file_and_changes_nothing(
    sqlite_store: Store, tmp_path: Path, make: Any, message: str
) -> None:
    add(sqlite_store, "precious")
    good = backups.backup(sqlite_store.db, SETTINGS).file.path
    bad = tmp_path / "bad.db"
    make(good, bad)
    db_path = sqlite_store.db.path
    assert db_path is not None
    sqlite_store.db.checkpoint()
    before = fingerprint(db_path)
    folder_before = folder_state(good.parent)
    beside_before = folder_state(db_path.parent)
    with pytest.raises(backups.BackupError, match=message) as info:
        backups.prepare_restore(str(sqlite_store.db.url), bad)
    assert "\n" not in str(info.value)
    assert str(info.value).endswith("Nothing was changed.")
    assert fingerprint(db_path) == before
    assert folder_state(good.parent) == folder_before
    assert folder_state(db_path.parent) == beside_before  # no temporary copy left
    assert titles(sqlite_store) == {"precious"}


def test_restoring_the_database_onto_itself_is_refused(sqlite_store: Store) -> None:
    assert sqlite_store.db.path is not None
    with pytest.raises(backups.BackupError, match="is the database itself"):
        backups.prepare_restore(str(sqlite_store.db.url), sqlite_store.db.path)


def test_a_damaged_database_is_replaced_and_kept_aside(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    path = tmp_path / "d" / "vadesk.db"
    store = open_store(SETTINGS, f"sqlite:///{path}")
    add(store, "from the backup")
    made = backups.backup(store.db, SETTINGS)
    store.close()
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)  # damaged beyond opening
    prepared = backups.prepare_restore(f"sqlite:///{path}", made.file.path)
    assert prepared.current is None
    result = backups.apply_restore(prepared, SETTINGS)
    assert result.safety_copy is not None and result.safety_copy.read_bytes().startswith(
        b"SQLite format 3\x00\xff"
    )
    reopened = open_store(SETTINGS, f"sqlite:///{path}")
    try:
        assert titles(reopened) == {"from the backup"}
    finally:
        reopened.close()


def test_the_restored_vault_opens_with_the_passphrase_of_its_time_and_warns_it_is_older(
    sqlite_store: Store,
) -> None:
    with sqlite_store.write() as s:
        opened = vault.init(s, PASS, FAST)
    with sqlite_store.write() as s:
        vault.save_item(s, opened, login("Old bank"))
    made = backups.backup(sqlite_store.db, SETTINGS)
    new_pass = vc.Secret("a completely new passphrase 42")
    with sqlite_store.write() as s:
        vault.save_item(s, opened, login("New bank"))
    with sqlite_store.write() as s:
        vault.change_passphrase(s, PASS, new_pass, FAST)
    vault.open_vault(sqlite_store, new_pass).lock()  # the newest state is remembered
    backups.apply_restore(
        backups.prepare_restore(str(sqlite_store.db.url), made.file.path), SETTINGS
    )
    with pytest.raises(vc.WrongPassphrase):
        vault.open_vault(sqlite_store, new_pass)
    with pytest.raises(vault.VaultRolledBack, match="older than the one you last opened"):
        vault.open_vault(sqlite_store, PASS)
    accepted = vault.open_vault(sqlite_store, PASS, accept_older=True)
    assert [d["name"] for d in accepted.items.values()] == ["Old bank"]


# ------------------------------------------------------------------ encrypted copies


def test_an_encrypted_copy_restores_only_with_its_passphrase(
    sqlite_store: Store, tmp_path: Path
) -> None:
    add(sqlite_store, "Quarterly report")
    cloud = tmp_path / "cloud"
    cloud.mkdir()
    target = cloud / "vadesk.backup"
    made = backups.write_encrypted(sqlite_store.db, SETTINGS, target, PASS, FAST)
    assert folder_state(cloud) == ["vadesk.backup"]  # no plain copy beside it
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert b"Quarterly report" not in target.read_bytes()
    assert b"SQLite format" not in target.read_bytes()
    url = str(sqlite_store.db.url)
    with pytest.raises(backups.BackupError, match="Wrong passphrase"):
        backups.prepare_restore(url, target, lambda: vc.Secret("not it"))
    add(sqlite_store, "later")
    prepared = backups.prepare_restore(url, target, lambda: PASS)
    assert prepared.created is not None
    assert prepared.created.replace(microsecond=0) == made.file.created.replace(microsecond=0)
    backups.apply_restore(prepared, SETTINGS)
    assert titles(sqlite_store) == {"Quarterly report"}


def test_a_tampered_encrypted_copy_is_refused(sqlite_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "copy.backup"
    backups.write_encrypted(sqlite_store.db, SETTINGS, target, PASS, FAST)
    data = bytearray(target.read_bytes())
    data[-100] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(backups.BackupError, match=r"Wrong passphrase .* or the file is damaged"):
        backups.prepare_restore(str(sqlite_store.db.url), target, lambda: PASS)
    target.write_bytes(bytes(data[:60]))
    with pytest.raises(backups.BackupError, match="truncated"):
        backups.prepare_restore(str(sqlite_store.db.url), target, lambda: PASS)


# ------------------------------------------------------------------ PostgreSQL


def needs_pg_dump() -> None:
    """pg_dump is part of PostgreSQL's client tools, which .ci/run installs."""
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        if IN_CI:
            pytest.fail("pg_dump and pg_restore are required under CI")
        pytest.skip("pg_dump/pg_restore are not installed")


def test_postgres_backup_runs_pg_dump_verifies_and_rotates(pg_url: str) -> None:
    needs_pg_dump()
    store = open_store(SETTINGS, pg_url)
    try:
        add(store, "on the server")
        day = datetime(2026, 11, 2, 9, tzinfo=UTC)
        settings = Settings(user="tester", backup_keep_daily=2, backup_keep_weekly=0)
        results = [
            backups.backup(store.db, settings, clock=lambda n=n: day + timedelta(days=n))
            for n in range(3)
        ]
    finally:
        store.close()
    newest = results[-1].file.path
    assert newest.suffix == ".pgdump"
    assert stat.S_IMODE(newest.stat().st_mode) == 0o600
    assert results[-1].pruned == [results[0].file.path]
    assert folder_state(newest.parent) == sorted(r.file.path.name for r in results[1:])
    listing = subprocess.run(
        ["pg_restore", "--list", str(newest)], capture_output=True, text=True, check=True
    )
    assert "TABLE DATA public cards" in listing.stdout
    # The dump restores into an empty database and holds the card.
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target_url = make_url(pg_url).set(database=make_url(pg_url).database + "_r")
    admin = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {target_url.database}"))
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                f"--dbname={backups.libpq_url(target_url)}",
                str(newest),
            ],
            check=True,
            capture_output=True,
        )
        restored = open_store(SETTINGS, target_url.render_as_string(hide_password=False))
        try:
            assert titles(restored) == {"on the server"}
        finally:
            restored.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {target_url.database} WITH (FORCE)"))
        admin.dispose()


def test_postgres_without_pg_dump_names_the_commands_and_writes_nothing(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(SETTINGS, pg_url)
    try:
        monkeypatch.setenv("PATH", "/nonexistent")
        with pytest.raises(
            backups.PostgresToolsMissing, match="pg_dump/pg_restore are not"
        ) as info:
            backups.backup(store.db, SETTINGS)
    finally:
        store.close()
    dump, restore = info.value.commands
    assert dump.startswith("pg_dump --format=custom")
    assert restore.startswith("pg_restore --clean --if-exists")
    assert "+psycopg" not in dump
    folder = backups.folder_for(SETTINGS)[0]
    assert folder_state(folder) == []


def test_restore_on_postgres_points_to_pg_restore(pg_url: str, tmp_path: Path) -> None:
    with pytest.raises(backups.PostgresToolsMissing, match="restore a pg_dump file") as info:
        backups.prepare_restore(pg_url, tmp_path / "x.pgdump")
    assert info.value.commands[0].endswith(str(tmp_path / "x.pgdump"))


def test_the_pre_migration_copy_uses_the_same_online_copy(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(f"sqlite:///{path}")
    upgrade(old, "0001")
    old.dispose()
    store = open_store(SETTINGS, f"sqlite:///{path}")
    store.close()
    copies = [p for p in tmp_path.iterdir() if ".before-0001-" in p.name]
    assert len(copies) == 1
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert os.path.exists(path)
