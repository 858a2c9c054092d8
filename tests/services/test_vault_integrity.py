"""Vault integrity: concurrent writers, failed writes, hostile files, damaged rows, a way back.

Every test here is something that once locked the owner out of their own vault.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import nacl.utils
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from vadesk.cli import cli
from vadesk.config import Settings
from vadesk.db.models import VaultHeader, VaultItem
from vadesk.domain import vault_crypto as vc
from vadesk.errors import ConflictError, InvalidInputError, VadeskError
from vadesk.services import vault, vault_repair
from vadesk.services.store import Store, open_store

PASS = vc.Secret("plum orchard kettle violin")
FAST = vc.KdfParams.interactive()


def login(name: str, password: str = "pw-secret-1", client: str = "Acme") -> dict[str, Any]:
    return {"kind": "login", "client": client, "name": name, "password": password}


@pytest.fixture
def opened(store: Store) -> vault.OpenVault:
    with store.write() as s:
        return vault.init(s, PASS, FAST)


def reopen(store: Store) -> vault.OpenVault:
    return vault.open_vault(store, PASS)


# ------------------------------------------------------------------ concurrent writers


def _writer(url: str, worker: int, rounds: int) -> dict[str, str]:
    """One process: add items, edit and delete some; return what was acknowledged."""
    store = open_store(Settings(user=f"w{worker}"), url)
    try:
        mine = vault.open_vault(store, PASS)
        acknowledged: dict[str, str] = {}
        for n in range(rounds):
            with store.write() as s:
                item = vault.save_item(s, mine, login(f"w{worker}-{n}", f"v1-{worker}-{n}"))
            acknowledged[item] = f"v1-{worker}-{n}"
            if n % 2:
                with store.write() as s:
                    doc = {**mine.items[item], "password": f"v2-{worker}-{n}"}
                    vault.save_item(s, mine, doc, item)
                acknowledged[item] = f"v2-{worker}-{n}"
            if n % 3 == 2:
                with store.write() as s:
                    vault.delete_item(s, mine, item)
                acknowledged[item] = "deleted"
        mine.lock()
        return acknowledged
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("writers", [2, 4, 8])
def test_many_processes_writing_at_once_leave_a_vault_that_opens_with_every_write(
    store: Store, opened: vault.OpenVault, db_url: str, writers: int
) -> None:
    with ProcessPoolExecutor(writers, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(_writer, [db_url] * writers, range(writers), [6] * writers))
    final = reopen(store)
    expected = {k: v for r in results for k, v in r.items()}
    assert len(expected) == writers * 6
    for item_id, password in expected.items():
        if password == "deleted":
            assert item_id not in final.items
        else:
            assert final.items[item_id]["password"] == password
    assert len(final.items) == sum(1 for v in expected.values() if v != "deleted")


@pytest.mark.slow
def test_six_cli_adds_started_at_once_all_land_and_the_vault_opens(
    store: Store, opened: vault.OpenVault, db_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    with store.write() as s:
        from vadesk.services.clients import add_client

        add_client(s, "Acme")
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "vadesk", "--db", db_url, "vault", "add", "login"),
                *("--client", "Acme", "--name", f"Parallel {n}", "--passphrase-stdin"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for n in range(6)
    ]
    outputs = [
        p.communicate(f"{PASS.reveal()}\nsecret-{n}\n\n".encode(), timeout=120)
        for n, p in enumerate(procs)
    ]
    assert [p.returncode for p in procs] == [0] * 6, [e.decode() for _, e in outputs]
    final = reopen(store)
    assert sorted(d["name"] for d in final.items.values()) == [f"Parallel {n}" for n in range(6)]


def test_an_open_vault_saves_after_another_process_added_an_item(
    store: Store, opened: vault.OpenVault, db_url: str
) -> None:
    other = reopen(store)
    with store.write() as s:
        added_elsewhere = vault.save_item(s, other, login("From the CLI"))
    with store.write() as s:
        mine = vault.save_item(s, opened, login("From the TUI"))
    # The open vault caught up with the other writer's item after its own commit.
    assert set(opened.items) == {added_elsewhere, mine}
    assert set(reopen(store).items) == {added_elsewhere, mine}


def test_editing_an_item_changed_elsewhere_is_a_conflict_and_nothing_is_lost(
    store: Store, opened: vault.OpenVault
) -> None:
    with store.write() as s:
        item = vault.save_item(s, opened, login("Bank", "first"))
    other = reopen(store)
    with store.write() as s:
        vault.save_item(s, other, {**other.items[item], "password": "theirs"}, item)
    with pytest.raises(ConflictError), store.write() as s:
        vault.save_item(s, opened, {**opened.items[item], "password": "mine"}, item)
    assert opened.items[item]["password"] == "first"  # memory untouched by the failed write
    with store.read() as s:
        vault.refresh(s, opened)
    assert opened.items[item]["password"] == "theirs"
    assert reopen(store).items[item]["password"] == "theirs"


def test_a_save_after_the_key_was_rotated_elsewhere_is_refused_and_the_vault_still_opens(
    store: Store, opened: vault.OpenVault
) -> None:
    with store.write() as s:
        vault.save_item(s, opened, login("Bank"))
    other = reopen(store)
    with store.write() as s:
        vault.rotate_key(s, other, PASS, FAST)
    with pytest.raises(vault.VaultStale, match="rotated"), store.write() as s:
        vault.save_item(s, opened, login("Stale"))
    assert [d["name"] for d in reopen(store).items.values()] == ["Bank"]


# ------------------------------------------------------------------ failed writes


def test_a_failed_import_leaves_the_open_vault_and_the_database_as_they_were(
    store: Store, opened: vault.OpenVault
) -> None:
    with store.write() as s:
        vault.save_item(s, opened, login("Existing"))
    before_items = dict(opened.items)
    documents = [
        login("One"),
        login("Two"),
        {"kind": "card", "client": "Acme", "name": "Acme Visa", "number": "4242424242424241"},
        login("Four"),
    ]
    with pytest.raises(InvalidInputError) as caught, store.write() as s:
        vault.import_documents(s, opened, documents)
    assert str(caught.value).startswith(
        "item 3 (card 'Acme Visa'): that card number fails the Luhn check"
    )
    assert opened.items == before_items
    assert list(reopen(store).items.values()) == list(before_items.values())


def test_a_write_that_fails_before_its_commit_changes_nothing_in_memory(
    store: Store, opened: vault.OpenVault
) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.write() as s:
        vault.save_item(s, opened, login("Phantom"))
        raise Boom  # as "database is locked" at COMMIT would
    assert opened.items == {}
    with store.write() as s:  # the next save signs only what the database holds
        vault.save_item(s, opened, login("Real"))
    assert [d["name"] for d in reopen(store).items.values()] == ["Real"]


# ------------------------------------------------------------------ hostile export files


def raw_bundle(passphrase: vc.Secret, plain: bytes) -> bytes:
    """An export file around any plaintext (the way a hostile tool could write one)."""
    salt = nacl.utils.random(vc.SALT_BYTES)
    head = (
        vc.EXPORT_MAGIC
        + struct.pack(">BIQ", vc.FORMAT_VERSION, FAST.opslimit, FAST.memlimit)
        + salt
    )
    return head + bytes(vc._derive(passphrase, salt, FAST).encrypt(vc._pad(plain), head))


HOSTILE = {
    "NaN": (b'[{"kind":"login","name":"x","password":NaN}]', "no valid JSON"),
    "lone surrogate": (b'[{"kind":"login","name":"\\ud800"}]', "no valid JSON"),
    "cards not a list": (b'[{"kind":"login","name":"x","cards":5}]', "item 1 (login 'x')"),
    "deep nesting": (b"[" * 5000 + b"]" * 5000, "no valid JSON"),
    "not a list": (b'{"kind":"login"}', "no list of items"),
    "item not an object": (b'[{"kind":"note","name":"a","note":"b"}, 7]', "item 2:"),
    "name not text": (b'[{"kind":"login","name":5}]', "item 1: name must be text"),
    "unknown field": (b'[{"kind":"note","name":"n","evil":"x"}]', "has no field 'evil'"),
    "unknown kind": (b'[{"kind":"bank","name":"n"}]', "item 1: item kind must be one of"),
    "deep value": (b'[{"kind":"note","name":"n","note":[[[[1]]]]}]', "note must be text"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_export_file_is_refused_in_one_line_and_nothing_is_written(
    store: Store, opened: vault.OpenVault, case: str
) -> None:
    plain, expected = HOSTILE[case]
    data = raw_bundle(PASS, plain)
    with pytest.raises(VadeskError) as caught, store.write() as s:
        vault.import_bundle(s, opened, data, PASS)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and len(message) < 300
    assert opened.items == {}
    assert reopen(store).items == {}


def test_importing_twenty_thousand_items_writes_the_manifest_once(
    store: Store, opened: vault.OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed: list[int] = []
    real = vc.encrypt_manifest

    def counting(*args: Any) -> bytes:
        signed.append(len(args[2]))
        return real(*args)

    monkeypatch.setattr(vc, "encrypt_manifest", counting)
    documents = [login(f"Item {n}") for n in range(20_000)]
    with store.write() as s:
        assert vault.import_documents(s, opened, documents) == 20_000
    assert signed == [20_000]  # one manifest for the whole import: linear, not quadratic
    assert len(reopen(store).items) == 20_000


# ------------------------------------------------------------------ damaged rows


def loosen(conn: sqlite3.Connection, table: str) -> None:
    """Rebuild a table without types or NOT NULL, as another tool might have left it."""
    cols = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    conn.execute(f"CREATE TABLE loose AS SELECT * FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
    conn.execute(f"INSERT INTO {table} SELECT * FROM loose")
    conn.execute("DROP TABLE loose")


TAMPER = {
    "header cost as text": ("vault_header", "kdf_opslimit", "'three'", "cost is not a number"),
    "header memory as null": ("vault_header", "kdf_memlimit", "NULL", "memory is not a number"),
    "header salt as text": (
        "vault_header",
        "salt",
        "'0123456789abcdef'",
        "salt is not binary data",
    ),
    "header key as null": ("vault_header", "wrapped_key", "NULL", "wrapped key is not binary"),
    "header version as text": ("vault_header", "format_version", "'1'", "version is not a number"),
    "manifest revision as text": ("vault_manifest", "revision", "'2'", "revision is not a number"),
    "manifest as text": ("vault_manifest", "ciphertext", "'abc'", "manifest is not binary data"),
    "manifest as null": ("vault_manifest", "ciphertext", "NULL", "manifest is not binary data"),
    "item revision as text": ("vault_items", "revision", "'1'", "has a bad id or revision"),
    "item revision as null": ("vault_items", "revision", "NULL", "has a bad id or revision"),
    "item ciphertext as text": (
        "vault_items",
        "ciphertext",
        "CAST(ciphertext AS TEXT)",
        "is damaged or was tampered with",
    ),
    "item ciphertext as null": (
        "vault_items",
        "ciphertext",
        "NULL",
        "is damaged or was tampered with",
    ),
    "item id as blob": ("vault_items", "id", "CAST(id AS BLOB)", "(bad id) has a bad id"),
}


@pytest.fixture
def damaged_db(sqlite_store: Store) -> Store:
    with sqlite_store.write() as s:
        opened = vault.init(s, PASS, FAST)
    with sqlite_store.write() as s:
        vault.save_item(s, opened, login("Bank", "hunter2-secret"))
    return sqlite_store


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_a_row_of_the_wrong_type_is_reported_as_damage_in_one_line(
    damaged_db: Store, case: str
) -> None:
    table, column, value, expected = TAMPER[case]
    path = damaged_db.db.path
    assert path is not None
    damaged_db.close()
    conn = sqlite3.connect(path)
    blobs = [row[0] for row in conn.execute("SELECT ciphertext FROM vault_items")]
    with conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        loosen(conn, table)
        conn.execute(f"UPDATE {table} SET {column} = {value}")
    conn.close()
    store = open_store(Settings(user="tester"), f"sqlite:///{path}")
    try:
        with pytest.raises(VadeskError) as caught:
            vault.open_vault(store, PASS)
    finally:
        store.close()
    message = str(caught.value)
    assert "\n" not in message
    assert expected in message
    for blob in blobs:
        if isinstance(blob, bytes):
            assert repr(blob[:8])[2:-1] not in message
    # The command line says the same in one line, no traceback.
    result = CliRunner().invoke(
        cli,
        ["--db", f"sqlite:///{path}", "vault", "list", "--passphrase-stdin"],
        input=f"{PASS.reveal()}\n",
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_zeroed_page_of_the_items_table_is_damage_not_a_traceback(damaged_db: Store) -> None:
    with damaged_db.write() as s:
        opened = vault.open_vault(damaged_db, PASS)
        for n in range(60):  # several pages of items
            vault.save_item(s, opened, {"kind": "note", "name": f"n{n}", "note": "x" * 900})
    damaged_db.db.checkpoint()
    path = damaged_db.db.path
    assert path is not None
    with damaged_db.read() as s:
        root = s.execute(
            text("SELECT rootpage FROM sqlite_master WHERE name = 'vault_items'")
        ).scalar_one()
        page_size = s.execute(text("PRAGMA page_size")).scalar_one()
    damaged_db.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(bytes(page_size))
    store = open_store(Settings(user="tester"), f"sqlite:///{path}")
    try:
        with pytest.raises(VadeskError) as caught:
            vault.open_vault(store, PASS)
    finally:
        store.close()
    assert "damaged" in str(caught.value) and "\n" not in str(caught.value)


# ------------------------------------------------------------------ verify and reseal


def test_verify_names_the_damage_and_reseal_opens_what_is_intact(
    store: Store, opened: vault.OpenVault
) -> None:
    with store.write() as s:
        keep = vault.save_item(s, opened, login("Keep"))
        gone = vault.save_item(s, opened, login("Gone"))
        junk = vault.save_item(s, opened, login("Junk"))
    with store.db.engine.begin() as conn:
        conn.execute(VaultItem.__table__.delete().where(VaultItem.id == gone))
        conn.execute(
            VaultItem.__table__.update()
            .where(VaultItem.id == junk)
            .values(ciphertext=bytes(vc.MIN_ITEM_BYTES))
        )
    with pytest.raises(vc.ManifestMismatch, match="vadesk vault verify"):
        reopen(store)
    with store.read() as s:
        report = vault_repair.verify(s, PASS)
    statuses = {c.item_id: c.status for c in report.items}
    assert statuses == {keep: "ok", gone: "missing", junk: "damaged"}
    assert not report.intact
    with store.read() as s:  # verify changed nothing
        assert s.scalar(select(VaultItem.id).where(VaultItem.id == junk)) == junk
    with store.write() as s:
        vault_repair.reseal(s, PASS, report)
    final = reopen(store)
    assert list(final.items) == [keep]
    with store.read() as s:
        assert vault_repair.verify(s, PASS).intact


def test_reseal_refuses_when_the_vault_changed_after_the_check(
    store: Store, opened: vault.OpenVault
) -> None:
    with store.write() as s:
        item = vault.save_item(s, opened, login("A"))
    with store.db.engine.begin() as conn:
        conn.execute(VaultItem.__table__.delete().where(VaultItem.id == item))
    with store.read() as s:
        report = vault_repair.verify(s, PASS)
    with store.db.engine.begin() as conn:  # something else changes meanwhile
        conn.execute(VaultItem.__table__.update().values(revision=5))
        conn.execute(text("DELETE FROM vault_manifest"))
    with pytest.raises(ConflictError, match="changed while you were deciding"), store.write() as s:
        vault_repair.reseal(s, PASS, report)


def test_cli_verify_and_reseal(store: Store, opened: vault.OpenVault, db_url: str) -> None:
    with store.write() as s:
        keep = vault.save_item(s, opened, login("Keep"))
    with store.db.engine.begin() as conn:
        conn.execute(
            VaultItem.__table__.insert().values(
                id="f" * 32,
                vault_id=opened.vault_id,
                revision=1,
                updated_at=vault.utcnow(),
                ciphertext=bytes(vc.MIN_ITEM_BYTES),
            )
        )
    run = CliRunner()
    base = ["--db", db_url, "vault"]
    checked = run.invoke(cli, [*base, "verify", "--passphrase-stdin"], input=f"{PASS.reveal()}\n")
    assert checked.exit_code == 3
    assert "damaged" in checked.output and "ffffffffffff" in checked.output
    refused = run.invoke(cli, [*base, "reseal", "--passphrase-stdin"], input=f"{PASS.reveal()}\n")
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    done = run.invoke(
        cli, [*base, "reseal", "--yes", "--passphrase-stdin"], input=f"{PASS.reveal()}\n"
    )
    assert done.exit_code == 0, done.output
    assert list(reopen(store).items) == [keep]
    again = run.invoke(cli, [*base, "verify", "--passphrase-stdin"], input=f"{PASS.reveal()}\n")
    assert again.exit_code == 0 and "intact" in again.output


# ------------------------------------------------------------------ whole-vault rollback


def test_a_vault_restored_from_an_old_copy_is_reported_and_can_be_accepted(
    sqlite_store: Store,
) -> None:
    with sqlite_store.write() as s:
        opened = vault.init(s, PASS, FAST)
    with sqlite_store.write() as s:
        vault.save_item(s, opened, login("Old"))
    path = sqlite_store.db.path
    assert path is not None
    sqlite_store.db.checkpoint()
    shutil.copy(path, path.with_name("old-copy.db"))
    with sqlite_store.write() as s:
        vault.save_item(s, opened, login("New"))
    sqlite_store.close()
    path.with_name(path.name + "-wal").unlink(missing_ok=True)
    path.with_name(path.name + "-shm").unlink(missing_ok=True)
    shutil.copy(path.with_name("old-copy.db"), path)
    store = open_store(Settings(user="tester"), f"sqlite:///{path}")
    try:
        with pytest.raises(vault.VaultRolledBack, match="older than the one you last opened"):
            vault.open_vault(store, PASS)
        accepted = vault.open_vault(store, PASS, accept_older=True)
        assert [d["name"] for d in accepted.items.values()] == ["Old"]
        assert [d["name"] for d in vault.open_vault(store, PASS).items.values()] == ["Old"]
    finally:
        store.close()


# ------------------------------------------------------------------ passphrase change


def test_a_passphrase_change_under_a_reader_finishes_the_wipe_at_the_next_open(
    damaged_db: Store,
) -> None:
    path = damaged_db.db.path
    assert path is not None
    with damaged_db.read() as s:
        old_wrapped = bytes(s.scalar(select(VaultHeader.wrapped_key)))
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM vault_items").fetchone()  # holds a read snapshot
    new = vc.Secret("a brand new passphrase for maria")
    run = CliRunner()
    changed = run.invoke(
        cli,
        ["--db", f"sqlite:///{path}", "vault", "passwd", "--passphrase-stdin"],
        input=f"{PASS.reveal()}\n{new.reveal()}\n",
    )
    assert changed.exit_code == 0, changed.output
    assert "wipes it the next time the vault opens" in changed.stderr
    reader.rollback()
    reader.close()
    vault.open_vault(damaged_db, new)
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            assert old_wrapped not in file.read_bytes()


# ------------------------------------------------------------------ the command line


def test_vault_get_by_id_prefix_or_name_and_ambiguity(
    store: Store, opened: vault.OpenVault, db_url: str
) -> None:
    with store.write() as s:
        bank = vault.save_item(s, opened, login("Acme Bank", "bank-pw"))
        vault.save_item(s, opened, login("Mail", "mail-one", client="Acme"))
        vault.save_item(s, opened, login("mail", "mail-two", client="Cedar"))
    run = CliRunner()

    def get(ref: str) -> Any:
        return run.invoke(
            cli,
            ["--db", db_url, "vault", "get", ref, "password", "--passphrase-stdin"],
            input=f"{PASS.reveal()}\n",
        )

    assert get(bank).output.strip() == "bank-pw"
    assert get(bank[:6]).output.strip() == "bank-pw"
    assert get("acme bank").output.strip() == "bank-pw"
    ambiguous = get("MAIL")
    assert ambiguous.exit_code == 1
    assert "matches 2 items" in ambiguous.stderr and "Cedar" in ambiguous.stderr
    assert "mail-one" not in ambiguous.output and "mail-two" not in ambiguous.output
    assert get("nothing-like-it").exit_code == 1


def test_vault_list_cleans_names_and_shows_url_and_username(
    store: Store, opened: vault.OpenVault, db_url: str
) -> None:
    with store.write() as s:
        vault.save_item(
            s,
            opened,
            {
                "kind": "login",
                "client": "Acme\x1b]2;PWN\x07",
                "name": "Bank\x1b[2J\x1b]52;c;SGVsbG8=\x07",
                "url": "https://bank.example",
                "username": "maria",
                "password": "pw",
            },
        )
    result = CliRunner().invoke(
        cli, ["--db", db_url, "vault", "list", "--passphrase-stdin"], input=f"{PASS.reveal()}\n"
    )
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "https://bank.example" in result.output and "maria" in result.output


def test_export_over_an_existing_file_leaves_it_private(
    store: Store, opened: vault.OpenVault, db_url: str, tmp_path: Path
) -> None:
    with store.write() as s:
        from vadesk.services.clients import add_client

        add_client(s, "Acme")
        vault.save_item(s, opened, login("Bank"))
    target = tmp_path / "acme.vadesk"
    target.write_text("old")
    target.chmod(0o644)
    result = CliRunner().invoke(
        cli,
        ["--db", db_url, "vault", "export", "Acme", str(target), "--passphrase-stdin"],
        input=f"{PASS.reveal()}\nan export passphrase for acme only\n",
    )
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_bytes().startswith(vc.EXPORT_MAGIC)


def test_no_message_points_to_a_command_that_does_not_exist() -> None:
    """Every `vadesk ...` a message names (in backticks or brackets) is a real command."""
    import re

    import click

    import vadesk

    root = Path(vadesk.__file__).parent
    named = set()
    for path in root.rglob("*.py"):
        for match in re.finditer(r"[`(]vadesk((?: [a-z][a-z-]*)+)", path.read_text("utf-8")):
            named.add(tuple(match.group(1).split()))
    assert ("vault", "verify") in named and ("restore",) in named
    missing = []
    for words in sorted(named):
        command: click.Command = cli
        for word in words:
            if not isinstance(command, click.Group) or word not in command.commands:
                break  # an argument (a card title, a client name) ends the command
            command = command.commands[word]
        else:
            continue
        if isinstance(command, click.Group):  # a group takes no argument: a wrong subcommand
            missing.append(" ".join(words))
    assert missing == []


def test_vault_commands_print_what_changed_as_json(db_url: str, tmp_path: Path) -> None:
    import json

    run = CliRunner()
    base = ["--db", db_url]
    phrase = PASS.reveal()
    assert run.invoke(cli, [*base, "client", "add", "Acme"]).exit_code == 0

    def call(*args: str, stdin: str) -> Any:
        result = run.invoke(
            cli, [*base, "vault", *args, "--json", "--passphrase-stdin"], input=stdin
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    created = call("init", stdin=f"{phrase}\n")
    assert created["created"] is True and len(created["vault_id"]) == 32
    added = call("add", "note", "--client", "Acme", "--name", "Door", stdin=f"{phrase}\ncode\n")
    assert added["kind"] == "note" and added["name"] == "Door" and added["client"] == "Acme"
    exported = call(
        "export",
        "Acme",
        str(tmp_path / "a.vadesk"),
        stdin=f"{phrase}\nanother long handover phrase\n",
    )
    assert exported == {"client": "Acme", "path": str(tmp_path / "a.vadesk"), "items": 1}
    rotated = call("rotate", stdin=f"{phrase}\n")
    assert rotated["rotated"] is True and rotated["items"] == 1
    changed = call("passwd", stdin=f"{phrase}\nan entirely new vault passphrase\n")
    assert changed["passphrase_changed"] is True and changed["old_key_wiped"] is True


def test_vault_commands_never_create_a_database(tmp_path: Path) -> None:
    target = tmp_path / "mistyped.db"
    for args in (["list"], ["get", "x", "password"], ["verify"], ["unlock"]):
        result = CliRunner().invoke(
            cli,
            ["--db", f"sqlite:///{target}", "vault", *args, "--passphrase-stdin"],
            input=f"{PASS.reveal()}\n",
        )
        assert result.exit_code == 1
        assert len(result.stderr.strip().splitlines()) == 1
        assert not target.exists()


def test_export_into_a_missing_folder_names_the_file_asked_for(
    store: Store, opened: vault.OpenVault, db_url: str, tmp_path: Path
) -> None:
    with store.write() as s:
        from vadesk.services.clients import add_client

        add_client(s, "Acme")
        vault.save_item(s, opened, login("Bank"))
    target = tmp_path / "no-such-folder" / "acme.vadesk"
    result = CliRunner().invoke(
        cli,
        ["--db", db_url, "vault", "export", "Acme", str(target), "--passphrase-stdin"],
        input=f"{PASS.reveal()}\nan export passphrase for acme only\n",
    )
    assert result.exit_code == 1
    assert str(target) in result.stderr and ".acme.vadesk." not in result.stderr
