"""The vault envelope: every tamper case of SECURITY.md, and nothing leaks in messages."""

from __future__ import annotations

import dataclasses

import pytest

from vadesk.domain import vault_crypto as vc

FAST = vc.KdfParams.interactive()
PASS = vc.Secret("correct horse battery staple")


@pytest.fixture(scope="module")
def vault() -> tuple[vc.VaultHeader, vc.DataKey]:
    return vc.create_vault(PASS, FAST)


def test_create_and_unlock_roundtrip(vault: tuple[vc.VaultHeader, vc.DataKey]) -> None:
    header, key = vault
    again = vc.unlock(header, PASS)
    blob = vc.encrypt_item(key, header.vault_id, "i1", 1, {"name": "Bank", "password": "s3cret"})
    assert vc.decrypt_item(again, header.vault_id, "i1", 1, blob)["password"] == "s3cret"


def test_wrong_passphrase_is_refused_with_one_line(
    vault: tuple[vc.VaultHeader, vc.DataKey],
) -> None:
    with pytest.raises(vc.WrongPassphrase) as info:
        vc.unlock(vault[0], vc.Secret("Correct horse battery staple"))
    assert str(info.value) == "Wrong passphrase."


@pytest.mark.parametrize(
    "kdf",
    [
        vc.KdfParams(2**31, FAST.memlimit),
        vc.KdfParams(1, FAST.memlimit),
        vc.KdfParams(FAST.opslimit, 2**40),
        vc.KdfParams(FAST.opslimit, 8192),
    ],
)
def test_absurd_kdf_costs_are_refused_before_any_derivation(
    vault: tuple[vc.VaultHeader, vc.DataKey], kdf: vc.KdfParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> bytes:
        raise AssertionError("the KDF must not run")

    monkeypatch.setattr(vc.argon2id, "kdf", boom)
    with pytest.raises(vc.KdfParamsRejected, match="tampered"):
        vc.unlock(dataclasses.replace(vault[0], kdf=kdf), PASS)


def test_in_range_but_changed_kdf_cost_fails_to_unwrap(
    vault: tuple[vc.VaultHeader, vc.DataKey],
) -> None:
    changed = dataclasses.replace(vault[0], kdf=vc.KdfParams(FAST.opslimit + 1, FAST.memlimit))
    with pytest.raises(vc.WrongPassphrase):
        vc.unlock(changed, PASS)


def test_flipped_byte_in_wrapped_key_or_bad_shapes(
    vault: tuple[vc.VaultHeader, vc.DataKey],
) -> None:
    header = vault[0]
    flipped = bytearray(header.wrapped_key)
    flipped[30] ^= 1
    with pytest.raises(vc.WrongPassphrase):
        vc.unlock(dataclasses.replace(header, wrapped_key=bytes(flipped)), PASS)
    with pytest.raises(vc.VaultHeaderInvalid, match="salt"):
        vc.unlock(dataclasses.replace(header, salt=header.salt[:8]), PASS)
    with pytest.raises(vc.VaultHeaderInvalid, match="key length"):
        vc.unlock(dataclasses.replace(header, wrapped_key=header.wrapped_key[:-1]), PASS)


def test_any_flipped_byte_in_an_item_is_detected(vault: tuple[vc.VaultHeader, vc.DataKey]) -> None:
    header, key = vault
    blob = vc.encrypt_item(key, header.vault_id, "i1", 3, {"name": "x"})
    for position in range(0, len(blob), 7):
        damaged = bytearray(blob)
        damaged[position] ^= 0x40
        with pytest.raises(vc.ItemDamaged):
            vc.decrypt_item(key, header.vault_id, "i1", 3, bytes(damaged))


def test_item_moved_to_another_row_or_old_revision_is_detected(
    vault: tuple[vc.VaultHeader, vc.DataKey],
) -> None:
    header, key = vault
    blob = vc.encrypt_item(key, header.vault_id, "i1", 3, {"name": "x"})
    with pytest.raises(vc.ItemDamaged):
        vc.decrypt_item(key, header.vault_id, "i2", 3, blob)
    with pytest.raises(vc.ItemDamaged):
        vc.decrypt_item(key, header.vault_id, "i1", 4, blob)
    with pytest.raises(vc.ItemDamaged):
        vc.decrypt_item(key, "another-vault", "i1", 3, blob)


@pytest.mark.parametrize("length", range(41))
def test_truncated_blobs_are_damaged_items_never_value_errors(
    vault: tuple[vc.VaultHeader, vc.DataKey], length: int
) -> None:
    header, key = vault
    blob = vc.encrypt_item(key, header.vault_id, "i1", 1, {"name": "x"})
    for candidate in (blob[:length], bytes(length)):
        with pytest.raises(vc.ItemDamaged):
            vc.decrypt_item(key, header.vault_id, "i1", 1, candidate)
    with pytest.raises(vc.ManifestDamaged):
        vc.decrypt_manifest(key, header.vault_id, 1, blob[:length])


def test_padding_hides_the_length_of_short_items(vault: tuple[vc.VaultHeader, vc.DataKey]) -> None:
    header, key = vault
    short = vc.encrypt_item(key, header.vault_id, "a", 1, {"n": "x"})
    longer = vc.encrypt_item(key, header.vault_id, "a", 1, {"n": "x" * 200})
    assert len(short) == len(longer)


def test_manifest_tampering_is_named(vault: tuple[vc.VaultHeader, vc.DataKey]) -> None:
    header, key = vault
    blob = vc.encrypt_manifest(key, header.vault_id, {"a": 2, "b": 1}, 5)
    assert vc.decrypt_manifest(key, header.vault_id, 5, blob) == {"a": 2, "b": 1}
    damaged = bytearray(blob)
    damaged[40] ^= 1
    with pytest.raises(vc.ManifestDamaged):
        vc.decrypt_manifest(key, header.vault_id, 5, bytes(damaged))
    with pytest.raises(vc.ManifestDamaged):
        vc.decrypt_manifest(key, header.vault_id, 4, blob)  # an old manifest put back
    with pytest.raises(vc.ManifestMismatch, match="deleted behind vadesk's back"):
        vc.check_manifest({"a": 2, "b": 1}, {"a": 2})
    with pytest.raises(vc.ManifestMismatch, match="unknown item"):
        vc.check_manifest({"a": 2}, {"a": 2, "c": 1})
    with pytest.raises(vc.ManifestMismatch, match="rolled back"):
        vc.check_manifest({"a": 2}, {"a": 1})
    vc.check_manifest({"a": 2}, {"a": 2})


def test_rewrap_changes_the_passphrase_but_not_the_data_key(
    vault: tuple[vc.VaultHeader, vc.DataKey],
) -> None:
    header, key = vault
    blob = vc.encrypt_item(key, header.vault_id, "i1", 1, {"name": "keep me"})
    new = vc.Secret("new long passphrase for the vault")
    rewrapped = vc.rewrap(header, PASS, new, FAST)
    assert rewrapped.wrapped_key != header.wrapped_key and rewrapped.salt != header.salt
    with pytest.raises(vc.WrongPassphrase):
        vc.unlock(rewrapped, PASS)
    assert (
        vc.decrypt_item(vc.unlock(rewrapped, new), header.vault_id, "i1", 1, blob)["name"]
        == "keep me"
    )


def test_export_and_import_bundle() -> None:
    docs = [{"kind": "login", "name": "Bank", "password": "pw"}]
    data = vc.export_bundle(vc.Secret("handover phrase"), docs, FAST)
    assert b"Bank" not in data and b"pw" not in data
    assert vc.import_bundle(vc.Secret("handover phrase"), data) == docs
    with pytest.raises(vc.WrongPassphrase):
        vc.import_bundle(vc.Secret("wrong"), data)
    with pytest.raises(vc.VaultHeaderInvalid, match="Not a vadesk export"):
        vc.import_bundle(vc.Secret("x"), b"hello world" * 50)
    head = len(vc.EXPORT_MAGIC) + 1
    tampered = data[:head] + (2**31).to_bytes(4, "big") + data[head + 4 :]
    with pytest.raises(vc.KdfParamsRejected):
        vc.import_bundle(vc.Secret("handover phrase"), tampered)


def test_secrets_and_errors_never_show_their_contents(
    vault: tuple[vc.VaultHeader, vc.DataKey],
) -> None:
    secret = vc.Secret("hunter2-very-secret")
    assert repr(secret) == str(secret) == f"{secret!r}" == "'***'" and f"{secret}" == "***"
    assert (
        "hunter2" not in repr(secret)
        and "hunter2" not in f"{secret}"
        and "hunter2" not in str([secret])
    )
    assert "hunter2" not in repr(vault[1]) and "hunter2" not in repr(vault[0])
    assert secret == vc.Secret("hunter2-very-secret") and secret != vc.Secret("other")
    for error in (vc.WrongPassphrase(), vc.ItemDamaged("abc"), vc.ManifestMismatch("x")):
        assert "hunter2" not in str(error) and "\n" not in str(error)


def test_locked_key_refuses_work(vault: tuple[vc.VaultHeader, vc.DataKey]) -> None:
    header = vault[0]
    key = vc.unlock(header, PASS)
    key.wipe()
    with pytest.raises(vc.VaultError, match="locked"):
        vc.encrypt_item(key, header.vault_id, "i", 1, {})


def test_luhn_mask_and_generators() -> None:
    assert vc.luhn_valid("4242 4242 4242 4242") and not vc.luhn_valid("4242424242424241")
    assert not vc.luhn_valid("4242") and not vc.luhn_valid("4242-4242-4242-424x")
    assert vc.mask_card_number("4242 4242 4242 4242") == "•••• •••• •••• 4242"
    password = vc.generate_password(24)
    assert len(password) == 24
    assert any(c.islower() for c in password) and any(c.isupper() for c in password)
    assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)
    assert not any(c.isupper() for c in vc.generate_password(40, upper=False))
    assert all(
        c.isdigit() for c in vc.generate_password(10, lower=False, upper=False, symbols=False)
    )
    with pytest.raises(ValueError):
        vc.generate_password(2)
    assert len(vc.generate_passphrase(6).split("-")) == 6


@pytest.mark.parametrize("length", [0, 1, 23, 24, 39, 40, 295])
def test_the_bulk_reader_refuses_what_decrypt_item_refuses(
    vault: tuple[vc.VaultHeader, vc.DataKey], length: int
) -> None:
    header, key = vault
    blob = vc.encrypt_item(key, header.vault_id, "i1", 1, {"name": "x"})
    reader = vc.ItemReader(key, header.vault_id)
    assert reader.read("i1", 1, blob) == {"name": "x"}
    with pytest.raises(vc.ItemDamaged):
        reader.read("i1", 1, blob[:length])
    with pytest.raises(vc.ItemDamaged):
        reader.read("i2", 1, blob)  # moved to another row
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(vc.ItemDamaged):
        reader.read("i1", 1, bytes(flipped))


def _seal(key: vc.DataKey, vault_id: str, item_id: str, plain: bytes) -> bytes:
    """Encrypt arbitrary bytes as an item, as only someone holding the key could."""
    return bytes(key.box().encrypt(vc._pad(plain), vc._item_ad(vault_id, item_id, 1)))


def test_the_bulk_read_returns_every_item_and_names_a_damaged_one(
    vault: tuple[vc.VaultHeader, vc.DataKey],
) -> None:
    header, key = vault
    docs = {f"i{n}": {"name": f"Site {n}", "note": "x" * (n * 37)} for n in range(30)}
    rows = [(i, 1, vc.encrypt_item(key, header.vault_id, i, 1, d)) for i, d in docs.items()]
    reader = vc.ItemReader(key, header.vault_id)
    assert reader.read_many(rows) == docs
    flipped = bytearray(rows[17][2])
    flipped[40] ^= 0x01
    rows[17] = (rows[17][0], 1, bytes(flipped))
    with pytest.raises(vc.ItemDamaged) as info:
        reader.read_many(rows)
    assert "i17" in str(info.value)


@pytest.mark.parametrize(
    "plain", [b'{"a":1},{"b":2}', b"[1,2]", b"7", b'{"a":1', b'{"a":1}\x00\x80', b""]
)
def test_the_bulk_read_refuses_an_authentic_item_that_is_not_one_object(
    vault: tuple[vc.VaultHeader, vc.DataKey], plain: bytes
) -> None:
    """Parsing all items as one JSON array must not let one item pass as two, or as none."""
    header, key = vault
    rows = [
        ("a1", 1, vc.encrypt_item(key, header.vault_id, "a1", 1, {"name": "fine"})),
        ("odd", 1, _seal(key, header.vault_id, "odd", plain)),
        ("a2", 1, vc.encrypt_item(key, header.vault_id, "a2", 1, {"name": "fine too"})),
    ]
    with pytest.raises(vc.ItemDamaged) as info:
        vc.ItemReader(key, header.vault_id).read_many(rows)
    assert "odd" in str(info.value)


def test_the_collector_is_back_on_after_a_failed_bulk_read() -> None:
    import gc

    with pytest.raises(RuntimeError), vc.gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
