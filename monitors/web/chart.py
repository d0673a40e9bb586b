"""A bar chart of matches per day, drawn on the server as SVG: axes with values, a label on every
bar that has one, day labels spaced so they never overlap, readable without JavaScript."""

from __future__ import annotations

import math
from collections.abc import Callable

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 16, 44
MAX_DAY_LABELS = 8


def _ticks(maximum: int) -> list[int]:
    """0 … a round top at or above `maximum`, at most 6 ticks, whole numbers."""
    if maximum <= 0:
        return [0, 1]
    step = max(1, 10 ** math.floor(math.log10(maximum)))
    for factor in (1, 2, 5, 10):
        if maximum / (step * factor) <= 5:
            step *= factor
            break
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


def bar_chart(
    points: list[tuple[str, int]],
    label: str,
    day_text: Callable[[str], str] = str,
    colon: str = " : ",
) -> Markup:
    """`points` is [(day 'YYYY-MM-DD', count)], oldest first; `day_text` writes a day as the
    page's language does, for the title a bar shows when pointed at, and `colon` the colon
    after it (« : » in French, « : » without its space in English and Arabic)."""
    ticks = _ticks(max((v for _, v in points), default=0))
    top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    every = max(1, math.ceil(len(points) / MAX_DAY_LABELS))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / top
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis y" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<line class="axis-line" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}"/>'
        f'<line class="axis-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
    )
    for i, (day, value) in enumerate(points):
        x = LEFT + i * slot
        h = plot_h * value / top
        y = TOP + plot_h - h
        if value:
            parts.append(
                f'<rect class="bar" data-day="{day}" data-count="{value}" '
                f'x="{x + slot * 0.15:.1f}" y="{y:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{h:.1f}"><title>{escape(day_text(day))}{colon}{value}</title></rect>'
                f'<text class="value" x="{x + slot / 2:.1f}" y="{y - 3:.1f}" '
                f'text-anchor="middle">{value}</text>'
            )
        if i % every == 0 or i == len(points) - 1 and (len(points) - 1) % every >= every / 2:
            parts.append(
                f'<text class="axis x" x="{x + slot / 2:.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="middle">{day[8:10]}/{day[5:7]}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
