"""Reading password managers' exports, and TOTP from otpauth URIs (RFC 6238 vectors)."""

from __future__ import annotations

import base64
import json

import pytest

from vadesk.domain import password_exports as px
from vadesk.domain.passwords import parse_totp, totp_code, totp_now, totp_seconds_left
from vadesk.errors import InvalidInputError

SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
# RFC 6238, appendix B: (time, SHA1, SHA256, SHA512), 8 digits, 30-second steps.
RFC_6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


def otpauth(algorithm: str, digits: int = 8, period: int = 30) -> str:
    secret = base64.b32encode(SEEDS[algorithm]).decode().rstrip("=")
    return (
        f"otpauth://totp/Example:alice@example.com?secret={secret}&issuer=Example"
        f"&algorithm={algorithm}&digits={digits}&period={period}"
    )


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), RFC_6238)
def test_otpauth_uris_give_the_rfc_6238_codes_for_every_algorithm(
    at: int, sha1: str, sha256: str, sha512: str
) -> None:
    assert totp_now(otpauth("SHA1"), at=at) == sha1
    assert totp_now(otpauth("SHA256"), at=at) == sha256
    assert totp_now(otpauth("SHA512"), at=at) == sha512


def test_digits_and_period_come_from_the_uri() -> None:
    six = parse_totp(otpauth("SHA1", digits=6, period=60))
    assert (six.digits, six.period, six.algorithm) == (6, 60, "SHA1")
    # A 60-second period: the code at 59 s is the RFC's code for step 0, cut to 6 digits.
    assert totp_code(six, at=59) == totp_code(parse_totp(otpauth("SHA1", 6, 30)), at=29)
    assert totp_seconds_left(at=59, secret=otpauth("SHA1", 6, 60)) == 1
    # A bare base32 secret keeps the defaults: SHA1, 6 digits, 30 s.
    bare = parse_totp("JBSW Y3DP EHPK 3PXP")
    assert (bare.algorithm, bare.digits, bare.period) == ("SHA1", 6, 30)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1", "time-based"),
        ("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", "SHA1, SHA256 or SHA512"),
        ("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12", "6 or 8 digits"),
        ("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0", "not plausible"),
        ("otpauth://totp/x?secret=not*base32", "not valid base32"),
        ("otpauth://totp/x?issuer=Nobody", "no TOTP secret"),
    ],
)
def test_bad_otpauth_uris_are_refused_with_the_reason(value: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_totp(value)


def csv_bytes(text: str, *, bom: bool = False, crlf: bool = False) -> bytes:
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


LASTPASS = """url,username,password,totp,extra,name,grouping,fav
https://bank.example,acme-ops,"p,a""ss",,"line one
line two",Acme bank,Clients\\Acme,0
http://sn,,,,"NoteType:Credit Card
Language:en-US
Name on Card:Ann Smith
Type:Visa
Number:4111111111111111
Security Code:123
Start Date:,
Expiration Date:March,2028
Notes:Company card
second line",Acme Visa,Clients\\Acme,0
http://sn,,,,"Door code 4711",Office door,Bakery,1
https://no-password.example,someone,,,,,Bakery,0
,,,,,,,
"""


def test_lastpass_csv_logins_typed_card_notes_and_awkward_values() -> None:
    contents = px.read_lastpass(csv_bytes(LASTPASS, bom=True, crlf=True))
    assert contents.skipped == ()
    login, card, note, bare = contents.items
    assert login.folder == "Clients/Acme"
    assert login.document["password"] == 'p,a"ss'  # quoted comma and quote survive
    assert login.document["notes"] == "line one\nline two"  # Windows line ends made plain
    assert card.document == {
        "kind": "card",
        "name": "Acme Visa",
        "holder": "Ann Smith",
        "number": "4111111111111111",
        "expiry": "03/28",
        "cvc": "123",
        "notes": "Company card\nsecond line",
    }
    assert note.document == {"kind": "note", "name": "Office door", "note": "Door code 4711"}
    # No name and no password: named after its site, password left out (not an empty field).
    assert bare.document == {
        "kind": "login",
        "name": "no-password.example",
        "url": "https://no-password.example",
        "username": "someone",
    }
    assert bare.label == "entry 4 'no-password.example'"


def test_a_file_that_is_not_the_named_export_fails_as_a_whole() -> None:
    with pytest.raises(InvalidInputError, match=r"not a LastPass CSV export \(no 'url' column"):
        px.read_lastpass(b"name,url2\nx,y\n")
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        px.read_lastpass(b"url,username,password\n\xff\xfe,x,y\n")
    with pytest.raises(InvalidInputError, match="empty"):
        px.read_chrome(b"")


BITWARDEN = {
    "encrypted": False,
    "folders": [{"id": "f1", "name": "Acme"}, {"id": "f2", "name": "Bakery/Shop"}],
    "items": [
        {
            "type": 1,
            "name": "Acme admin",
            "folderId": "f1",
            "notes": "Ünïcödé ✓",
            "fields": [{"name": "PIN", "value": "9911", "type": 1}],
            "login": {
                "username": "ops",
                "password": "s3cret",
                "totp": "otpauth://totp/Acme?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256",
                "uris": [{"uri": "https://acme.example"}, {"uri": "https://m.acme.example"}],
            },
        },
        {"type": 2, "name": "Wifi", "folderId": "f2", "notes": "pw: hunter2", "secureNote": {}},
        {
            "type": 3,
            "name": "Acme Amex",
            "folderId": "f1",
            "card": {
                "cardholderName": "Ann",
                "brand": "Amex",
                "number": "3782 822463 10005",
                "expMonth": "7",
                "expYear": "2029",
                "code": "1234",
            },
        },
        {
            "type": 4,
            "name": "Director",
            "folderId": None,
            "identity": {"firstName": "Ann", "lastName": "Smith", "email": "ann@acme.example"},
        },
        {"type": 9, "name": "Future thing"},
    ],
}


def test_bitwarden_json_every_kind_with_folders_fields_uris_and_totp() -> None:
    contents = px.read_export("bitwarden", json.dumps(BITWARDEN).encode())
    login, note, card, identity = contents.items
    assert login.folder == "Acme"
    assert login.document["url"] == "https://acme.example"
    assert login.document["notes"] == "Ünïcödé ✓\nPIN: 9911\nAlso: https://m.acme.example"
    assert login.document["totp"].startswith("otpauth://totp/")
    assert note.folder == "Bakery/Shop"
    assert card.document["number"] == "378282246310005"
    assert card.document["expiry"] == "07/29"
    assert identity.document == {
        "kind": "note",
        "name": "Director",
        "note": "First name: Ann\nLast name: Smith\nEmail: ann@acme.example",
    }
    assert [(s.label, s.reason) for s in contents.skipped] == [
        ("entry 5 'Future thing'", "Bitwarden item type 9 is not supported")
    ]


def test_an_encrypted_bitwarden_export_is_refused_with_what_to_do() -> None:
    data = json.dumps({"encrypted": True, "items": []}).encode()
    with pytest.raises(InvalidInputError, match=r"encrypted; export again .* \.json"):
        px.read_export("bitwarden", data)


def test_bitwarden_csv_logins_and_notes() -> None:
    text = (
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,"
        "login_password,login_totp\n"
        'Acme,1,login,Acme CRM,"multi\nline",PIN: 1,0,"https://crm.example,https://b.example",'
        "ann,pw1,JBSWY3DPEHPK3PXP\n"
        ",,note,Loose note,remember,,,,,,\n"
        ",,card,Odd,,,,,,,\n"
    )
    contents = px.read_export("bitwarden", csv_bytes(text))
    login, note = contents.items
    assert login.document["notes"] == "multi\nline\nPIN: 1\nAlso: https://b.example"
    assert login.document["totp"] == "JBSWY3DPEHPK3PXP"
    assert note.document == {"kind": "note", "name": "Loose note", "note": "remember"}
    assert contents.skipped[0].reason == "Bitwarden type 'card' is not supported"


def test_keepassxc_csv_groups_with_root_and_nesting() -> None:
    text = (
        '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified",'
        '"Created"\n'
        '"Root/Clients/Acme","Acme mail","ann","p""w","https://mail.example","n1",'
        '"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=8","0","2026-01-01","2026-01-01"\n'
        '"Root","Top","","","","","","0","",""\n'
    )
    contents = px.read_export("keepassxc", csv_bytes(text, crlf=True))
    first, second = contents.items
    assert first.folder == "Clients/Acme"
    assert first.document["password"] == 'p"w'
    assert second.folder == ""
    assert second.document == {"kind": "login", "name": "Top"}


def test_1password_chrome_and_firefox_csvs() -> None:
    onepw = px.read_export(
        "1password",
        csv_bytes(
            "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
            'Acme,https://a.example,ann,pw,,false,false,"Acme,work",note\n'
        ),
    )
    assert onepw.items[0].folder == "Acme"
    assert onepw.items[0].document["notes"] == "note"
    chrome = px.read_export(
        "chrome", csv_bytes("name,url,username,password,note\nsite,https://s.example,u,p,n\n")
    )
    assert chrome.items[0].document == {
        "kind": "login",
        "name": "site",
        "url": "https://s.example",
        "username": "u",
        "password": "p",
        "notes": "n",
    }
    firefox = px.read_export(
        "firefox",
        csv_bytes(
            '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated",'
            '"timeLastUsed","timePasswordChanged"\n'
            '"https://shop.example:8443","bob","pw",,"https://shop.example","{1}","1","1","1"\n'
        ),
    )
    assert firefox.items[0].document["name"] == "shop.example"


def test_keepass_entries_from_a_kdbx_file_are_read_like_the_csv() -> None:
    entries = [
        px.KeepassEntry("Mail", "ann", "pw", "https://m.example", "", "", "Root/Acme"),
        px.KeepassEntry("", "", "", "", "", "", "Root"),  # an empty entry is no item
    ]
    contents = px.read_keepass_entries(entries)
    assert [(i.folder, i.document["name"]) for i in contents.items] == [("Acme", "Mail")]


def test_secrets_never_reach_labels_or_reprs() -> None:
    contents = px.read_lastpass(csv_bytes(LASTPASS))
    shown = repr(contents) + " ".join(i.label for i in contents.items)
    for secret in ('p,a"ss', "4111111111111111", "Door code 4711"):
        assert secret not in shown
