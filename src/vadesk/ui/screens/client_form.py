"""One client, every profile field: a modal to add a client or edit one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError

from vadesk.domain import client_rules as rules
from vadesk.domain.amounts import parse_hours, parse_money
from vadesk.domain.billing import CURRENCY_EXPONENTS
from vadesk.domain.kinds import CARD_KINDS
from vadesk.errors import InvalidInputError, VadeskError
from vadesk.services.clients import ClientInput, ClientProfile, Contact
from vadesk.services.store import StoreLike
from vadesk.ui.safe import display, safe_text
from vadesk.ui.typeahead import hold_keys, release_keys

CHANNELS = ("email", "phone", "chat", "video")
ROUNDINGS = (("1 minute", 1), ("6 minutes", 6), ("15 minutes", 15), ("none (seconds)", 0))
NEW_CLIENT_TURNAROUND = {"admin": 24, "creative": 48}


def major(minor: int, currency: str) -> str:
    """Minor units as the amount a person types ("4050" EUR -> "40.50"; 0 -> "")."""
    if not minor:
        return ""
    exponent = CURRENCY_EXPONENTS.get(currency.upper(), 2)
    return str(Decimal(minor).scaleb(-exponent))


def hours_text(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return f"{hours:f}".rstrip("0").rstrip(".")


def contact_text(contact: Contact) -> str:
    """A contact as one editable line: ``Ann Lee <ann@acme.example> +44… (owner)``."""
    parts = [contact.name]
    if contact.email:
        parts.append(f"<{contact.email}>")
    if contact.phone:
        parts.append(contact.phone)
    if contact.role:
        parts.append(f"({contact.role})")
    return " ".join(parts)


def _labelled(field: str, error: InvalidInputError) -> InvalidInputError:
    return InvalidInputError(f"{field}: {error}")


def read_contacts(text: str) -> list[Contact]:
    contacts = []
    for line in text.splitlines():
        if line.strip():
            parts = rules.contact_line(line)
            contacts.append(Contact(parts["name"], parts["email"], parts["phone"], parts["role"]))
    return contacts


def read_kind_rates(text: str, currency: str) -> dict[str, int]:
    """ "creative=60, call=45" -> {"creative": 6000, "call": 4500} (minor units)."""
    rates: dict[str, int] = {}
    for item in (part.strip() for part in text.replace(";", ",").split(",")):
        if not item:
            continue
        kind, equals, amount = item.partition("=")
        if not equals:
            raise InvalidInputError(
                f"Rates per kind: {item!r} is not KIND=RATE; give them like creative=60, call=45."
            )
        kind = rules.card_kind(kind, "Rates per kind")
        try:
            rates[kind] = parse_money(amount, currency)
        except InvalidInputError as error:
            raise _labelled(f"Rate for {kind}", error) from None
    return rates


def read_whole(text: str, field: str, example: str) -> int:
    value = text.strip() or "0"
    if not value.isdigit() or len(value) > 9:
        raise InvalidInputError(f"{field} {text.strip()!r} is not a whole number; {example}.")
    return int(value)


class ClientForm(ModalScreen[ClientProfile | None]):
    """Add a client (``client_id`` None) or edit one; saves itself, returns the profile."""

    CSS_PATH = "client_form.tcss"
    SHORT = 20
    """Below this many rows the fields lose their borders, so more of them fit."""
    VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="client-form.cancel"),
        Binding("ctrl+s", "save", "Save", id="client-form.save", tooltip="Save and close"),
    ]

    class ProfileLoaded(Message):
        def __init__(self, profile: ClientProfile) -> None:
            super().__init__()
            self.profile = profile

    class Failed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class Saved(Message):
        def __init__(self, profile: ClientProfile) -> None:
            super().__init__()
            self.profile = profile

    def __init__(self, store: StoreLike, client_id: int | None = None) -> None:
        super().__init__()
        self.store = store
        self.client_id = client_id
        self.profile: ClientProfile | None = None
        self.questions: list[str] = list(store.settings.onboarding_questions)
        """Onboarding questions: the configured ones, then any other the client answered."""
        self._pristine: tuple[object, ...] = ()
        self._saving = False

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        title = "New client" if self.client_id is None else "Client"
        with Vertical(id="dialog"):
            yield Label(title, id="dialog-title")
            with VerticalScroll(id="fields"):
                yield from self._field("Name", Input(id="name", placeholder="Acme Bakery"))
                yield from self._field("Company", Input(id="company", placeholder="Acme Ltd"))
                yield Label("Contacts — one a line: Name <email> +phone (role)", classes="section")
                yield TextArea(id="contacts", soft_wrap=True)
                yield from self._field(
                    "Intake addresses (comma-separated)",
                    Input(id="emails", placeholder="acme@in.example.com"),
                )
                with Horizontal(classes="row"):
                    yield from self._column(
                        "Time zone", Input(id="timezone", placeholder="Europe/London")
                    )
                    yield from self._column(
                        "Channel",
                        Select([(c, c) for c in CHANNELS], id="channel", allow_blank=False),
                    )
                with Horizontal(classes="row"):
                    yield from self._column(
                        "Working days", Input(id="work-days", placeholder="mon-fri")
                    )
                    yield from self._column(
                        "Working hours", Input(id="work-hours", placeholder="09:00-17:00")
                    )
                yield Label("Onboarding", classes="section")
                with Vertical(id="onboarding"):
                    yield from self._answers(self.questions)
                with Horizontal(classes="row"):
                    yield from self._column(
                        "NDA signed on", Input(id="nda-date", placeholder="2026-01-15")
                    )
                    yield from self._column(
                        "NDA file or note", Input(id="nda-note", placeholder="~/nda/acme.pdf")
                    )
                with Horizontal(classes="row"):
                    yield from self._column(
                        "Contract start", Input(id="contract-start", placeholder="2026-01-01")
                    )
                    yield from self._column(
                        "Contract end", Input(id="contract-end", placeholder="(open)")
                    )
                with Horizontal(classes="row"):
                    yield from self._column(
                        "Agreed hours", Input(id="agreed-hours", placeholder="(none)")
                    )
                    yield from self._column(
                        "per",
                        Select(
                            [("week", "week"), ("month", "month")],
                            id="agreed-period",
                            allow_blank=False,
                        ),
                    )
                yield Label("Billing", classes="section")
                with Horizontal(classes="row"):
                    yield from self._column("Currency", Input(id="currency", value="EUR"))
                    yield from self._column(
                        "Rate an hour", Input(id="rate", placeholder="40 (0: not billed)")
                    )
                yield from self._field(
                    "Rates per kind", Input(id="kind-rates", placeholder="creative=60, call=45")
                )
                with Horizontal(classes="row"):
                    yield from self._column(
                        "Rounding",
                        Select(
                            [(label, str(m)) for label, m in ROUNDINGS],
                            id="rounding",
                            allow_blank=False,
                        ),
                    )
                    yield from self._column(
                        "rounded per",
                        Select(
                            [("entry", "entry"), ("day", "day")],
                            id="rounding-scope",
                            allow_blank=False,
                        ),
                    )
                with Horizontal(classes="row"):
                    yield from self._column(
                        "Minimum (minutes)", Input(id="minimum", placeholder="0")
                    )
                    yield from self._column("Discount (%)", Input(id="discount", placeholder="0"))
                yield Label("Turnaround in hours (empty: no promise)", classes="section")
                with Horizontal(classes="row kinds"):
                    for kind in CARD_KINDS:
                        yield from self._column(
                            kind,
                            Input(id=f"ta-{kind}", value=str(NEW_CLIENT_TURNAROUND.get(kind, ""))),
                        )
                with Horizontal(classes="row"):
                    yield from self._column(
                        "counted in",
                        Select(
                            [("calendar hours", "calendar"), ("working hours", "working")],
                            id="turnaround-mode",
                            allow_blank=False,
                        ),
                    )
                    yield from self._column(
                        "Colour", Input(id="colour", placeholder="#4fc1ff (empty: pick one)")
                    )
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    @staticmethod
    def _field(label: str, widget: Widget) -> Iterable[Widget]:
        yield Label(label)
        yield widget

    @staticmethod
    def _column(label: str, widget: Widget) -> ComposeResult:
        with Vertical():
            yield Label(label)
            yield widget

    @staticmethod
    def _answers(questions: list[str]) -> Iterable[Widget]:
        for index, question in enumerate(questions):
            yield Label(safe_text(question), classes="question")
            yield TextArea(id=f"answer-{index}", classes="answer", soft_wrap=True)

    def on_mount(self) -> None:
        self._fit(self.app.size.height)
        self.query_one("#error", Static).display = False
        self.query_one("#name", Input).focus()
        self._pristine = self._typed()
        if self.client_id is not None:
            self.query_one("#dialog-title", Label).update("Client (loading…)")
            hold_keys(self, "client-load")  # typed keys edit the loaded values, not blanks
            self.load()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        """Short terminals: the whole screen, borderless fields. Also set on mount: a form
        opened while the app starts may not get its first Resize (seen in a real terminal)."""
        short = height < self.SHORT
        self.set_class(short, "-short")
        self.set_class(not short, "-tall")
        for widget in self.query("Input, Select, TextArea, Button"):
            widget.compact = short  # type: ignore[attr-defined]

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        from vadesk.ui.screens.pickers import keep_field_in_sight

        keep_field_in_sight(self, self.query_one("#fields", VerticalScroll), event.widget)

    def _typed(self) -> tuple[object, ...]:
        values: list[object] = [field.value for field in self.query(Input)]
        values += [field.value for field in self.query(Select)]
        values += [area.text for area in self.query(TextArea)]
        return tuple(values)

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="client-load", exit_on_error=False)
    def load(self) -> None:
        from vadesk.services.clients import get_profile

        assert self.client_id is not None
        try:
            with self.store.read() as s:
                profile = get_profile(s, self.client_id)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.ProfileLoaded(profile))

    @on(ProfileLoaded)
    async def _loaded(self, event: ProfileLoaded) -> None:
        p = self.profile = event.profile
        self.query_one("#dialog-title", Label).update(safe_text(f"Client: {p.name}"))
        extra = [q for q in p.onboarding if q not in self.questions]
        if extra:
            start = len(self.questions)
            self.questions += extra
            box = self.query_one("#onboarding", Vertical)
            await box.mount_all(
                list(self._answers(self.questions))[2 * start :]  # only the new ones
            )
            self._fit(self.app.size.height)
        values = {
            "#name": p.name,
            "#company": p.company,
            "#emails": ", ".join(p.emails),
            "#timezone": p.timezone,
            "#work-days": "-".join(_day_span(p.working_hours.get("days", []))),
            "#work-hours": str(p.working_hours.get("hours", "")),
            "#nda-date": p.nda_signed_on.isoformat() if p.nda_signed_on else "",
            "#nda-note": p.nda_note,
            "#contract-start": p.contract_start.isoformat() if p.contract_start else "",
            "#contract-end": p.contract_end.isoformat() if p.contract_end else "",
            "#agreed-hours": hours_text(p.agreed_minutes),
            "#currency": p.currency,
            "#rate": major(p.default_rate_minor, p.currency),
            "#kind-rates": ", ".join(
                f"{kind}={major(minor, p.currency) or 0}" for kind, minor in sorted(p.rates.items())
            ),
            "#minimum": str(p.minimum_charge_minutes or ""),
            "#discount": str(p.discount_percent or ""),
            "#colour": p.colour,
        }
        for kind in CARD_KINDS:
            hours = p.turnaround.get(kind)
            values[f"#ta-{kind}"] = "" if hours is None else str(hours)
        for selector, value in values.items():
            self.query_one(selector, Input).value = display(value)
        self.query_one("#contacts", TextArea).text = "\n".join(
            display(contact_text(c)) for c in p.contacts
        )
        for index, question in enumerate(self.questions):
            answer = p.onboarding.get(question, "")
            self.query_one(f"#answer-{index}", TextArea).text = display(answer, multiline=True)
        self._select("#channel", p.channel)
        self._select("#agreed-period", p.agreed_period)
        self._select("#rounding", str(p.rounding_minutes))
        self._select("#rounding-scope", p.rounding_scope)
        self._select("#turnaround-mode", p.turnaround_mode)
        self._pristine = self._typed()
        release_keys(self, "client-load", shown=self)

    def _select(self, selector: str, value: str) -> None:
        select: Select[str] = self.query_one(selector, Select)
        with contextlib.suppress(InvalidSelectValueError):  # a value another tool stored
            select.value = value

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self._saving = False
        release_keys(self, "client-load")  # keys typed meanwhile go to the form
        release_keys(self, "client-save")
        error = self.query_one("#error", Static)
        error.update(safe_text(event.message))
        error.display = True
        # The field the message names gets the cursor (and stays in sight above the message).
        selector = field_of(event.message)
        target = self.query_one(selector) if selector else self.focused
        if target is not None:
            target.focus()
            fields = self.query_one("#fields", VerticalScroll)
            self.call_after_refresh(
                lambda: fields.scroll_to_widget(target, animate=False, immediate=True)
            )

    # ------------------------------------------------------------ saving

    def _text(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def read_form(self) -> ClientInput:
        """What the fields say, as the service takes it; a value the form itself cannot read
        (an amount, a whole number) raises InvalidInputError naming the field."""
        currency = self._text("#currency").strip() or "EUR"
        code = currency.upper()
        rate_text = self._text("#rate").strip()
        try:
            rate = parse_money(rate_text, code) if rate_text else 0
        except InvalidInputError as error:
            raise _labelled("Rate an hour", error) from None
        agreed_text = self._text("#agreed-hours").strip()
        try:
            agreed = round(parse_hours(agreed_text) * 60) if agreed_text else 0
        except InvalidInputError as error:
            raise _labelled("Agreed hours", error) from None
        turnaround: dict[str, int | None] = {}
        for kind in CARD_KINDS:
            text = self._text(f"#ta-{kind}").strip()
            if text and not (text.isdigit() and len(text) <= 6):
                raise InvalidInputError(
                    f"Turnaround for {kind} {text!r} is not whole hours; give e.g. 24, "
                    "or leave it empty for no promise."
                )
            turnaround[kind] = int(text) if text else None
        onboarding = {
            question: self.query_one(f"#answer-{index}", TextArea).text
            for index, question in enumerate(self.questions)
        }
        emails = [e for e in self._text("#emails").replace(";", ",").split(",") if e.strip()]
        return ClientInput(
            name=self._text("#name"),
            company=self._text("#company"),
            emails=[e.strip() for e in emails],
            contacts=read_contacts(self.query_one("#contacts", TextArea).text),
            timezone=self._text("#timezone"),
            working_hours={"days": self._text("#work-days"), "hours": self._text("#work-hours")},
            channel=str(self.query_one("#channel", Select).value),
            onboarding=onboarding,
            nda_signed_on=self._text("#nda-date"),
            nda_note=self._text("#nda-note"),
            contract_start=self._text("#contract-start"),
            contract_end=self._text("#contract-end"),
            agreed_minutes=agreed,
            agreed_period=str(self.query_one("#agreed-period", Select).value),
            currency=currency,
            default_rate_minor=rate,
            rates=read_kind_rates(self._text("#kind-rates"), code),
            rounding_minutes=int(str(self.query_one("#rounding", Select).value)),
            rounding_scope=str(self.query_one("#rounding-scope", Select).value),
            minimum_charge_minutes=read_whole(
                self._text("#minimum"), "Minimum", "give minutes like 15"
            ),
            discount_percent=read_whole(self._text("#discount"), "Discount", "give a percentage"),
            turnaround=turnaround,
            turnaround_mode=str(self.query_one("#turnaround-mode", Select).value),
            colour=self._text("#colour"),
        )

    def action_save(self) -> None:
        if self._saving or (self.client_id is not None and self.profile is None):
            return
        try:
            data = self.read_form()
        except InvalidInputError as error:
            self.post_message(self.Failed(str(error)))
            return
        self._saving = True
        hold_keys(self, "client-save")  # keys typed after ctrl+s go where the outcome is
        self.save(data)

    @work(thread=True, exclusive=True, group="client-save", exit_on_error=False)
    def save(self, data: ClientInput) -> None:
        from vadesk.services.clients import save_client

        try:
            with self.store.write() as s:
                profile = save_client(s, data, self.client_id)
        except VadeskError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.Saved(profile))

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        self.dismiss(event.profile)
        release_keys(self, "client-save")

    def on_unmount(self) -> None:
        release_keys(self, "client-load")
        release_keys(self, "client-save")

    def action_cancel(self) -> None:
        from vadesk.ui.screens.pickers import close_or_ask

        close_or_ask(
            self,
            changed=self._typed() != self._pristine,
            question="Discard your changes to this client?",
            detail="What you typed is not saved yet.",
        )

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _enter_saves(self) -> None:
        self.action_save()


MESSAGE_FIELDS = (
    ("A client named", "#name"),
    ("A client needs", "#name"),
    ("Company", "#company"),
    ("Contact", "#contacts"),
    ("Intake address", "#emails"),
    ("Time zone", "#timezone"),
    ("Working days", "#work-days"),
    ("Working hours", "#work-hours"),
    ("The answer to", "#answer-0"),
    ("NDA", "#nda-date"),
    ("The NDA note", "#nda-note"),
    ("Contract start", "#contract-start"),
    ("Contract end", "#contract-end"),
    ("The contract ends", "#contract-end"),
    ("Agreed hours", "#agreed-hours"),
    ("Currency", "#currency"),
    ("Rate an hour", "#rate"),
    ("The default rate", "#rate"),
    ("Rates per kind", "#kind-rates"),
    ("Rate for", "#kind-rates"),
    ("The minimum", "#minimum"),
    ("Minimum", "#minimum"),
    ("The discount", "#discount"),
    ("Discount", "#discount"),
    ("Colour", "#colour"),
    *((f"Turnaround for {kind}", f"#ta-{kind}") for kind in CARD_KINDS),
)
"""How a refusal begins -> the field it is about (longest match wins)."""


def field_of(message: str) -> str | None:
    found = [(len(start), sel) for start, sel in MESSAGE_FIELDS if message.startswith(start)]
    return max(found)[1] if found else None


def _day_span(days: Iterable[str]) -> list[str]:
    """["mon", "tue", ..., "fri"] -> ["mon", "fri"] when consecutive; else the days, by comma."""
    listed = list(days)
    if len(listed) > 2:
        index = [rules.WEEKDAYS.index(d) for d in listed if d in rules.WEEKDAYS]
        if index == list(range(index[0], index[0] + len(index))):
            return [listed[0], listed[-1]]
    return [",".join(listed)] if listed else []
