"""The week plan: per client (in priority order) the cards planned for a week, with estimates,
the hours agreed (or the package), the time logged, and the VA's capacity.

Keys: up/down pick a card (or a client's heading), ``t`` plans it for this week, ``n`` for
next week, ``u`` takes it out of the plan, ``a`` (or Enter on a heading) pulls one of the
client's unplanned cards into the week shown, ``[``/``]`` page through weeks, ``.`` back to
this week, Esc to the board. Over capacity shows in amber, a client over budget in red.
It follows the change feed, so a move made elsewhere shows within a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Hits, Provider
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from vadesk.domain.clock import Clock, utcnow
from vadesk.domain.durations import hm
from vadesk.domain.planning import Week, current_week
from vadesk.errors import VadeskError
from vadesk.services import planning
from vadesk.services.store import StoreLike
from vadesk.ui.commands import Command, discovery_hits, matching_hits
from vadesk.ui.safe import display

OVER_BUDGET = "error"
"""The theme colour of a client over budget (the plan or the time logged exceeds what it
has): red, as the theme draws errors."""
NO_CLIENT = "No client"
COLUMNS = f"{'est':>6} {'logged':>6}"
"""Over a client's cards: what the two numbers at the right of each card are."""


def _h(seconds: int) -> str:
    return f"{hm(seconds)} h"


def budget_summary(section: planning.ClientPlan) -> str:
    """One line: what the client has, what is planned and logged, what is left."""
    budget = section.budget
    if section.id is None:
        have = "your own cards"
    elif budget is None:
        have = "no hours agreed"
    elif budget.source == "agreed":
        have = f"agreed {_h(budget.seconds)}"
    else:
        have = f"package {_h(budget.seconds)}, {_h(budget.package_left_seconds or 0)} left"
    parts = [have, f"planned {hm(section.planned_seconds)}", f"logged {hm(section.logged_seconds)}"]
    left = section.load.left_seconds
    if budget is not None and budget.source == "agreed" and left is not None:
        parts.append(f"left {hm(left)}" if left >= 0 else f"over {hm(-left)}")
    if section.unestimated:
        parts.append(f"{section.unestimated} without estimate")
    return " · ".join(parts)


def card_line(card: planning.PlanCard, width: int) -> Text:
    """A card: done mark, title cut to fit, estimate (a dash: none) and time logged."""
    estimate = "–" if card.estimate_minutes is None else hm(card.estimate_minutes * 60)
    numbers = f"{estimate:>6} {hm(card.logged_seconds):>6}"
    room = max(4, width - len(numbers) - 3)
    title = display(card.title)
    if len(title) > room:
        title = title[: room - 1] + "…"
    line = Text("✓ " if card.done else "  ", style="green" if card.done else "")
    line.append(title.ljust(room), style="dim" if card.done else "")
    line.append(" " + numbers)
    return line


@dataclass(frozen=True)
class Picked:
    """The option under the cursor: a card, or a client's heading (card None)."""

    client_id: int | None
    client_name: str | None
    card: planning.PlanCard | None


class CardPicker(ModalScreen[int | None]):
    """Choose one of a client's unplanned (or carried-over) cards to pull into the week."""

    DEFAULT_CSS = """
    CardPicker { align: center middle; background: $background 60%; }
    CardPicker > Vertical { width: 70; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; }
    CardPicker OptionList { height: auto; max-height: 20; }
    CardPicker Label { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="week-pick.cancel"),
    ]

    def __init__(self, title: str, cards: list[planning.PlanCard]) -> None:
        super().__init__()
        self.title_text = title
        self.cards = cards

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text))
            yield OptionList(*(Option(self._prompt(c), id=str(c.id)) for c in self.cards))

    @staticmethod
    def _prompt(card: planning.PlanCard) -> Text:
        text = Text(display(card.title))
        estimate = (
            "no estimate" if card.estimate_minutes is None else hm(card.estimate_minutes * 60)
        )
        text.append(f"  {estimate}", style="dim")
        if card.planned_week is not None:
            text.append(f"  from {Week(card.planned_week).label}", style="yellow")
        return text

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class WeekCommands(Provider):
    """The week screen's palette: "week: ..." actions."""

    def _commands(self) -> list[Command]:
        screen = self.screen
        assert isinstance(screen, WeekScreen)
        return [
            ("week: plan card for this week", lambda: screen.action_plan("this"), "Key t"),
            ("week: plan card for next week", lambda: screen.action_plan("next"), "Key n"),
            ("week: unplan card", lambda: screen.action_plan("none"), "Key u"),
            ("week: add a card of this client", screen.action_pull, "Key a"),
            ("week: set the card's estimate", screen.action_estimate, "Key e"),
            ("week: previous week", lambda: screen.action_week(-1), "Key ["),
            ("week: next week", lambda: screen.action_week(1), "Key ]"),
            ("week: back to this week", screen.action_this_week, "Key ."),
            ("week: back to the board", screen.action_back, "Esc"),
        ]

    async def discover(self) -> Hits:
        for hit in discovery_hits(self._commands()):
            yield hit

    async def search(self, query: str) -> Hits:
        for hit in matching_hits(self.matcher(query), self._commands()):
            yield hit


class WeekScreen(Screen[None]):
    """The cards planned for a week, per client, against budgets and capacity."""

    CSS_PATH = "week.tcss"
    COMMANDS: ClassVar[set[Any]] = {WeekCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # Esc is out of the footer so the keys of this screen fit at 80 columns.
        Binding("escape", "back", "Board", id="week.back", show=False, tooltip="Back to the board"),
        Binding(
            "t",
            "plan('this')",
            "This week",
            id="week.this-week",
            tooltip="Plan the selected card for this week",
        ),
        Binding(
            "n",
            "plan('next')",
            "Next week",
            id="week.next-week",
            tooltip="Plan the selected card for next week",
        ),
        Binding(
            "u",
            "plan('none')",
            "Unplan",
            id="week.unplan",
            tooltip="Take the selected card out of the plan",
        ),
        Binding(
            "a",
            "pull",
            "Add",
            id="week.add-card",
            tooltip="Pull one of this client's unplanned cards into the week shown",
        ),
        Binding(
            "left_square_bracket",
            "week(-1)",
            "Earlier",
            id="week.prev-week",
            tooltip="The week before",
        ),
        Binding(
            "right_square_bracket",
            "week(1)",
            "Later",
            id="week.next-page",
            tooltip="The week after",
        ),
        Binding(
            "e",
            "estimate",
            "Estimate",
            id="week.estimate",
            show=False,
            tooltip="Set the selected card's estimate (90, 1:30, 1.5h; - for none)",
        ),
        Binding(
            "full_stop",
            "this_week",
            "Today",
            id="week.today",
            show=False,
            tooltip="Back to this week",
        ),
    ]

    class Loaded(Message):
        def __init__(self, plan: planning.WeekPlan, follow: int | None) -> None:
            super().__init__()
            self.plan = plan
            self.follow = follow

    class Done(Message):
        def __init__(self, message: str, severity: str = "information") -> None:
            super().__init__()
            self.message = message
            self.severity = severity

    class Candidates(Message):
        def __init__(self, client: Picked, cards: list[planning.PlanCard]) -> None:
            super().__init__()
            self.client = client
            self.cards = cards

    class ExternalChange(Message):
        """Someone committed: a card may have moved in or out of the week."""

    def __init__(
        self, store: StoreLike, *, clock: Clock = utcnow, card_id: int | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.tz, self.zone_name = planning.plan_zone(store.settings)
        self.week = current_week(clock(), self.tz)
        """The week shown."""
        self.plan: planning.WeekPlan | None = None
        self._rows: list[Picked | None] = []
        """What each option of the list is (None: a line that cannot be picked)."""
        self._follow: int | None = card_id
        """The card to put the cursor on after the next load."""
        self._paged = False
        """Another week was chosen: the cursor starts on its first card."""

    def compose(self) -> ComposeResult:
        yield Static(id="week-title")
        yield Static(id="week-capacity")
        yield OptionList(id="week-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#week-list", OptionList).focus()
        self.load()
        self.watch_changes()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="week", exit_on_error=False)
    def load(self, follow: int | None = None) -> None:
        worker = get_current_worker()
        try:
            with self.store.read() as s:
                plan = planning.settings_plan(s, self.store.settings, self.week, now=self.clock())
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            return
        if not worker.is_cancelled:
            self.post_message(self.Loaded(plan, follow))

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def watch_changes(self) -> None:
        from vadesk.services.changes import ChangeFeed

        worker = get_current_worker()
        try:
            feed = ChangeFeed(self.store)
        except Exception:
            return
        try:
            while not worker.is_cancelled:
                if feed.wait(0.5) and not worker.is_cancelled:
                    self.post_message(self.ExternalChange())
        finally:
            feed.close()

    @on(ExternalChange)
    def _external(self) -> None:
        # No card to follow: the cursor stays where it is when the plan arrives (a card
        # named now could be stale by then, e.g. just before a pulled-in card is shown).
        self.load()

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.plan.week != self.week:
            return  # paged on meanwhile: another load is coming
        self.plan = event.plan
        # A card the user asked for (pulled in, or the board's selection) wins over the
        # cursor of a load that started before it was there.
        follow = self._follow if self._follow is not None else event.follow
        self._draw(follow)

    # ------------------------------------------------------------ drawing

    def _draw(self, follow: int | None = None) -> None:
        plan = self.plan
        if plan is None:
            return
        when = " (this week)" if plan.is_current else ""
        self.query_one("#week-title", Static).update(
            Text(f"Week {plan.week.label} · {plan.week.span}{when}")
        )
        capacity = self.query_one("#week-capacity", Static)
        capacity.update(Text(self._capacity_line(plan, capacity.size.width - 2)))
        capacity.set_class(plan.over_capacity, "-over")

        options = self.query_one("#week-list", OptionList)
        keep = None if self._paged else options.highlighted
        self._paged = False
        current = self._picked_card_id() if follow is None else follow
        width = max(20, options.scrollable_content_region.width - 2)
        prompts: list[Option] = []
        rows: list[Picked | None] = []
        red = self.app.theme_variables.get(OVER_BUDGET, "red")
        if not plan.clients:
            prompts.append(
                Option("No clients yet: add one with `vadesk client add NAME`.", disabled=True)
            )
            rows.append(None)
        for section in plan.clients:
            name = display(section.name) if section.name is not None else NO_CLIENT
            heading = Text()
            if section.over_budget:
                heading.append(name, style=f"bold {red}")
                heading.append("  over budget", style=f"bold {red}")
            else:
                heading.append(name, style="bold")
            if section.cards and heading.cell_len + len(COLUMNS) + 1 <= width:
                heading.append(COLUMNS.rjust(width - heading.cell_len), style="dim")
            heading.append(
                "\n" + budget_summary(section), style=red if section.over_budget else "dim"
            )
            prompts.append(Option(heading, id=f"client-{section.id}"))
            rows.append(Picked(section.id, section.name, None))
            if not section.cards:
                prompts.append(
                    Option(Text("  nothing planned: a adds a card", style="dim"), disabled=True)
                )
                rows.append(None)
            for card in section.cards:
                prompts.append(Option(card_line(card, width), id=f"card-{card.id}"))
                rows.append(Picked(section.id, section.name, card))
        options.clear_options()
        options.add_options(prompts)
        self._rows = rows
        target = next(
            (i for i, r in enumerate(rows) if r and r.card and r.card.id == current), None
        )
        if target is None and keep is not None:
            target = min(keep, len(rows) - 1)
            while target > 0 and rows[target] is None:
                target -= 1
        if target is None:
            target = next((i for i, r in enumerate(rows) if r and r.card), 0)
        if rows and rows[target] is not None:
            options.highlighted = target
        found = rows[target] if rows else None
        if found is not None and found.card is not None and found.card.id == self._follow:
            self._follow = None  # there it is: later loads keep the cursor where it is
        self.refresh_bindings()

    @staticmethod
    def _capacity_line(plan: planning.WeekPlan, width: int) -> str:
        """The VA's week against capacity; the long form where it fits on one line."""
        over = " · over capacity" if plan.over_capacity else ""
        short = (
            f"Planned {hm(plan.planned_seconds)} of {_h(plan.capacity_seconds)}"
            f" · logged {hm(plan.logged_seconds)}{over}"
        )
        missing = f" ({plan.unestimated} without estimate)" if plan.unestimated else ""
        long = (
            f"Planned {hm(plan.planned_seconds)}{missing} of {_h(plan.capacity_seconds)} capacity"
            f" · logged {hm(plan.logged_seconds)}{over}"
        )
        return long if len(long) <= width else short

    def on_resize(self) -> None:
        self.call_after_refresh(self._draw)

    # ------------------------------------------------------------ what is selected

    def picked(self) -> Picked | None:
        index = self.query_one("#week-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self._rows):
            return None
        return self._rows[index]

    def _picked_card_id(self) -> int | None:
        picked = self.picked()
        return picked.card.id if picked and picked.card else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Moves need a card under the cursor, adding a client; dimmed (None) when not."""
        picked = self.picked()
        if action in ("plan", "estimate"):
            return True if picked is not None and picked.card is not None else None
        if action == "pull":
            return True if picked is not None else None
        return True

    @on(OptionList.OptionHighlighted, "#week-list")
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#week-list")
    def _selected(self) -> None:
        picked = self.picked()
        if picked is not None and picked.card is None:
            self.action_pull()

    # ------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.dismiss(None)

    def action_week(self, delta: int) -> None:
        self.week = self.week.shifted(delta)
        self._paged = True
        self._follow = None
        self.load()

    def action_this_week(self) -> None:
        self.week = current_week(self.clock(), self.tz)
        self._paged = True
        self._follow = None
        self.load()

    def action_plan(self, which: str) -> None:
        picked = self.picked()
        if picked is None or picked.card is None:
            return
        this = current_week(self.clock(), self.tz)
        target = {"this": this, "next": this.shifted(1)}.get(which)
        self._follow = None
        self._move(picked.card, target)

    @work(thread=True, group="week-write", exit_on_error=False)
    def _move(self, card: planning.PlanCard, week: Week | None) -> None:
        try:
            with self.store.write() as s:
                planning.plan_card(
                    s,
                    card.id,
                    week,
                    expected_version=card.version,
                    user_id=self.store.user_id,
                    now=self.clock(),
                )
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            self.load()
            return
        where = f"planned for {week.label}" if week is not None else "taken out of the plan"
        self.post_message(self.Done(f"{display(card.title)}: {where}."))
        self.load()

    def action_estimate(self) -> None:
        picked = self.picked()
        if picked is None or picked.card is None:
            return
        from vadesk.ui.screens.pickers import TextPrompt

        card = picked.card
        current = "" if card.estimate_minutes is None else hm(card.estimate_minutes * 60)
        # The hint first: a long title would push it out of a narrow prompt.
        prompt = TextPrompt("Estimate 1:30, 90, 1.5h; - none", current)

        def answered(text: str | None) -> None:
            if text is not None:
                self._estimate(card, text)

        self.app.push_screen(prompt, answered)

    @work(thread=True, group="week-write", exit_on_error=False)
    def _estimate(self, card: planning.PlanCard, text: str) -> None:
        from vadesk.domain.planning import parse_estimate
        from vadesk.services.cards import edit_card

        try:
            minutes = parse_estimate(text)
            with self.store.write() as s:
                edit_card(
                    s,
                    card.id,
                    expected_version=card.version,
                    user_id=self.store.user_id,
                    now=self.clock(),
                    estimate_minutes=minutes,
                )
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            self.load()
            return
        said = "no estimate" if minutes is None else f"estimate {hm(minutes * 60)}"
        self.post_message(self.Done(f"{display(card.title)}: {said}."))
        self.load()

    def action_pull(self) -> None:
        picked = self.picked()
        if picked is None:
            return
        self._candidates(picked)

    @work(thread=True, exclusive=True, group="week-candidates", exit_on_error=False)
    def _candidates(self, client: Picked) -> None:
        try:
            with self.store.read() as s:
                cards = planning.unplanned_cards(s, client.client_id, self.week)
        except VadeskError as error:
            self.post_message(self.Done(str(error), "error"))
            return
        self.post_message(self.Candidates(client, cards))

    @on(Candidates)
    def _offer(self, event: Candidates) -> None:
        name = display(event.client.client_name) if event.client.client_name else None
        if not event.cards:
            whose = f"{name} has" if name else "There are"
            self.notify(f"{whose} no unplanned open cards.", timeout=4, markup=False)
            return
        week = self.week

        def chosen(card_id: int | None) -> None:
            card = next((c for c in event.cards if c.id == card_id), None)
            if card is not None:
                self._follow = card.id
                self._move(card, week)

        whose = f"of {name}" if name else "without a client"
        self.app.push_screen(
            CardPicker(f" Plan a card {whose} for {week.label}", event.cards), chosen
        )

    @on(Done)
    def _done(self, event: Done) -> None:
        # Messages quote card titles and client names: plain text, never markup.
        self.notify(display(event.message), severity=event.severity, timeout=4, markup=False)  # type: ignore[arg-type]
