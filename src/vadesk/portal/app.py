"""The portal's Starlette app: routes, sessions, CSRF, security headers, logging.

Database work runs in Starlette's threadpool (``run_in_threadpool``), so a slow query never
stalls the event loop that also carries every open event stream. Pages are rendered there
too: a 2,000-card board is CPU work.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vadesk.config import Settings, data_dir
from vadesk.domain.durations import words
from vadesk.domain.report_format import money
from vadesk.domain.text import clean_text, display
from vadesk.errors import ConflictError, InvalidInputError, NotFoundError
from vadesk.portal.sse import Broadcaster
from vadesk.services import portal as service
from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "vadesk_portal"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
MAX_FORM_BYTES = 400_000
"""The largest form a page sends: a task's details (20,000 characters, URL-encoded UTF-8)."""
NOTICES = {
    "moved": "Moved.",
    "added": "Task added. Your VA sees it now.",
    "commented": "Comment added.",
    "answered": "Thank you: your answer is with your VA.",
    "stale": "Your VA changed this task meanwhile, so nothing was moved; here it is as it is now.",
    "signed-out": "You are signed out.",
}


# ---------------------------------------------------------------- guessing limits


@dataclass
class GuessLimiter:
    """Failed token attempts per client address in a sliding window, and overall.

    Past ``per_address`` failures from one address (or ``overall`` from everyone, against a
    spread-out guesser) in ``window`` seconds, token checks are refused with 429 until the
    window has moved on: guessing a 256-bit token is hopeless anyway, this keeps it cheap.
    """

    per_address: int = 10
    overall: int = 200
    window: float = 600.0
    clock: Callable[[], float] = time.monotonic
    _by_address: dict[str, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def blocked(self, address: str) -> bool:
        now = self.clock()
        self._trim(self._all, now)
        times = self._by_address.get(address)
        if times is not None:
            self._trim(times, now)
            if not times:
                del self._by_address[address]
        return len(self._all) >= self.overall or (
            times is not None and len(times) >= self.per_address
        )

    def failed(self, address: str) -> None:
        now = self.clock()
        self._all.append(now)
        self._by_address.setdefault(address, deque()).append(now)
        if len(self._by_address) > 4 * self.overall:  # addresses that never came back
            for key in [
                k for k, times in self._by_address.items() if times[-1] <= now - self.window
            ]:
                del self._by_address[key]


# ---------------------------------------------------------------- middleware


def _safe_path(path: str) -> str:
    """The path as logged: never an invite token, nor a control character (one line each)."""
    return "/i/<token>" if path.startswith("/i/") else clean_text(path)[:200]


class PortalMiddleware:
    """Security headers on every response, and one access-log line without tokens or cookies
    (uvicorn's own access log is off: it would write invite links)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += SECURITY_HEADERS
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "%s %s %s %.0fms",
                scope.get("method", ""),
                _safe_path(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )


# ---------------------------------------------------------------- the app


@dataclass
class Portal:
    store: StoreLike
    settings: Settings
    data_folder: Path
    limiter: GuessLimiter
    broadcaster: Broadcaster
    session_days: int
    env: Environment
    default_tz: tzinfo

    # ------------------------------------------------------------ helpers

    async def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def work() -> Any:
            with self.store.read() as session:
                return fn(session, *args, **kwargs)

        return await run_in_threadpool(work)

    async def write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def work() -> Any:
            with self.store.write() as session:
                return fn(session, *args, **kwargs)

        return await run_in_threadpool(work)

    async def act(self, token: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(session, user, ...)`` in one write transaction that first checks the session
        (one transaction, not a read and then a write: a reorder is acknowledged sooner)."""

        def work() -> Any:
            with self.store.write() as session:
                user = service.authenticate(session, token)
                if user is None:
                    raise _SignedOut
                return fn(session, user, *args, **kwargs)

        return await run_in_threadpool(work)

    def tz(self, user: service.PortalUser) -> tzinfo:
        if user.timezone:
            from zoneinfo import ZoneInfo

            try:
                return ZoneInfo(user.timezone)
            except (KeyError, ValueError):
                pass
        return self.default_tz

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)

    async def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return await run_in_threadpool(self.render, name, status, **context)

    def address(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def user(self, request: Request) -> service.PortalUser | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        address = self.address(request)
        now = datetime.now().astimezone()
        user: service.PortalUser | None = await self.read(service.authenticate, token, now)
        if user is None:
            self.limiter.failed(address)
            return None
        if service.needs_touch(user, now):
            await self.write(service.touch_session, user.session_id, now)
        return user

    async def signed_out(self, request: Request) -> Response:
        response = await self.page("signed_out.html", 401, notice=None)
        if request.cookies.get(COOKIE):
            response.delete_cookie(COOKIE, path="/", samesite="strict", httponly=True)
        return response

    async def form(self, request: Request, user_token: str) -> FormData | None:
        """The posted form if its CSRF token (and Origin, when sent) fits the session."""
        # Under Referrer-Policy no-referrer a browser's own form post says "Origin: null":
        # that is no evidence either way. A named foreign origin, or a cross-site fetch, is.
        origin = request.headers.get("origin")
        if origin not in (None, "null") and origin.rstrip("/") != _origin_of(request):
            return None
        if request.headers.get("sec-fetch-site") == "cross-site":
            return None
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_FORM_BYTES:
            raise InvalidInputError("That is too much text for one form; shorten it.")
        form = await request.form()
        given = form.get("csrf") or request.headers.get("x-csrf-token") or ""
        if not isinstance(given, str) or not service.csrf_ok(user_token, given):
            return None
        return form

    def wants_json(self, request: Request) -> bool:
        return "application/json" in request.headers.get("accept", "")


def _origin_of(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _int(form: FormData, name: str) -> int | None:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInputError(f"{name} is not a number.") from None
    if not 1 <= number <= 2**31 - 1:
        raise NotFoundError("No such task.")
    return number


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def create_app(
    store: StoreLike,
    settings: Settings,
    *,
    data_folder: Path | None = None,
    limiter: GuessLimiter | None = None,
    poll_interval: float = 0.1,
) -> Starlette:
    """The portal over ``store``; uvicorn (``vadesk portal serve``) or a test client runs it."""
    from vadesk.services.reports import report_zone

    options = service.portal_settings(settings)
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    portal = Portal(
        store=store,
        settings=settings,
        data_folder=data_folder or data_dir(),
        limiter=limiter or GuessLimiter(),
        broadcaster=Broadcaster(store, poll_interval=poll_interval),
        session_days=options.session_days,
        env=env,
        default_tz=report_zone(settings)[0],
    )
    env.filters["t"] = display
    env.filters["words"] = words
    env.globals["notices"] = NOTICES

    async def refused(request: Request, error: Exception) -> Response:
        """What a user error becomes: JSON for the page's script, else a page or a redirect."""
        wants_json = portal.wants_json(request)
        if isinstance(error, NotFoundError):
            if wants_json:
                return JSONResponse({"error": "No such task."}, status_code=404)
            return await portal.page("message.html", 404, text="There is no such page.")
        if isinstance(error, ConflictError):
            if wants_json:
                return JSONResponse({"error": str(error)}, status_code=409)
            return RedirectResponse("/?notice=stale", status_code=303)
        if wants_json:
            return JSONResponse({"error": str(error)}, status_code=400)
        return await portal.page("message.html", 400, text=str(error), back=True)

    def signed_in(
        handler: Callable[[Request, service.PortalUser, str], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if portal.limiter.blocked(portal.address(request)):
                return await portal.page("message.html", 429, text=TOO_MANY)
            user = await portal.user(request)
            if user is None:
                return await portal.signed_out(request)
            try:
                return await handler(request, user, request.cookies[COOKIE])
            except (NotFoundError, ConflictError, InvalidInputError) as error:
                return await refused(request, error)

        return endpoint

    def posted(
        handler: Callable[[Request, str, FormData], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        """A state change: the CSRF token first (it needs no database), then the handler,
        whose ``portal.act`` checks the session inside its own write transaction."""

        async def endpoint(request: Request) -> Response:
            address = portal.address(request)
            if portal.limiter.blocked(address):
                return await portal.page("message.html", 429, text=TOO_MANY)
            token = request.cookies.get(COOKIE)
            if not token:
                return await portal.signed_out(request)
            try:
                form = await portal.form(request, token)
                if form is None:
                    return refuse_csrf()
                return await handler(request, token, form)
            except _SignedOut:
                portal.limiter.failed(address)
                return await portal.signed_out(request)
            except (NotFoundError, ConflictError, InvalidInputError) as error:
                return await refused(request, error)

        return endpoint

    def refuse_csrf() -> Response:
        return HTMLResponse(
            "This form has expired; reload the page and try again.", status_code=403
        )

    async def invite(request: Request) -> Response:
        address = portal.address(request)
        if portal.limiter.blocked(address):
            return await portal.page("message.html", 429, text=TOO_MANY)
        token = request.path_params["token"]
        opened = await portal.write(service.open_session, token, session_days=portal.session_days)
        if opened is None:
            portal.limiter.failed(address)
            return await portal.page("message.html", 404, text=BAD_LINK)
        user, session_token = opened
        log.info("portal: session %d opened from invite %d", user.session_id, user.invite_id)
        # A SameSite=Strict cookie set during a navigation that came from another site (the
        # link in an email) is not sent on the redirect that follows; /welcome moves on by
        # itself from our own origin, and the token is out of the address bar at once.
        response = RedirectResponse("/welcome", status_code=303)
        response.set_cookie(
            COOKIE,
            session_token,
            max_age=max(60, int((user.expires_at - datetime.now().astimezone()).total_seconds())),
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def welcome(request: Request) -> Response:
        if request.cookies.get(COOKIE):
            return RedirectResponse("/", status_code=303)
        return await portal.page("welcome.html")

    async def board_context(user: service.PortalUser, token: str) -> dict[str, Any]:
        tz = portal.tz(user)

        def work() -> dict[str, Any]:
            with portal.store.read() as session:
                data = service.board(session, user, tz=tz)
                fp = service.fingerprints(session, [user.client_id])[user.client_id]
            return {"board": data, "fingerprint": fp}

        context = await run_in_threadpool(work)
        return {**context, **_common(user, token, tz)}

    @signed_in
    async def home(request: Request, user: service.PortalUser, token: str) -> Response:
        notice = NOTICES.get(request.query_params.get("notice") or "")
        common = _common(user, token, portal.tz(user))
        top = portal.env.get_template("_top.html").render(notice=notice, **common)

        async def body() -> AsyncIterator[str]:
            # The page's head goes out before the board is read: the browser fetches the
            # styles and scripts meanwhile.
            yield top
            try:
                context = await board_context(user, token)
                yield await run_in_threadpool(
                    portal.env.get_template("board.html").render, kinds=KINDS, **context
                )
            except Exception:
                # The status line is already sent: say so on the page, and end it properly.
                log.exception("portal: the board of session %d failed", user.session_id)
                yield f'<p class="message">{BOARD_FAILED}</p>'
            yield portal.env.get_template("_bottom.html").render()

        return StreamingResponse(body(), media_type="text/html; charset=utf-8")

    @signed_in
    async def board_fragment(request: Request, user: service.PortalUser, token: str) -> Response:
        context = await board_context(user, token)
        return await portal.page("_board.html", **context)

    @signed_in
    async def card_page(request: Request, user: service.PortalUser, token: str) -> Response:
        card_id = _path_id(request, "card_id")
        tz = portal.tz(user)
        detail = await portal.read(service.card_detail, user, card_id, tz=tz)
        lanes = await portal.read(service.lanes_for_portal)
        notice = request.query_params.get("notice")
        return await portal.page(
            "card.html",
            detail=detail,
            lanes=[
                (lane.id, lane.name) for lane in lanes if lane.role == "normal" and not lane.waiting
            ],
            notice=NOTICES.get(notice or ""),
            **_common(user, token, tz),
        )

    @signed_in
    async def download(request: Request, user: service.PortalUser, token: str) -> Response:
        card_id = _path_id(request, "card_id")
        item = await portal.read(
            service.attachment, user, card_id, _path_id(request, "file_id"), portal.data_folder
        )
        if item.path is None:
            if item.url.startswith(("https://", "http://")):
                return RedirectResponse(item.url, status_code=303)
            raise NotFoundError("No such attachment.")
        return FileResponse(
            item.path,
            media_type=item.content_type,
            filename=item.name,
            content_disposition_type="attachment",
        )

    @signed_in
    async def report(request: Request, user: service.PortalUser, token: str) -> Response:
        month = request.path_params["month"]
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise NotFoundError("No such report.")
        try:
            name, data = await portal.read(
                service.monthly_report, user, month, settings=portal.settings, tz=portal.tz(user)
            )
        except InvalidInputError:
            raise NotFoundError("No such report.") from None
        return Response(
            data,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    @posted
    async def move(request: Request, token: str, form: FormData) -> Response:
        card_id = _path_id(request, "card_id")
        version = _int(form, "version")
        if version is None:
            raise InvalidInputError("The page is out of date; reload it.")
        step = _text(form, "step") or None
        if step not in (None, "up", "down", "top", "bottom"):
            raise InvalidInputError("Unknown move.")
        moved = await portal.act(
            token,
            service.reorder,
            card_id,
            expected_version=version,
            lane_id=_int(form, "lane_id"),
            before_id=_int(form, "before_id"),
            after_id=_int(form, "after_id"),
            step=step,
        )
        if portal.wants_json(request):
            return JSONResponse(
                {
                    "id": moved.id,
                    "lane_id": moved.lane_id,
                    "lane": moved.lane,
                    "version": moved.version,
                }
            )
        return RedirectResponse(f"/?notice=moved#card-{moved.id}", status_code=303)

    @posted
    async def move_button(request: Request, token: str, form: FormData) -> Response:
        """The board's ↑ and ↓ buttons: one form, each button's value "card.version.step"."""
        match = re.fullmatch(r"(\d{1,10})\.(\d{1,10})\.(up|down)", _text(form, "move"))
        if match is None:
            raise InvalidInputError("Unknown move; reload the page.")
        card_id, version, step = int(match[1]), int(match[2]), match[3]
        if not 1 <= card_id <= 2**31 - 1:
            raise NotFoundError("No such task.")
        moved = await portal.act(
            token, service.reorder, card_id, expected_version=version, step=step
        )
        return RedirectResponse(f"/?notice=moved#card-{moved.id}", status_code=303)

    @posted
    async def add(request: Request, token: str, form: FormData) -> Response:
        card_id = await portal.act(
            token,
            service.add_task,
            title=_text(form, "title"),
            description=_text(form, "description"),
            kind=_text(form, "kind") or "other",
            lane_id=_int(form, "lane_id"),
        )
        if portal.wants_json(request):
            return JSONResponse({"id": card_id})
        return RedirectResponse(f"/?notice=added#card-{card_id}", status_code=303)

    @posted
    async def post_comment(request: Request, token: str, form: FormData) -> Response:
        card_id = _path_id(request, "card_id")
        answering = request.url.path.endswith("/answer")
        fn = service.answer if answering else service.comment
        await portal.act(token, fn, card_id, _text(form, "text"))
        notice = "answered" if answering else "commented"
        return RedirectResponse(f"/cards/{card_id}?notice={notice}", status_code=303)

    async def sign_out(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if portal.limiter.blocked(portal.address(request)):
            return await portal.page("message.html", 429, text=TOO_MANY)
        user = await portal.user(request)
        if user is None or token is None:
            return await portal.signed_out(request)
        try:
            form = await portal.form(request, token)
        except InvalidInputError as error:
            return await refused(request, error)
        if form is None:
            return refuse_csrf()
        await portal.write(service.end_session, token)
        response = await portal.page("signed_out.html", notice=NOTICES["signed-out"])
        response.delete_cookie(COOKIE, path="/", samesite="strict", httponly=True)
        return response

    async def events(request: Request) -> Response:
        if portal.limiter.blocked(portal.address(request)):
            return Response("", status_code=429)
        user = await portal.user(request)
        if user is None:
            return Response("", status_code=401)
        since = request.headers.get("last-event-id") or request.query_params.get("since") or ""
        number, stream = portal.broadcaster.subscribe(user, since)

        async def body() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                quiet = 0
                while True:
                    try:
                        event, data = await asyncio.wait_for(stream.queue.get(), 5)
                    except TimeoutError:
                        # A closed tab is noticed within 5 s, not at the next write.
                        if await request.is_disconnected():
                            return
                        quiet += 1
                        if quiet % 3 == 0:
                            yield ": still here\n\n"  # keeps proxies from timing out
                        continue
                    if event == "bye":
                        yield "event: bye\ndata: \n\n"
                        return
                    yield f"id: {data}\nevent: change\ndata: {data}\n\n"
            finally:
                portal.broadcaster.unsubscribe(number)

        return StreamingResponse(
            body(),
            media_type="text/event-stream",
            headers={"x-accel-buffering": "no"},
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(portal.broadcaster.close)

    routes = [
        Route("/", home),
        Route("/board", board_fragment),
        Route("/welcome", welcome),
        Route("/i/{token}", invite),
        Route("/cards", add, methods=["POST"]),
        Route("/move", move_button, methods=["POST"]),
        Route("/report/{month}.pdf", report),
        Route("/cards/{card_id}", card_page),
        Route("/cards/{card_id}/move", move, methods=["POST"]),
        Route("/cards/{card_id}/comment", post_comment, methods=["POST"]),
        Route("/cards/{card_id}/answer", post_comment, methods=["POST"]),
        Route("/cards/{card_id}/files/{file_id}", download),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/events", events),
        Route("/favicon.ico", no_icon),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.portal = portal
    app.add_middleware(PortalMiddleware)
    return app


class _SignedOut(Exception):
    """The session of a state change is no longer good (revoked, expired, archived client)."""


BOARD_FAILED = "Your tasks could not be read just now; reload the page in a moment."
TOO_MANY = "Too many attempts from this address; wait ten minutes and try again."
BAD_LINK = "This link is not valid or has expired. Ask your VA for a new one."
KINDS = (
    ("admin", "Admin"),
    ("creative", "Creative"),
    ("call", "Call"),
    ("purchase", "Purchase"),
    ("other", "Other"),
)


async def no_icon(request: Request) -> Response:
    return Response(status_code=204)


def _path_id(request: Request, name: str) -> int:
    value = request.path_params[name]
    if not value.isdigit() or not 1 <= int(value) <= 2**31 - 1:
        raise NotFoundError("No such task.")
    return int(value)


def _common(user: service.PortalUser, token: str, tz: tzinfo) -> dict[str, Any]:
    def when(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%a %d %b %H:%M") if value else ""

    return {
        "user": user,
        "months": service.report_months(datetime.now().astimezone(), tz),
        "csrf": service.csrf_token(token),
        "when": when,
        "money": money,
    }


__all__ = ["COOKIE", "GuessLimiter", "create_app"]
