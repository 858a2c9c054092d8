"""A Report as an A4 PDF (fpdf2): header, entries, subtotals, bar charts, totals last.

``font_path`` names a Unicode TrueType font (DejaVu Sans when the system has it); without one
the PDF uses Helvetica and shows characters outside Latin-1 as '?'.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from vadesk.domain.report import Report, Row
from vadesk.domain.report_format import (
    DEFAULT_LOCALE,
    empty_message,
    hours_minutes,
    money,
    period_label,
    row_amount,
    turnaround_lines,
)
from vadesk.domain.text import clean_text

GREY = (110, 110, 110)
BAR = (70, 110, 170)


class _Pdf(FPDF):
    family = "Helvetica"
    unicode = False

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _text(pdf: _Pdf, value: str) -> str:
    value = clean_text(value)
    if pdf.unicode:
        return value
    value = value.replace("\u202f", " ").replace("\xa0", " ").replace("–", "-").replace("—", "-")
    value = value.replace("€", "EUR ").replace("−", "-")
    return value.encode("latin-1", "replace").decode("latin-1")


def week_minutes(rows: Sequence[Row]) -> list[tuple[str, int]]:
    """Minutes per ISO week (``2026-W48``), in order."""
    weeks: dict[str, int] = {}
    for row in rows:
        year, week, _ = row.day.isocalendar()
        key = f"{year}-W{week:02d}"
        weeks[key] = weeks.get(key, 0) + row.minutes
    return sorted(weeks.items())


def _wrap(measure: Callable[[str], float], text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (words first, then characters)."""
    if measure(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if measure(line + char) > width and line:
                lines.append(line)
                line = ""
            line += char
    lines.append(line)
    return lines


def _grid(
    pdf: _Pdf,
    widths: Sequence[float],
    aligns: str,
    header: list[str],
    rows: list[list[str]],
    *,
    size: float,
    line_height: float = 4.2,
) -> None:
    """A ruled table, the header repeated on each page; long cells wrap.

    Drawn with rectangles and text at computed places: fpdf2's ``table()`` lays out every
    cell twice and took 2.8 s for a 640-row month, ``cell()`` per cell still 1.5 s.
    Widths are measured once per distinct text (dates, times, kinds and cards repeat).
    """
    columns = [pdf.epw * w / sum(widths) for w in widths]
    pad = pdf.c_margin
    auto, margin = pdf.auto_page_break, pdf.b_margin
    pdf.set_auto_page_break(False, margin)
    widths_of: dict[tuple[str, str], float] = {}
    style_now = ""

    def measure(text: str) -> float:
        key = (style_now, text)
        width = widths_of.get(key)
        if width is None:
            width = widths_of[key] = pdf.get_string_width(text)
        return width

    def paint(cells: list[str], style: str) -> None:
        nonlocal style_now
        style_now = style
        pdf.set_font(pdf.family, style, size)
        wrapped = [_wrap(measure, c, w - 2 * pad) for c, w in zip(cells, columns, strict=True)]
        height = line_height * max(len(lines) for lines in wrapped)
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if style == "":
                paint(header, "B")
                style_now = style
                pdf.set_font(pdf.family, style, size)
        x, y = pdf.l_margin, pdf.get_y()
        baseline = (line_height + pdf.font_size * 0.7) / 2
        for lines, width, align in zip(wrapped, columns, aligns, strict=True):
            pdf.rect(x, y, width, height)
            for i, line in enumerate(lines):
                left = x + width - pad - measure(line) if align == "R" else x + pad
                pdf.text(left, y + i * line_height + baseline, line)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    paint(header, "B")
    for row in rows:
        paint(row, "")
    pdf.set_auto_page_break(auto, margin)


def _bars(pdf: _Pdf, title: str, values: Sequence[tuple[str, int]]) -> None:
    if not values:
        return
    if pdf.get_y() + 10 + 6 * len(values) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(pdf.family, "B", 10)
    pdf.cell(0, 7, _text(pdf, title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, size=8)
    top = max(v for _, v in values) or 1
    width = pdf.epw - 60
    for label, minutes in values:
        y = pdf.get_y()
        pdf.cell(35, 5, _text(pdf, label))
        pdf.set_fill_color(*BAR)
        length = width * minutes / top
        if length > 0:
            pdf.rect(pdf.l_margin + 35, y + 1, length, 3.2, style="F")
        pdf.set_xy(pdf.l_margin + 37 + length, y)
        pdf.cell(20, 5, f"{hours_minutes(minutes)} h", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def to_pdf(report: Report, locale: str = DEFAULT_LOCALE, font_path: str | None = None) -> bytes:
    pdf = _Pdf(format="A4")
    if font_path:
        pdf.add_font("Body", "", font_path)
        bold = Path(font_path).with_name(Path(font_path).stem + "-Bold.ttf")
        pdf.add_font("Body", "B", str(bold) if bold.exists() else font_path)
        pdf.family, pdf.unicode = "Body", True
    pdf.set_title(_text(pdf, f"Timesheet {report.client} {period_label(report)}"))
    pdf.set_author(_text(pdf, report.business.name or "vadesk"))
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    cur = report.currency

    def m(minor: int) -> str:
        return _text(pdf, money(minor, cur, locale))

    b = report.business
    if b.logo and Path(b.logo).is_file():
        # A logo that cannot be read leaves the page without it.
        with contextlib.suppress(Exception):
            pdf.image(b.logo, x=pdf.w - pdf.r_margin - 35, y=10, w=35)
    pdf.set_font(pdf.family, "B", 12)
    if b.name:
        pdf.cell(0, 6, _text(pdf, b.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, size=9)
    for part in b.address.splitlines():
        pdf.cell(0, 4.5, _text(pdf, part), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if b.tax_id:
        pdf.cell(
            0, 4.5, _text(pdf, f"VAT / company id: {b.tax_id}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(6)
    pdf.set_font(pdf.family, "B", 16)
    pdf.cell(0, 9, _text(pdf, "Timesheet"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, size=10)
    pdf.cell(0, 5.5, _text(pdf, f"Client: {report.client}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(
        0,
        5.5,
        _text(
            pdf,
            f"Period: {period_label(report)} ({report.first_day} to {report.last_day}, "
            f"{report.timezone})",
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)

    if report.empty:
        pdf.cell(0, 6, _text(pdf, empty_message(report)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        rows = []
        for r in report.rows:
            card = f"#{r.card_id} {r.card}" if r.card_id is not None else r.card
            note = r.note + (f" (billed {r.invoice})" if r.invoice else "")
            rows.append(
                [
                    str(r.day),
                    f"{r.start:%H:%M}",
                    "running" if r.running else f"{r.end:%H:%M}",
                    str(r.minutes),
                    str(r.billed_minutes),
                    _text(pdf, card),
                    r.kind,
                    _text(pdf, note),
                    _text(pdf, row_amount(r, cur, locale)),
                ]
            )
        _grid(
            pdf,
            (18, 10, 11, 10, 10, 52, 14, 35, 20),
            "LLLRRLLLR",
            ["Date", "Start", "End", "Min", "Billed", "Card", "Kind", "Note", "Amount"],
            rows,
            size=7.5,
        )
        pdf.ln(4)
        for title, subtotals in (("Per card", report.per_card), ("Per kind", report.per_kind)):
            if pdf.get_y() + 20 > pdf.page_break_trigger:
                pdf.add_page()
            pdf.set_font(pdf.family, "B", 10)
            pdf.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            _grid(
                pdf,
                (100, 25, 25, 30),
                "LRRR",
                [title[4:].title(), "Minutes", "Billed", "Amount"],
                [
                    [_text(pdf, s.key), str(s.minutes), str(s.billed_minutes), m(s.amount_minor)]
                    for s in subtotals
                ],
                size=8,
            )
            pdf.ln(3)
        _bars(pdf, "Hours per week", week_minutes(report.rows))
        _bars(pdf, "Hours per kind", [(s.key, s.minutes) for s in report.per_kind])

    # Totals (and what goes with them) always come last.
    lines: list[tuple[str, str, bool]] = [
        ("Time worked", f"{hours_minutes(report.minutes)} h ({report.minutes} min)", False),
        (
            "Billable time",
            f"{hours_minutes(report.billed_minutes)} h ({report.billed_minutes} min)",
            False,
        ),
        ("Amount", m(report.subtotal_minor), False),
    ]
    if report.discount_minor:
        lines.append(
            (f"Discount {report.discount_percent} %", "-" + m(report.discount_minor), False)
        )
    lines.append(("Total", m(report.total_minor), True))
    extra: list[str] = []
    for p in report.packages:
        expiry = f"expires {p.expires.date()}" if p.expires else "no expiry"
        state = " (expired)" if p.expired else ""
        extra.append(
            f"Package #{p.id} ({hours_minutes(p.total_seconds // 60)} h, bought "
            f"{p.purchased.date()}, {expiry}{state}): drawn "
            f"{hours_minutes(-(-p.drawn_seconds // 60))} h, left "
            f"{hours_minutes(p.left_seconds // 60)} h"
        )
    for c in report.corrections:
        extra.append(
            f"Correction: entry {c.entry_id} on {c.day} billed under {c.invoice} "
            f"{'deleted' if c.deleted else 'changed'}: {-(-c.billed_seconds_before // 60)} -> "
            f"{-(-c.billed_seconds_now // 60)} min ({money(c.amount_delta_minor, cur, locale)})"
        )
    if report.running:
        extra.append("A timer is running: its time is counted up to the time of this report.")
    extra += turnaround_lines(report)
    needed = 8 + 6 * len(lines) + 5 * len(extra)
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(0, 8, "Totals", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for label, value, strong in lines:
        pdf.set_font(pdf.family, "B" if strong else "", 10)
        pdf.cell(60, 6, _text(pdf, label))
        pdf.cell(50, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(pdf.family, size=8)
    for text in extra:
        pdf.multi_cell(0, 4.5, _text(pdf, text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
