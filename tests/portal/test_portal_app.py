"""The portal's routes through Starlette's test client: pages, forms and every security case."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from tests.conftest import FIXED_NOW
from tests.portal.conftest import World
from vadesk.config import Settings
from vadesk.db.models import Card, CardActivity, CardAttachment, Client
from vadesk.portal.app import COOKIE, GuessLimiter, create_app
from vadesk.services import portal as service
from vadesk.services import portal_access
from vadesk.services.cards import get_card

BASE = "http://localhost:8750"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "portal-data"
    folder.mkdir()
    return folder


@pytest.fixture
def app_client(world: World, clock: Clock, data_folder: Path) -> Iterator[TestClient]:
    app = create_app(
        world.store,
        Settings(user="tester", timezone="UTC"),
        data_folder=data_folder,
        limiter=GuessLimiter(per_address=5, overall=50, window=600, clock=clock),
    )
    with TestClient(app, base_url=BASE) as client:
        yield client


def sign_in(client: TestClient, world: World) -> str:
    """Open the invite link; the page's CSRF token."""
    response = client.get(f"/i/{world.invite_token}")
    assert response.status_code == 200
    return csrf_of(response.text)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([0-9a-f]{64})"', html)
    assert match is not None
    return match.group(1)


def lane_titles(html: str) -> dict[str, list[str]]:
    """Lane name -> card titles, read from the page as a browser without JavaScript would."""
    lanes: dict[str, list[str]] = {}
    for section in re.findall(r'<section class="lane.*?</section>', html, re.S):
        name = re.search(r"<h2[^>]*>(.*?) <span", section, re.S)
        assert name is not None
        lanes[name.group(1)] = re.findall(r'<a class="title" href="/cards/\d+">(.*?)</a>', section)
    return lanes


# ---------------------------------------------------------------- access


def test_the_invite_link_sets_a_strict_http_only_cookie_and_the_token_leaves_the_url(
    app_client: TestClient, world: World
) -> None:
    response = app_client.get(f"/i/{world.invite_token}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/welcome"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on localhost
    assert world.invite_token not in cookie
    welcome = app_client.get("/welcome", follow_redirects=False)
    assert welcome.status_code == 303 and welcome.headers["location"] == "/"
    page = app_client.get("/")
    assert page.status_code == 200 and "acme-n1 task" in page.text


def test_under_https_the_cookie_is_secure(world: World) -> None:
    app = create_app(world.store, Settings(user="tester"))
    with TestClient(app, base_url="https://portal.example.com") as client:
        response = client.get(f"/i/{world.invite_token}", follow_redirects=False)
    assert "Secure" in response.headers["set-cookie"]


def test_without_a_session_nothing_is_shown(app_client: TestClient, world: World) -> None:
    for path in ("/", "/board", f"/cards/{world.cards['acme-n1']}", "/events"):
        response = app_client.get(path)
        assert response.status_code == 401
        assert "acme-n1" not in response.text


def test_a_bad_invite_link_says_what_to_do(app_client: TestClient) -> None:
    response = app_client.get("/i/" + "A" * 43)
    assert response.status_code == 404
    assert "Ask your VA for a new one" in response.text


def test_token_guessing_is_rate_limited_per_address(
    app_client: TestClient, world: World, clock: Clock
) -> None:
    for _ in range(5):
        assert app_client.get("/i/" + service.new_token()).status_code == 404
    # Past the limit even the right token waits: guessing must not learn anything.
    blocked = app_client.get(f"/i/{world.invite_token}")
    assert blocked.status_code == 429 and "wait ten minutes" in blocked.text
    app_client.cookies.set(COOKIE, service.new_token())
    assert app_client.get("/").status_code == 429
    app_client.cookies.clear()
    clock.now += 601
    assert app_client.get(f"/i/{world.invite_token}").status_code == 200


def test_a_guessed_cookie_counts_as_a_failed_guess(app_client: TestClient, clock: Clock) -> None:
    for _ in range(5):
        app_client.cookies.set(COOKIE, service.new_token())
        assert app_client.get("/").status_code == 401
    assert app_client.get("/").status_code == 429


def test_tokens_are_compared_in_constant_time(
    app_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hmac

    real = hmac.compare_digest
    compared: list[tuple[str, str]] = []

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(portal_access.hmac, "compare_digest", spy)
    sign_in(app_client, world)
    hashes = [a for a, _ in compared]
    assert service.token_hash(world.invite_token) in hashes  # invite lookup
    assert len(compared) >= 2  # and the session cookie on the page that followed


def test_revoking_the_invite_signs_the_open_page_out_at_once(
    app_client: TestClient, world: World
) -> None:
    sign_in(app_client, world)
    with world.store.write() as s:
        service.revoke_invites(s, client_id=world.acme)
    response = app_client.get("/")
    assert response.status_code == 401
    assert "not signed in" in response.text
    assert f'{COOKIE}=""' in response.headers["set-cookie"]  # the browser forgets it


def test_archiving_the_client_signs_the_page_out(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world)
    with world.store.write() as s:
        s.execute(update(Client).where(Client.id == world.acme).values(archived=True))
    assert app_client.get("/").status_code == 401
    assert app_client.get(f"/i/{world.invite_token}").status_code == 404


def test_an_expired_session_is_signed_out(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world)
    from vadesk.db.models import PortalSession

    with world.store.write() as s:
        s.execute(update(PortalSession).values(expires_at=FIXED_NOW - timedelta(minutes=1)))
    assert app_client.get("/").status_code == 401


def test_sign_out_ends_the_session(app_client: TestClient, world: World) -> None:
    csrf = sign_in(app_client, world)
    cookie = app_client.cookies[COOKIE]
    response = app_client.post("/signout", data={"csrf": csrf})
    assert response.status_code == 200 and "You are signed out." in response.text
    app_client.cookies.set(COOKIE, cookie)
    assert app_client.get("/").status_code == 401


# ---------------------------------------------------------------- headers and markup


def test_every_response_carries_the_security_headers(app_client: TestClient, world: World) -> None:
    responses = [
        app_client.get("/"),
        app_client.get("/i/nope"),
        app_client.get("/static/portal.js"),
    ]
    sign_in(app_client, world)
    responses += [app_client.get("/"), app_client.get("/cards/999"), app_client.get("/board")]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "server" not in response.headers


class InlineFinder(HTMLParser):
    """Inline script or style of any kind: <script> with a body or without src, on* handlers,
    style attributes, <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.found.append("script without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {n}" for n in names if n.startswith("on") or n == "style"]
        self.found += [f"{tag} hx-on" for n in names if n.startswith("hx-on")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("script body")


def test_pages_have_no_inline_script_or_style(app_client: TestClient, world: World) -> None:
    pages = [app_client.get("/").text, app_client.get("/welcome").text]
    sign_in(app_client, world)
    with world.store.write() as s:
        s.execute(update(Card).where(Card.id == world.cards["acme-n1"]).values(waiting=True))
    pages += [
        app_client.get("/").text,
        app_client.get(f"/cards/{world.cards['acme-n1']}").text,
        app_client.get("/board").text,
    ]
    for html in pages:
        finder = InlineFinder()
        finder.feed(html)
        assert finder.found == []


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_in_titles_descriptions_and_comments_is_escaped(
    app_client: TestClient, world: World
) -> None:
    card = world.cards["acme-n1"]
    with world.store.write() as s:
        s.execute(update(Card).where(Card.id == card).values(title=HOSTILE, description=HOSTILE))
        s.add(CardActivity(card_id=card, at=FIXED_NOW, kind="comment", detail={"text": HOSTILE}))
    csrf = sign_in(app_client, world)
    app_client.post("/cards", data={"csrf": csrf, "title": HOSTILE, "kind": "admin"})
    pages = [app_client.get("/").text, app_client.get(f"/cards/{card}").text]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    # <title>, heading, description, comment
    assert pages[1].count("&lt;img src=x onerror=alert(1)&gt;") == 4


# ---------------------------------------------------------------- scoping


def test_another_clients_cards_answer_404_exactly_like_missing_ones(
    app_client: TestClient, world: World, data_folder: Path
) -> None:
    csrf = sign_in(app_client, world)
    theirs = world.cards["globex-n"]
    with world.store.write() as s:
        (data_folder / "secret.pdf").write_bytes(b"globex secret")
        attachment = CardAttachment(
            card_id=theirs,
            name="secret.pdf",
            path="secret.pdf",
            size=13,
            content_type="application/pdf",
            created_at=FIXED_NOW,
        )
        s.add(attachment)
        s.flush()
        file_id = attachment.id
    before = world.version("globex-n")

    def attempts(card: int) -> list[tuple[int, str]]:
        form = {"csrf": csrf, "version": "1", "step": "top", "text": "hi"}
        out = [
            app_client.get(f"/cards/{card}"),
            app_client.post(f"/cards/{card}/move", data={**form, "lane_id": world.lanes["Urgent"]}),
            app_client.post(f"/cards/{card}/comment", data=form),
            app_client.post(f"/cards/{card}/answer", data=form),
            app_client.get(f"/cards/{card}/files/{file_id}"),
        ]
        return [(r.status_code, r.text) for r in out]

    theirs_answers = attempts(theirs)
    missing_answers = attempts(2_000_000)
    assert [code for code, _ in theirs_answers] == [404] * 5
    assert theirs_answers == missing_answers
    assert not any("Globex" in body or "globex" in body for _, body in theirs_answers)
    assert world.version("globex-n") == before
    with world.store.read() as s:
        assert not s.scalars(
            select(CardActivity).where(
                CardActivity.card_id == theirs, CardActivity.kind == "comment"
            )
        ).all()


def test_moving_next_to_another_clients_card_is_404(app_client: TestClient, world: World) -> None:
    csrf = sign_in(app_client, world)
    response = app_client.post(
        f"/cards/{world.cards['acme-n1']}/move",
        data={
            "csrf": csrf,
            "version": world.version("acme-n1"),
            "before_id": world.cards["globex-urgent"],
        },
        headers={"accept": "application/json"},
    )
    assert response.status_code == 404
    with world.store.read() as s:
        assert get_card(s, world.cards["acme-n1"]).lane == "Normal"


def test_an_attachment_of_the_clients_card_downloads_and_a_path_outside_does_not(
    app_client: TestClient, world: World, data_folder: Path, tmp_path: Path
) -> None:
    card = world.cards["acme-n1"]
    (data_folder / "attachments").mkdir()
    (data_folder / "attachments" / "brief.txt").write_bytes(b"the brief")
    (tmp_path / "outside.txt").write_bytes(b"not yours")
    with world.store.write() as s:
        good = CardAttachment(
            card_id=card, name="brief.txt", path="attachments/brief.txt", created_at=FIXED_NOW
        )
        evil = CardAttachment(
            card_id=card, name="x.txt", path="../outside.txt", created_at=FIXED_NOW
        )
        s.add_all([good, evil])
        s.flush()
        ids = good.id, evil.id
    sign_in(app_client, world)
    ok = app_client.get(f"/cards/{card}/files/{ids[0]}")
    assert ok.status_code == 200 and ok.content == b"the brief"
    assert "attachment" in ok.headers["content-disposition"]
    assert app_client.get(f"/cards/{card}/files/{ids[1]}").status_code == 404
    assert "brief.txt" in app_client.get("/").text  # the board names the attachment


# ---------------------------------------------------------------- CSRF


def test_every_state_change_needs_the_csrf_token(app_client: TestClient, world: World) -> None:
    csrf = sign_in(app_client, world)
    card = world.cards["acme-n1"]
    with world.store.write() as s:
        s.execute(update(Card).where(Card.id == card).values(waiting=True))
    version = world.version("acme-n1")
    posts = [
        (f"/cards/{card}/move", {"version": version, "step": "down"}),
        ("/move", {"move": f"{card}.{version}.down"}),
        ("/cards", {"title": "sneaky", "kind": "admin"}),
        (f"/cards/{card}/comment", {"text": "sneaky"}),
        (f"/cards/{card}/answer", {"text": "sneaky"}),
        ("/signout", {}),
    ]
    for path, form in posts:
        for extra, headers in (
            ({}, {}),
            ({"csrf": "0" * 64}, {}),
            ({"csrf": csrf[:-1] + ("0" if csrf[-1] != "0" else "1")}, {}),
            ({"csrf": csrf}, {"origin": "https://evil.example"}),
            ({"csrf": csrf}, {"sec-fetch-site": "cross-site"}),
        ):
            response = app_client.post(path, data={**form, **extra}, headers=headers)
            assert response.status_code == 403, (path, extra, headers)
    assert world.version("acme-n1") == version
    with world.store.read() as s:
        assert s.scalar(select(Card.id).where(Card.title == "sneaky")) is None
        assert s.scalar(select(CardActivity.id).where(CardActivity.kind == "comment")) is None
    assert app_client.get("/").status_code == 200  # still signed in


# ---------------------------------------------------------------- forms without JavaScript


def test_move_up_down_and_to_lane_buttons_reorder_without_javascript(
    app_client: TestClient, world: World
) -> None:
    csrf = sign_in(app_client, world)
    n3 = world.cards["acme-n3"]
    board = app_client.get("/").text
    button = f'value="{n3}.{world.version("acme-n3")}.up"'
    assert f'<button form="moves" name="move" {button}' in board
    page = app_client.post(
        "/move", data={"csrf": csrf, "move": f"{n3}.{world.version('acme-n3')}.up"}
    )
    assert page.status_code == 200 and "Moved." in page.text
    assert lane_titles(page.text)["Normal"] == ["acme-n1 task", "acme-n3 task", "acme-n2 task"]
    page = app_client.post(
        f"/cards/{n3}/move",
        data={
            "csrf": csrf,
            "version": world.version("acme-n3"),
            "lane_id": world.lanes["High"],
            "step": "bottom",
        },
    )
    assert lane_titles(page.text)["High"] == ["acme-n3 task"]
    assert "globex" not in page.text.lower()


def test_a_stale_form_move_is_reported_politely_and_changes_nothing(
    app_client: TestClient, world: World
) -> None:
    csrf = sign_in(app_client, world)
    card = world.cards["acme-n2"]
    seen = world.version("acme-n2")
    from vadesk.services.ordering import move_card

    with world.store.write() as s:
        move_card(s, card, lane_id=world.lanes["Low"], position="top")
    page = app_client.post(
        f"/cards/{card}/move",
        data={"csrf": csrf, "version": seen, "lane_id": world.lanes["Urgent"], "step": "top"},
    )
    assert "Your VA changed this task meanwhile, so nothing was moved" in page.text
    assert lane_titles(page.text)["Low"] == ["acme-n2 task"]


def test_a_drag_posts_json_and_a_stale_drag_is_a_409_with_a_message(
    app_client: TestClient, world: World
) -> None:
    csrf = sign_in(app_client, world)
    card = world.cards["acme-n1"]
    seen = world.version("acme-n1")
    ok = app_client.post(
        f"/cards/{card}/move",
        data={
            "version": seen,
            "lane_id": world.lanes["Urgent"],
            "before_id": world.cards["acme-urgent"],
        },
        headers={"accept": "application/json", "x-csrf-token": csrf},
    )
    assert ok.status_code == 200
    assert ok.json() == {
        "id": card,
        "lane_id": world.lanes["Urgent"],
        "lane": "Urgent",
        "version": seen + 1,
    }
    stale = app_client.post(
        f"/cards/{card}/move",
        data={"version": seen, "lane_id": world.lanes["Low"], "step": "top"},
        headers={"accept": "application/json", "x-csrf-token": csrf},
    )
    assert stale.status_code == 409
    assert "changed by your VA meanwhile" in stale.json()["error"]


def test_add_a_task_comment_and_answer_through_forms(app_client: TestClient, world: World) -> None:
    csrf = sign_in(app_client, world)
    page = app_client.post(
        "/cards",
        data={
            "csrf": csrf,
            "title": "Renew the domain",
            "description": "before Friday",
            "kind": "admin",
        },
    )
    assert "Task added." in page.text
    assert lane_titles(page.text)["Normal"][-1] == "Renew the domain"
    with world.store.read() as s:
        new = s.scalar(select(Card).where(Card.title == "Renew the domain"))
        assert new is not None and new.client_id == world.acme
        assert new.due_at == new.created_at + timedelta(hours=24)
    card = world.cards["acme-n1"]
    page = app_client.post(f"/cards/{card}/comment", data={"csrf": csrf, "text": "Blue, please"})
    assert (
        "Comment added." in page.text and "Blue, please" in page.text and "Acme office" in page.text
    )
    assert "Send answer" not in page.text  # nothing is waiting on the client
    with world.store.write() as s:
        s.execute(update(Card).where(Card.id == card).values(waiting=True))
    page = app_client.get(f"/cards/{card}")
    assert "waiting on you" in page.text and "Send answer" in page.text
    page = app_client.post(f"/cards/{card}/answer", data={"csrf": csrf, "text": "Approved"})
    assert "your answer is with your VA" in page.text and "Send answer" not in page.text
    empty = app_client.post(f"/cards/{card}/comment", data={"csrf": csrf, "text": "  "})
    assert empty.status_code == 400 and "A comment needs some text." in empty.text


# ---------------------------------------------------------------- logs


def test_tokens_and_cookies_never_reach_the_logs(
    app_client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("vadesk", "uvicorn", "uvicorn.access"):
        logging.getLogger(name).propagate = True
    csrf = sign_in(app_client, world)
    cookie = app_client.cookies[COOKIE]
    app_client.get("/")
    app_client.post(f"/cards/{world.cards['acme-n1']}/comment", data={"csrf": csrf, "text": "x"})
    app_client.get("/i/" + "B" * 43)
    app_client.post("/signout", data={"csrf": csrf})
    # Everything the server side logged (httpx here is the test's browser, not the portal).
    server = [r for r in caplog.records if not r.name.startswith("httpx")]
    logged = "\n".join(r.getMessage() + str(r.args) for r in server)
    assert "GET /i/<token> 303" in logged  # requests are logged, without the token
    for secret in (world.invite_token, cookie, csrf, "B" * 43):
        assert secret not in logged


# ---------------------------------------------------------------- the monthly report


def test_the_monthly_report_downloads_as_the_clients_own_pdf(
    app_client: TestClient, world: World
) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from vadesk.services import timer

    with world.store.write() as s:
        for name in ("acme-n1", "globex-n"):
            timer.add_entry(
                s,
                world.store.user_id,
                world.cards[name],
                FIXED_NOW - timedelta(hours=3),
                FIXED_NOW - timedelta(hours=2),
                now=FIXED_NOW,
            )
    sign_in(app_client, world)
    month = f"{FIXED_NOW:%Y-%m}"
    response = app_client.get(f"/report/{month}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"-{month}.pdf" in response.headers["content-disposition"]
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "acme-n1 task" in text and "Acme" in text
    assert "globex" not in text.lower()
    assert app_client.get("/report/2999-01.pdf").status_code == 404  # not yet
    assert app_client.get("/report/2026-13.pdf").status_code == 404
    assert app_client.get("/report/latest.pdf").status_code == 404
    board = app_client.get("/").text
    assert re.search(r'href="/report/\d{4}-\d{2}\.pdf"', board)


def test_a_revoked_session_changes_nothing_even_with_its_form_token(
    app_client: TestClient, world: World
) -> None:
    csrf = sign_in(app_client, world)
    cookie = app_client.cookies[COOKIE]
    with world.store.write() as s:
        service.revoke_invites(s, invite_id=world.invite_id)
    card = world.cards["acme-n1"]
    version = world.version("acme-n1")
    for path, form in (
        (f"/cards/{card}/move", {"version": version, "step": "down"}),
        ("/move", {"move": f"{card}.{version}.down"}),
        ("/cards", {"title": "after revoke", "kind": "admin"}),
        (f"/cards/{card}/comment", {"text": "after revoke"}),
    ):
        app_client.cookies.set(COOKIE, cookie)  # the browser kept it; the server forgot it
        response = app_client.post(path, data={**form, "csrf": csrf})
        assert response.status_code == 401, path
        assert "not signed in" in response.text
    assert world.version("acme-n1") == version
    with world.store.read() as s:
        assert s.scalar(select(Card.id).where(Card.title == "after revoke")) is None


def test_an_oversized_form_is_refused_in_one_line_and_changes_nothing(
    app_client: TestClient, world: World
) -> None:
    csrf = sign_in(app_client, world)
    response = app_client.post(
        "/cards", data={"csrf": csrf, "title": "huge", "description": "é" * 300_000}
    )
    assert response.status_code == 400
    assert "too much text for one form" in response.text
    with world.store.read() as s:
        assert s.scalar(select(Card.id).where(Card.title == "huge")) is None
    ok = app_client.post(
        "/cards", data={"csrf": csrf, "title": "long but fine", "description": "é" * 19_000}
    )
    assert ok.status_code == 200 and "Task added." in ok.text


def test_log_lines_hold_no_control_characters(
    app_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vadesk.portal")
    logging.getLogger("vadesk").propagate = True
    app_client.get("/cards/1%0aFAKE%20LINE%1b[31m")
    lines = [r.getMessage() for r in caplog.records if r.name == "vadesk.portal.app"]
    assert lines and all("\n" not in line and "\x1b" not in line for line in lines)


def test_the_guess_limiter_counts_per_address_and_overall_in_a_sliding_window() -> None:
    clock = Clock()
    limiter = GuessLimiter(per_address=2, overall=5, window=10, clock=clock)
    limiter.failed("10.0.0.1")
    assert not limiter.blocked("10.0.0.1")
    limiter.failed("10.0.0.1")
    assert limiter.blocked("10.0.0.1") and not limiter.blocked("10.0.0.2")
    clock.now += 10.5
    assert not limiter.blocked("10.0.0.1")  # the window moved on
    for n in range(5):  # a guesser spread over many addresses
        limiter.failed(f"10.0.1.{n}")
    assert limiter.blocked("10.9.9.9")
    clock.now += 10.5
    assert not limiter.blocked("10.9.9.9")


def test_a_board_that_fails_midway_still_ends_the_page_with_a_message(
    app_client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(app_client, world)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "board", broken)
    page = app_client.get("/")
    assert page.status_code == 200  # the head was already on its way
    assert "could not be read just now; reload the page" in page.text
    assert page.text.rstrip().endswith("</html>")
