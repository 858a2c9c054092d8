"""Vault services on SQLite and PostgreSQL, the CLI, and the plaintext scans."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text, update

from vadesk.cli import cli
from vadesk.db.models import VaultHeader, VaultItem, VaultManifest
from vadesk.domain import vault_crypto as vc
from vadesk.services import vault
from vadesk.services.store import Store

PASS = vc.Secret("plum orchard kettle violin")
FAST = vc.KdfParams.interactive()
SECRETS = {
    "name": "Acme Online Banking",
    "url": "https://bank.acme-secret-host.example",
    "username": "maria.acme.login",
    "password": "Tr0ub4dor&3-very-secret",
    "note": "Door code is 4711-secret",
    "number": "4242424242424242",
}


def add_login(store: Store, opened: vault.OpenVault) -> str:
    with store.write() as s:
        return vault.save_item(
            s,
            opened,
            {
                "kind": "login",
                "client": "Acme",
                "name": SECRETS["name"],
                "url": SECRETS["url"],
                "username": SECRETS["username"],
                "password": SECRETS["password"],
            },
        )


@pytest.fixture
def opened(store: Store) -> vault.OpenVault:
    with store.write() as s:
        return vault.init(s, PASS, FAST)


def test_items_roundtrip_and_nothing_plain_reaches_the_tables(
    store: Store, opened: vault.OpenVault
) -> None:
    item = add_login(store, opened)
    with store.write() as s:
        vault.save_item(
            s, opened, {"kind": "note", "client": "Acme", "name": "Door", "note": SECRETS["note"]}
        )
        vault.save_item(
            s,
            opened,
            {
                "kind": "card",
                "client": "Acme",
                "name": "Visa",
                "number": SECRETS["number"],
                "cvc": "123",
            },
        )
    with store.read() as s:
        again = vault.unlock(s, PASS)
        dump = b"".join(
            bytes(str(row), "utf-8") + (row[-1] if isinstance(row[-1], bytes) else b"")
            for table in ("vault_items", "vault_header", "vault_manifest")
            for row in s.execute(text(f"SELECT * FROM {table}"))
        )
    assert again.items[item]["password"] == SECRETS["password"]
    assert len(again.items) == 3
    for value in (*SECRETS.values(), "Acme"):
        assert value.encode() not in dump


def test_wrong_passphrase(store: Store, opened: vault.OpenVault) -> None:
    with pytest.raises(vc.WrongPassphrase), store.read() as s:
        vault.unlock(s, vc.Secret("plum orchard kettle viola"))


def test_luhn_is_checked_for_card_numbers(store: Store, opened: vault.OpenVault) -> None:
    with pytest.raises(Exception, match="Luhn"), store.write() as s:
        vault.save_item(s, opened, {"kind": "card", "name": "Visa", "number": "4242424242424241"})


def test_deleted_added_rolled_back_and_swapped_items_are_tampering(
    store: Store, opened: vault.OpenVault
) -> None:
    first = add_login(store, opened)
    with store.read() as s:
        old_blob = s.get(VaultItem, first).ciphertext
    with store.write() as s:
        vault.save_item(
            s, opened, {**opened.items[first], "password": "changed-password"}, item_id=first
        )
        second = vault.save_item(s, opened, {"kind": "note", "name": "n", "note": "x"})
    # Roll the first item back to its old ciphertext and revision.
    with store.db.engine.begin() as conn:
        conn.execute(
            update(VaultItem).where(VaultItem.id == first).values(ciphertext=old_blob, revision=1)
        )
    with pytest.raises(vc.ManifestMismatch, match="rolled back"), store.read() as s:
        vault.unlock(s, PASS)
    # Swap ciphertexts between rows at the current revision: item AD no longer matches.
    with store.db.engine.begin() as conn:
        conn.execute(update(VaultItem).where(VaultItem.id == first).values(revision=2))
        blob2 = conn.execute(
            select(VaultItem.ciphertext).where(VaultItem.id == second)
        ).scalar_one()
        conn.execute(
            update(VaultItem).where(VaultItem.id == first).values(ciphertext=blob2, revision=1)
        )
        conn.execute(update(VaultItem).where(VaultItem.id == first).values(revision=2))
    with pytest.raises((vc.ItemDamaged, vc.ManifestMismatch)), store.read() as s:
        vault.unlock(s, PASS)
    with store.db.engine.begin() as conn:
        conn.execute(VaultItem.__table__.delete().where(VaultItem.id == first))
    with (
        pytest.raises(vc.ManifestMismatch, match="deleted behind vadesk's back"),
        store.read() as s,
    ):
        vault.unlock(s, PASS)


def test_flipped_byte_in_the_stored_manifest_or_header(
    store: Store, opened: vault.OpenVault
) -> None:
    add_login(store, opened)
    with store.db.engine.begin() as conn:
        blob = bytearray(conn.execute(select(VaultManifest.ciphertext)).scalar_one())
        blob[50] ^= 1
        conn.execute(update(VaultManifest).values(ciphertext=bytes(blob)))
    with pytest.raises(vc.ManifestDamaged), store.read() as s:
        vault.unlock(s, PASS)
    with store.db.engine.begin() as conn:
        conn.execute(update(VaultHeader).values(kdf_memlimit=2**40))
    with pytest.raises(vc.KdfParamsRejected), store.read() as s:
        vault.unlock(s, PASS)


def test_passphrase_change_and_key_rotation(store: Store, opened: vault.OpenVault) -> None:
    item = add_login(store, opened)
    new = vc.Secret("brand new passphrase for maria")
    with store.read() as s:
        old_wrapped = bytes(s.scalar(select(VaultHeader.wrapped_key)))
    with store.write() as s:
        vault.change_passphrase(s, PASS, new, FAST)
    vault.checkpoint(store)
    with pytest.raises(vc.WrongPassphrase), store.read() as s:
        vault.unlock(s, PASS)
    with store.read() as s:
        again = vault.unlock(s, new)
    assert again.items[item]["password"] == SECRETS["password"]
    if store.db.path is not None:
        for path in (store.db.path, store.db.path.with_name(store.db.path.name + "-wal")):
            if path.exists():
                assert old_wrapped not in path.read_bytes()
    with store.write() as s:
        rotated = vault.rotate_key(s, again, new, FAST)
    with store.read() as s:
        assert vault.unlock(s, new).items[item] == rotated.items[item]
    assert rotated.key.raw() != again.key.raw()
    with pytest.raises(vc.WrongPassphrase), store.write() as s:
        vault.rotate_key(s, rotated, PASS, FAST)  # the passphrase is checked first


def test_cli_vault_flow_keeps_secrets_off_argv_and_out_of_output(
    db_url: str, tmp_path: Path
) -> None:
    run = CliRunner()
    base = ["--db", db_url]
    assert run.invoke(cli, [*base, "client", "add", "Acme"]).exit_code == 0
    weak = run.invoke(cli, [*base, "vault", "init", "--passphrase-stdin"], input="abc\n")
    assert weak.exit_code == 1 and "too weak" in weak.stderr
    created = run.invoke(
        cli, [*base, "vault", "init", "--passphrase-stdin"], input=f"{PASS.reveal()}\n"
    )
    assert created.exit_code == 0, created.output
    added = run.invoke(
        cli,
        [
            *base,
            "vault",
            "add",
            "login",
            "--client",
            "Acme",
            "--name",
            SECRETS["name"],
            "--username",
            SECRETS["username"],
            "--passphrase-stdin",
        ],
        input=f"{PASS.reveal()}\n{SECRETS['password']}\nJBSWY3DPEHPK3PXP\n",
    )
    assert added.exit_code == 0, added.output
    item_id = added.stdout.strip()
    listed = run.invoke(
        cli, [*base, "vault", "list", "--json", "--passphrase-stdin"], input=f"{PASS.reveal()}\n"
    )
    assert SECRETS["password"] not in listed.output and SECRETS["name"] in listed.stdout
    got = run.invoke(
        cli,
        [*base, "vault", "get", item_id, "password", "--passphrase-stdin"],
        input=f"{PASS.reveal()}\n",
    )
    assert got.stdout.strip() == SECRETS["password"]
    code = run.invoke(
        cli,
        [*base, "vault", "get", item_id[:8], "totp-code", "--passphrase-stdin"],
        input=f"{PASS.reveal()}\n",
    )
    assert code.exit_code == 0 and code.stdout.strip().isdigit() and len(code.stdout.strip()) == 6
    wrong = run.invoke(cli, [*base, "vault", "list", "--passphrase-stdin"], input="nope\n")
    assert wrong.exit_code == 1 and wrong.stderr.strip() == "Error: Wrong passphrase."
    changed = run.invoke(
        cli,
        [*base, "vault", "passwd", "--passphrase-stdin"],
        input=f"{PASS.reveal()}\nanother strong passphrase here\n",
    )
    assert changed.exit_code == 0, changed.output
    old = run.invoke(
        cli, [*base, "vault", "list", "--passphrase-stdin"], input=f"{PASS.reveal()}\n"
    )
    assert old.exit_code == 1
    # Nothing secret in the database files, the log, or what the commands printed besides `get`.
    printed = "".join(r.output for r in (created, added, listed, wrong, changed, old))
    for value in (SECRETS["password"], PASS.reveal(), "another strong passphrase here"):
        assert value not in printed
    files = list(tmp_path.rglob("*.db*")) + list(tmp_path.rglob("*.log*"))
    for path in files:
        data = path.read_bytes()
        for value in (SECRETS["password"], SECRETS["username"], SECRETS["name"], PASS.reveal()):
            assert value.encode() not in data, f"{value!r} in {path.name}"


def test_cli_export_import_and_rotate(db_url: str, tmp_path: Path) -> None:
    run = CliRunner()
    base = ["--db", db_url]
    pw = PASS.reveal()
    run.invoke(cli, [*base, "client", "add", "Acme"])
    run.invoke(cli, [*base, "client", "add", "Cedar"])
    assert (
        run.invoke(cli, [*base, "vault", "init", "--passphrase-stdin"], input=f"{pw}\n").exit_code
        == 0
    )
    for client, name in (("Acme", "Acme bank"), ("Cedar", "Cedar mail")):
        added = run.invoke(
            cli,
            [
                *base,
                "vault",
                "add",
                "login",
                "--client",
                client,
                "--name",
                name,
                "--passphrase-stdin",
            ],
            input=f"{pw}\nsecret-{name}\n\n",
        )
        assert added.exit_code == 0, added.output
    target = tmp_path / "acme.vadesk"
    exported = run.invoke(
        cli,
        [*base, "vault", "export", "Acme", str(target), "--passphrase-stdin"],
        input=f"{pw}\nhandover phrase for acme\n",
    )
    assert exported.exit_code == 0, exported.output
    data = target.read_bytes()
    assert b"Acme bank" not in data and b"secret-Acme" not in data and b"Cedar" not in data
    assert (target.stat().st_mode & 0o777) == 0o600
    rotated = run.invoke(cli, [*base, "vault", "rotate", "--passphrase-stdin"], input=f"{pw}\n")
    assert rotated.exit_code == 0, rotated.output
    imported = run.invoke(
        cli,
        [*base, "vault", "import", str(target), "--passphrase-stdin"],
        input=f"{pw}\nhandover phrase for acme\n",
    )
    # The vault already holds that very item: importing it again adds nothing.
    assert imported.exit_code == 0
    assert imported.stdout.strip() == "imported 0 items; 1 already in the vault"
    listed = run.invoke(
        cli, [*base, "vault", "list", "--json", "--passphrase-stdin"], input=f"{pw}\n"
    )
    assert sorted(i["name"] for i in __import__("json").loads(listed.stdout)) == [
        "Acme bank",
        "Cedar mail",
    ]
    wrong = run.invoke(
        cli,
        [*base, "vault", "import", str(target), "--passphrase-stdin"],
        input=f"{pw}\nnot the handover phrase\n",
    )
    assert wrong.exit_code == 1 and "Wrong passphrase." in wrong.stderr


def test_items_link_to_cards_inside_the_ciphertext(store: Store, opened: vault.OpenVault) -> None:
    with store.write() as s:
        linked = vault.save_item(
            s,
            opened,
            {
                "kind": "note",
                "client": "Cedar",
                "name": "Gate code",
                "note": "1234",
                "cards": "#7, 12",
            },
        )
        vault.save_item(s, opened, {"kind": "note", "client": "Acme", "name": "Alarm", "note": "x"})
        with pytest.raises(Exception, match="card numbers"):
            vault.save_item(s, opened, {"kind": "note", "name": "bad", "cards": "seven"})
    assert opened.items[linked]["cards"] == [7, 12]
    assert [d["name"] for _, d in vault.for_card(opened, 12, "Acme")] == ["Gate code", "Alarm"]
    assert [d["name"] for _, d in vault.for_card(opened, 99, None)] == []


def test_filtering_finds_by_any_public_field_and_follows_edits(
    store: Store, opened: vault.OpenVault
) -> None:
    def names(query: str = "", client: str | None = None) -> list[str]:
        return [doc["name"] for _, doc in vault.matching(opened, query, client)]

    with store.write() as s:
        bank = vault.save_item(
            s, opened, {"kind": "login", "client": "Acme", "name": "bank", "username": "maria"}
        )
        vault.save_item(
            s, opened, {"kind": "login", "client": "Cedar", "name": "Court", "url": "c.example"}
        )
        vault.save_item(
            s, opened, {"kind": "card", "client": "Acme", "name": "Amex", "holder": "M Rossi"}
        )
    assert names() == ["Amex", "bank", "Court"]  # by name, ignoring case
    assert names("MARIA") == ["bank"]
    assert names("c.exam") == ["Court"]
    assert names("rossi") == ["Amex"]
    assert names("", "Acme") == ["Amex", "bank"]
    assert names("cedar") == ["Court"]
    assert names("Tr0ub4dor") == []  # secrets are never searched
    with store.write() as s:
        vault.save_item(
            s, opened, {"kind": "login", "client": "Acme", "name": "Zeta savings"}, bank
        )
    assert names("bank") == []  # the old name is gone at once
    assert names("zeta") == ["Zeta savings"]
    assert names()[-1] == "Zeta savings"
    with store.write() as s:
        vault.delete_item(s, opened, bank)
    assert names("zeta") == []
    opened.lock()
    assert not opened.search
