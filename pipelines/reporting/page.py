"""Assembles the report: one self-contained HTML page (Vega inlined, no network at all when it
opens), and optionally every chart as a PNG."""

from __future__ import annotations

import contextlib
import html
import json
from pathlib import Path

import altair as alt
import pandas as pd

from transforms.cache import cache_dir, write_cache_file

SENTIMENT_NOTE = (
    "Sentiment is VADER's compound score (−1 most negative, +1 most positive) of each sentence. "
    "VADER is a lexicon built for social-media text; on news its single-sentence scores are "
    "noisy (a report of a deadly attack scores negative whoever is portrayed), so this page shows "
    "averages over many sentences with 95% intervals, never verdicts on one sentence. A hollow, "
    "faded point rests on fewer than 5 units (articles or sentences, as its axis says) and "
    "should not be read as solid."
)
_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #222; }
header { background: #1f3a5f; color: white; padding: 18px 32px; }
header h1 { margin: 0 0 4px 0; font-size: 24px; } header p { margin: 0; opacity: .85; }
nav { padding: 8px 32px; background: #eef2f7; font-size: 14px; }
nav a { margin-right: 14px; color: #1f3a5f; }
main { padding: 8px 32px 48px 32px; max-width: 1100px; }
section { margin-top: 28px; } h2 { border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #f6f8fb; border: 1px solid #d9e1ec; border-radius: 6px; padding: 10px 16px;
        min-width: 140px; }
.card .value { font-size: 22px; font-weight: 600; } .card .label { font-size: 13px; color: #555; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #fff8e5; border-left: 4px solid #e0a800; padding: 8px 14px; font-size: 14px; }
.row { display: flex; flex-wrap: wrap; gap: 24px; } .empty { color: #777; font-style: italic; }
blockquote { margin: 6px 0 12px 0; padding-left: 10px; border-left: 3px solid #ccc; }
"""


def vega_embed_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from vl-convert-python (offline). Bundling
    takes seconds, so it is kept in the newsbeam cache directory, keyed by the versions."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    vl_version = vl_version_for_vl_convert()
    path = cache_dir() / f"vega-embed-vlc{vl_convert.__version__}-vl{vl_version}.js"
    if path.exists():
        return path.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle(vl_version=vl_version)
    with contextlib.suppress(OSError):  # an unwritable cache only costs the time
        write_cache_file(path, bundle.encode("utf-8"))
    return bundle


class Page:
    """Sections of HTML and charts, rendered into one file."""

    def __init__(self, title: str, subtitle: str):
        self.title, self.subtitle = title, subtitle
        self.sections: list[tuple[str, str, list[str]]] = []  # (id, heading, parts)
        self.charts: dict[str, alt.TopLevelMixin] = {}

    def section(self, anchor: str, heading: str) -> list[str]:
        parts: list[str] = []
        self.sections.append((anchor, heading, parts))
        return parts

    def chart(self, parts: list[str], name: str, chart: alt.TopLevelMixin) -> None:
        self.charts[name] = chart
        parts.append(f'<div class="chart" id="chart-{name}"></div>')

    def render(self) -> str:
        bundle = vega_embed_bundle() if self.charts else ""  # a page of tables needs no Vega
        nav = "".join(f'<a href="#{a}">{html.escape(h)}</a>' for a, h, _ in self.sections)
        body = "".join(
            f'<section id="{a}"><h2>{html.escape(h)}</h2>{"".join(parts)}</section>'
            for a, h, parts in self.sections
        )
        specs = {name: chart.to_dict() for name, chart in self.charts.items()}
        embed = (
            "const specs = " + json.dumps(specs).replace("</", "<\\/") + ";\n"
            "for (const [name, spec] of Object.entries(specs)) {\n"
            "  vegaEmbed('#chart-' + name, spec, {actions: false, renderer: 'svg'})"
            ".catch(console.error);\n}"
        )
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style>"
            f'<script type="text/javascript">{bundle}</script></head><body>'
            f"<header><h1>{html.escape(self.title)}</h1><p>{html.escape(self.subtitle)}</p></header>"
            f"<nav>{nav}</nav><main>{body}</main>"
            + (f'<script type="text/javascript">{embed}</script>' if self.charts else "")
            + "</body></html>"
        )

    def write(self, path: Path, png_dir: Path | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(), encoding="utf-8")
        if png_dir is not None:
            png_dir.mkdir(parents=True, exist_ok=True)
            for name, chart in self.charts.items():
                chart.save(str(png_dir / f"{name}.png"), scale_factor=2)


def cards(items: list[tuple[str, str]]) -> str:
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="value">{html.escape(v)}</div>'
            f'<div class="label">{html.escape(k)}</div></div>'
            for k, v in items
        )
        + "</div>"
    )


def table(
    frame: pd.DataFrame, formats: dict[str, str] | None = None, links: dict[str, str] | None = None
) -> str:
    """A small HTML table; numbers right-aligned and formatted. `links` maps a shown column to
    a column of `frame` (not shown) holding the address its cells link to."""
    if frame.empty:
        return '<p class="empty">Nothing to show.</p>'
    formats, links = formats or {}, links or {}
    shown = [c for c in frame.columns if c not in links.values()]
    numeric = {c for c in shown if pd.api.types.is_numeric_dtype(frame[c])}
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{html.escape(str(c))}</th>' for c in shown
    )
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column in shown:
            text = html.escape(_cell(row[column], formats.get(column), column in numeric))
            if column in links:
                text = f'<a href="{html.escape(row[links[column]])}">{text}</a>'
            cells.append(f'<td class="{"num" if column in numeric else ""}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _cell(value, template: str | None, numeric: bool) -> str:
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if template:
        return template.format(value)
    if numeric and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}" if numeric else str(value)


def details(summary: str, content: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>{content}</details>"


def paragraph(text: str, css: str = "") -> str:
    return f'<p class="{css}">{html.escape(text)}</p>'
