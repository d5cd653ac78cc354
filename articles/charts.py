"""Chart geometry for the dashboards' server-side SVG: plain data in, coordinates out. The
templates in `templates/admin/articles/dashboards/charts/` draw them; colours come from the
stylesheet's tokens (each datum carries a CSS class), never from here.

Every chart has a title, a text alternative listing its numbers (`summary`) and its rows for the
table shown beside it. No queries, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Datum:
    """One value to chart: `key` is stable (URLs, CSS), `label` is what people read."""

    key: str
    label: str
    value: float
    css: str = ""
    href: str = ""
    note: str = ""


def _fmt_number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = float(10.0 ** math.floor(math.log10(value)))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value:
            return step * power
    return 10.0 * power


@dataclass(frozen=True)
class Chart:
    """What every chart has: an id (for aria references), a title, a text alternative and
    its numbers as table rows of (label, value text)."""

    id: str
    title: str
    summary: str
    width: int
    height: int
    table: tuple[tuple[str, str], ...]
    value_heading: str = "Value"

    @property
    def empty(self) -> bool:
        return not self.table


@dataclass(frozen=True)
class HBar:
    datum: Datum
    y: float
    width: float
    text: str
    text_x: float
    height: float

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2 + 4, 1)


@dataclass(frozen=True)
class HBarChart(Chart):
    bars: tuple[HBar, ...] = ()
    label_width: int = 0
    bar_height: int = 0
    row_height: int = 0


def hbars(
    chart_id: str,
    title: str,
    data: Sequence[Datum],
    *,
    fmt: Callable[[float], str] = _fmt_number,
    value_heading: str = "Count",
    width: int = 560,
    label_width: int = 150,
    max_value: float | None = None,
) -> HBarChart:
    """Horizontal bars, one per datum, labelled at the left and valued at the right."""
    row, bar = 34, 22
    top = max_value if max_value is not None else max((d.value for d in data), default=0.0)
    span = width - label_width - 70
    bars = []
    for i, datum in enumerate(data):
        w = 0.0 if top <= 0 else max(0.0, datum.value) / top * span
        bars.append(
            HBar(
                datum=datum,
                y=i * row + (row - bar) / 2,
                width=round(w, 1),
                text=fmt(datum.value),
                text_x=round(label_width + w + 8, 1),
                height=bar,
            )
        )
    table = tuple((d.label, fmt(d.value)) for d in data)
    summary = f"{title}: " + "; ".join(f"{label} {value}" for label, value in table) + "."
    return HBarChart(
        id=chart_id,
        title=title,
        summary=summary if table else f"{title}: no data yet.",
        width=width,
        height=max(row, len(bars) * row),
        table=table,
        value_heading=value_heading,
        bars=tuple(bars),
        label_width=label_width,
        bar_height=bar,
        row_height=row,
    )


@dataclass(frozen=True)
class Column:
    datum: Datum
    x: float
    y: float
    width: float
    height: float
    tick: str

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Gridline:
    y: float
    text: str


@dataclass(frozen=True)
class ColumnChart(Chart):
    columns: tuple[Column, ...] = ()
    gridlines: tuple[Gridline, ...] = ()
    plot_left: int = 0
    plot_bottom: float = 0.0
    plot_right: int = 0


def columns(
    chart_id: str,
    title: str,
    data: Sequence[Datum],
    *,
    value_heading: str = "Count",
    width: int = 560,
    height: int = 190,
    tick_every: int = 7,
) -> ColumnChart:
    """Vertical columns (a daily series), a tick label every `tick_every` columns."""
    left, right, top_pad, bottom_pad = 44, 8, 10, 24
    plot_h = height - top_pad - bottom_pad
    # Counts: at least 4, so the quarter gridlines fall on whole numbers.
    top = max(4.0, _nice_max(max((d.value for d in data), default=0.0)))
    if top < 20:
        top = float(math.ceil(top / 4) * 4)
    n = max(1, len(data))
    slot = (width - left - right) / n
    gap = min(4.0, slot * 0.2)
    cols = []
    for i, datum in enumerate(data):
        h = max(0.0, datum.value) / top * plot_h
        cols.append(
            Column(
                datum=datum,
                x=round(left + i * slot + gap / 2, 1),
                y=round(top_pad + plot_h - h, 1),
                width=round(slot - gap, 1),
                height=round(h, 1),
                tick=datum.label
                if i % tick_every == 0 or (i == len(data) - 1 and i % tick_every > tick_every // 2)
                else "",
            )
        )
    grid = tuple(
        Gridline(y=round(top_pad + plot_h - plot_h * k / 4, 1), text=_fmt_number(top * k / 4))
        for k in range(5)
    )
    table = tuple((d.label, _fmt_number(d.value)) for d in data)
    total = sum(d.value for d in data)
    busiest = max(data, key=lambda d: d.value, default=None)
    summary = f"{title}: {_fmt_number(total)} in all over {len(data)} days" + (
        f", most on {busiest.label} ({_fmt_number(busiest.value)})."
        if busiest and busiest.value
        else "."
    )
    return ColumnChart(
        id=chart_id,
        title=title,
        summary=summary,
        width=width,
        height=height,
        table=table if total else (),
        value_heading=value_heading,
        columns=tuple(cols),
        gridlines=grid,
        plot_left=left,
        plot_bottom=top_pad + plot_h,
        plot_right=width - right,
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    text: str
    href: str = ""


@dataclass(frozen=True)
class LineChart(Chart):
    points: tuple[Point, ...] = ()
    path: str = ""
    gridlines: tuple[Gridline, ...] = ()
    plot_left: int = 0
    plot_right: int = 0
    bands: tuple[tuple[float, float, str], ...] = field(default=())


def line(
    chart_id: str,
    title: str,
    data: Sequence[Datum],
    *,
    lo: float = 0.0,
    hi: float = 1.0,
    fmt: Callable[[float], str] = lambda v: f"{v:.2f}",
    value_heading: str = "Value",
    width: int = 560,
    height: int = 190,
    reference: Sequence[tuple[float, str]] = (),
) -> LineChart:
    """A line through the data in order, y from `lo` to `hi` (widened to fit the data), with
    dashed reference lines at the given values."""
    left, right, top_pad, bottom_pad = 44, 12, 10, 24
    plot_h = height - top_pad - bottom_pad
    values = [d.value for d in data]
    lo = min([lo, *values])
    hi = max([hi, *values])
    span = (hi - lo) or 1.0
    n = len(data)
    step = (width - left - right) / max(1, n - 1)

    def y_of(v: float) -> float:
        return round(top_pad + plot_h - (v - lo) / span * plot_h, 1)

    points = tuple(
        Point(
            x=round(left + (i * step if n > 1 else (width - left - right) / 2), 1),
            y=y_of(d.value),
            label=d.label,
            text=fmt(d.value),
            href=d.href,
        )
        for i, d in enumerate(data)
    )
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
    grid = tuple(Gridline(y=y_of(lo + span * k / 4), text=fmt(lo + span * k / 4)) for k in range(5))
    # Each reference line's label sits above it, the next one's below (they may be close).
    refs = tuple(
        (y_of(v), -4.0 if k % 2 == 0 else 12.0, text)
        for k, (v, text) in enumerate(sorted(reference, reverse=True))
        if lo <= v <= hi
    )
    table = tuple((d.label, fmt(d.value)) for d in data)
    if data:
        summary = (
            f"{title}: {n} values, latest {fmt(values[-1])} ({data[-1].label}), "
            f"lowest {fmt(min(values))}, highest {fmt(max(values))}."
        )
    else:
        summary = f"{title}: no data yet."
    return LineChart(
        id=chart_id,
        title=title,
        summary=summary,
        width=width,
        height=height,
        table=table,
        value_heading=value_heading,
        points=points,
        path=path,
        gridlines=grid,
        plot_left=left,
        plot_right=width - right,
        bands=refs,
    )


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    value: float
    text: str
    row: str
    col: str
    dark: bool  # the cell is dark enough to need light text
    size: int = 0

    @property
    def cx(self) -> float:
        return self.x + self.size / 2

    @property
    def cy(self) -> float:
        return self.y + self.size / 2 + 4


@dataclass(frozen=True)
class Axis:
    at: float
    text: str


@dataclass(frozen=True)
class HeatMap(Chart):
    cells: tuple[Cell, ...] = ()
    rows: tuple[Axis, ...] = ()
    cols: tuple[Axis, ...] = ()
    cell: int = 0
    left: int = 0
    top: int = 0
    col_labels: tuple[str, ...] = ()
    matrix: tuple[tuple[str, tuple[str, ...]], ...] = ()


def heatmap(
    chart_id: str,
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float]],
    *,
    row_heading: str,
    col_heading: str,
    cell: int = 44,
) -> HeatMap:
    """A matrix of shares in [0, 1] as shaded cells (opacity = share), each with its figure."""
    left, top = 84, 34
    cells = []
    for i, row in enumerate(row_labels):
        for j, col in enumerate(col_labels):
            v = max(0.0, min(1.0, float(values[i][j])))
            cells.append(
                Cell(
                    x=left + j * cell,
                    y=top + i * cell,
                    value=round(v, 3),
                    text=f"{v:.0%}",
                    row=row,
                    col=col,
                    dark=v >= 0.55,
                    size=cell,
                )
            )
    matrix = tuple(
        (row, tuple(f"{max(0.0, min(1.0, float(v))):.0%}" for v in values[i]))
        for i, row in enumerate(row_labels)
    )
    rows_text = [
        f"{row}: " + ", ".join(f"{c} {t}" for c, t in zip(col_labels, texts, strict=True))
        for row, texts in matrix
    ]
    summary = f"{title} ({row_heading} by {col_heading}): " + "; ".join(rows_text) + "."
    return HeatMap(
        id=chart_id,
        title=title,
        summary=summary,
        width=left + cell * len(col_labels) + 4,
        height=top + cell * len(row_labels) + 4,
        table=tuple((row, ", ".join(texts)) for row, texts in matrix),
        cells=tuple(cells),
        rows=tuple(Axis(at=top + i * cell + cell / 2, text=r) for i, r in enumerate(row_labels)),
        cols=tuple(Axis(at=left + j * cell + cell / 2, text=c) for j, c in enumerate(col_labels)),
        cell=cell,
        left=left,
        top=top,
        col_labels=tuple(col_labels),
        matrix=matrix,
    )


@dataclass(frozen=True)
class Spark(Chart):
    columns: tuple[Column, ...] = ()


def sparkline(chart_id: str, title: str, data: Sequence[Datum], *, width: int = 150) -> Spark:
    """A small column series without axes (e.g. one annotator's ratings per day)."""
    height = 28
    top = max((d.value for d in data), default=0.0) or 1.0
    n = max(1, len(data))
    slot = width / n
    cols = tuple(
        Column(
            datum=d,
            x=round(i * slot, 1),
            y=round(height - max(0.0, d.value) / top * height, 1),
            width=round(max(1.0, slot - 1), 1),
            height=round(max(0.0, d.value) / top * height, 1),
            tick="",
        )
        for i, d in enumerate(data)
    )
    total = sum(d.value for d in data)
    active = sum(1 for d in data if d.value)
    return Spark(
        id=chart_id,
        title=title,
        summary=f"{title}: {_fmt_number(total)} over {len(data)} days, active on {active}.",
        width=width,
        height=height,
        table=tuple((d.label, _fmt_number(d.value)) for d in data if d.value),
        columns=cols,
    )
