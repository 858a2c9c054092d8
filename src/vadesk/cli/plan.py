"""`vadesk plan`: the week plan per client, as text, JSON or Markdown for the Monday email."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from vadesk.cli.common import Context, echo_json, json_option, pass_ctx, refuse_together
from vadesk.domain.durations import hm
from vadesk.domain.text import display

if TYPE_CHECKING:
    from vadesk.domain.planning import Week
    from vadesk.services.planning import Budget, ClientPlan, PlanCard, WeekPlan

RELATIVE = {"this": 0, "next": 1, "last": -1, "previous": -1}
NO_CLIENT = "No client"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!])")


def _week(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Checked here (a mistyped week is a usage error); turned into a Week once the zone is
    known."""
    if value is None or value.strip().lower() in RELATIVE:
        return value
    from vadesk.domain.planning import parse_week
    from vadesk.errors import InvalidInputError

    try:
        parse_week(value)
    except InvalidInputError as error:
        raise click.BadParameter(str(error), ctx, param) from None
    return value


def _h(seconds: int) -> str:
    return f"{hm(seconds)} h"


def _estimate(card: PlanCard) -> str:
    return "–" if card.estimate_minutes is None else hm(card.estimate_minutes * 60)


def budget_words(budget: Budget | None) -> str:
    """ "agreed 10:00 h for the week (40:00 h a month)", "package 4:00 h at the week's start"."""
    if budget is None:
        return "no hours agreed"
    if budget.source == "agreed":
        text = f"agreed {_h(budget.seconds)} for the week"
        if budget.agreed_period == "month" and budget.agreed_minutes is not None:
            text += f" ({_h(budget.agreed_minutes * 60)} a month)"
        return text
    left = budget.package_left_seconds or 0
    return f"package {_h(budget.seconds)} at the week's start, {_h(left)} left now"


def client_line(section: ClientPlan) -> str:
    parts = [
        budget_words(section.budget) if section.id is not None else "your own cards",
        f"planned {_h(section.planned_seconds)}",
        f"logged {_h(section.logged_seconds)}",
    ]
    left = section.load.left_seconds
    if left is not None and section.budget is not None and section.budget.source == "agreed":
        parts.append(f"{_h(left)} left" if left >= 0 else f"{_h(-left)} over")
    return " · ".join(parts)


def _text(plan: WeekPlan) -> None:
    zone = f" · {display(plan.timezone)}" if plan.timezone else ""
    click.echo(f"Week {plan.week.label} · {plan.week.span}{zone}")
    missing = f" ({plan.unestimated} without estimate, counted as 0)" if plan.unestimated else ""
    capacity = (
        f"Capacity {_h(plan.capacity_seconds)} · planned {_h(plan.planned_seconds)}{missing}"
        f" · logged {_h(plan.logged_seconds)}"
    )
    if plan.over_capacity:
        capacity += " · " + click.style("OVER CAPACITY", fg="yellow", bold=True)
    click.echo(capacity)
    for section in plan.clients:
        name = display(section.name) if section.name is not None else NO_CLIENT
        line = f"{name} — {client_line(section)}"
        if section.over_budget:
            line += " · " + click.style("OVER BUDGET", fg="red", bold=True)
        click.echo("")
        click.echo(line)
        if not section.cards:
            click.echo("  nothing planned")
        for card in section.cards:
            mark = "✓" if card.done else " "
            click.echo(
                f"  {mark} #{card.id:<5} {_estimate(card):>6} est  {hm(card.logged_seconds):>6} "
                f"logged  {display(card.title)}"
            )


def _md_text(value: str | None) -> str:
    """Stored text made safe for Markdown: one line, the characters that format escaped."""
    return _MD_SPECIAL.sub(r"\\\1", display(value))


def markdown(plan: WeekPlan) -> str:
    """One section per client, to paste into the Monday email."""
    out: list[str] = []
    for section in plan.clients:
        name = _md_text(section.name) if section.name is not None else NO_CLIENT
        out.append(f"## {name}: week {plan.week.label} ({plan.week.span})")
        out.append("")
        if not section.cards:
            out.append("Nothing planned yet.")
        for card in section.cards:
            box = "x" if card.done else " "
            estimate = (
                "no estimate yet"
                if card.estimate_minutes is None
                else f"estimate {_h(card.estimate_minutes * 60)}"
            )
            out.append(f"- [{box}] {_md_text(card.title)} ({estimate})")
        out.append("")
        summary = client_line(section)
        out.append(summary[0].upper() + summary[1:] + ".")
        if section.unestimated:
            out.append("")
            plural = "s have" if section.unestimated > 1 else " has"
            out.append(
                f"{section.unestimated} task{plural} no estimate yet (not counted in the hours)."
            )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


@click.command("plan")
@click.option(
    "--week",
    metavar="WEEK",
    callback=_week,
    help="ISO week like 2026-W49, a date in it, or this/next/last (default: this week).",
)
@click.option("--client", "client_name", metavar="NAME", help="Only this client's plan.")
@json_option("Print the plan as JSON.")
@click.option("--md", "as_md", is_flag=True, help="Markdown, one section per client.")
@pass_ctx
def plan(
    ctx: Context, week: str | None, client_name: str | None, as_json: bool, as_md: bool
) -> None:
    """The week plan: per client, the cards planned, agreed hours and time logged."""
    from vadesk.domain.clock import utcnow
    from vadesk.domain.planning import current_week
    from vadesk.services import planning
    from vadesk.services.clients import client_by_name

    refuse_together(json=as_json, md=as_md)
    now = utcnow()
    tz, _ = planning.plan_zone(ctx.settings)
    chosen: Week
    if week is None or week.strip().lower() in RELATIVE:
        chosen = current_week(now, tz).shifted(RELATIVE[(week or "this").strip().lower()])
    else:
        from vadesk.domain.planning import parse_week

        chosen = parse_week(week)
    with ctx.store(create=False).read() as s:
        client_id = client_by_name(s, client_name).id if client_name is not None else None
        result = planning.settings_plan(s, ctx.settings, chosen, now=now, client_id=client_id)
    if as_json:
        echo_json(result.as_json())
    elif as_md:
        click.echo(markdown(result), nl=False)
    else:
        _text(result)
