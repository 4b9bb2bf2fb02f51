"""A small server-rendered SVG bar chart: no chart library, no script, readable on a phone."""

from __future__ import annotations

from html import escape

from backend.public.stats import AreaStats

BAR = 16
GAP = 10
LABEL_WIDTH = 150
CHART_WIDTH = 300


def received_done_svg(rows: list[AreaStats], *, title: str) -> str:
    """Two bars per area: reports received (light) and done (dark), with their counts."""
    height = max(1, len(rows)) * (2 * BAR + GAP) + 34
    top = max((r.received for r in rows), default=0) or 1
    width = LABEL_WIDTH + CHART_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LABEL_WIDTH}" y="4" width="10" height="10" class="received"/>'
        f'<text x="{LABEL_WIDTH + 14}" y="13">diterima / received</text>',
        f'<rect x="{LABEL_WIDTH + 190}" y="4" width="10" height="10" class="done"/>'
        f'<text x="{LABEL_WIDTH + 204}" y="13">selesai / done</text>',
    ]
    y = 28
    for row in rows:
        received_w = round(CHART_WIDTH * row.received / top, 1)
        done_w = round(CHART_WIDTH * row.done / top, 1)
        label = escape(row.name)
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR + 3}" text-anchor="end">{label}</text>')
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{received_w}" height="{BAR}" class="received">'
            f"<title>{label}: {row.received}</title></rect>"
        )
        parts.append(f'<text x="{LABEL_WIDTH + received_w + 4}" y="{y + BAR - 3}">{row.received}</text>')
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + BAR}" width="{done_w}" height="{BAR}" class="done">'
            f"<title>{label}: {row.done}</title></rect>"
        )
        parts.append(f'<text x="{LABEL_WIDTH + done_w + 4}" y="{y + 2 * BAR - 3}">{row.done}</text>')
        y += 2 * BAR + GAP
    parts.append("</svg>")
    return "".join(parts)
