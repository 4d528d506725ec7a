"""The report's charts, with Vega-Altair: titled, axes labelled with units, uncertainty shown.

Altair writes Vega-Lite specs; the page embeds them with one inlined copy of Vega (from
`vl-convert-python`, which also renders the PNGs), so the report opens offline.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

WIDTH = 720
PERIOD_TITLES = {"day": "Day", "week": "Week (starting Monday)", "month": "Month"}


def volume_chart(frame: pd.DataFrame, unit: str) -> alt.Chart:
    return (
        alt.Chart(frame, title="Articles published per " + unit + ", by source")
        .mark_bar()
        .encode(
            x=alt.X("period:T", title=PERIOD_TITLES[unit]),
            y=alt.Y("sum(articles):Q", title="Articles", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("source:N", title="Source"),
            tooltip=[alt.Tooltip("period:T", title=unit), "source:N", "articles:Q"],
        )
        .properties(width=WIDTH, height=260)
    )


def sentiment_chart(frame: pd.DataFrame, unit: str, count_column: str, title: str) -> alt.Chart:
    """Means with 95% intervals; points with too little support are hollow and faded."""
    base = alt.Chart(frame, title=title).encode(x=alt.X("period:T", title=PERIOD_TITLES[unit]))
    band = base.mark_errorbar(ticks=True).encode(
        y=alt.Y("low:Q", title="Mean VADER compound (−1 to 1), 95% interval",
                scale=alt.Scale(domain=[-1, 1])),
        y2="high:Q",
        opacity=alt.condition("datum.solid", alt.value(0.9), alt.value(0.3)),
    )  # fmt: skip
    tooltip = [alt.Tooltip("period:T", title=unit), alt.Tooltip("mean:Q", format=".3f"),
               alt.Tooltip("low:Q", format=".3f"), alt.Tooltip("high:Q", format=".3f"),
               f"{count_column}:Q", "sentences:Q"]  # fmt: skip
    points = _points(base, "y", tooltip)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#999").encode(y="y:Q")
    return (band + points + zero).properties(width=WIDTH, height=240)


def _points(base: alt.Chart, axis: str, tooltip: list) -> alt.LayerChart:
    """Filled points where the support is enough, hollow faded ones where it is not."""
    solid = base.transform_filter("datum.solid").mark_point(filled=True, size=50)
    weak = base.transform_filter("!datum.solid").mark_point(filled=False, size=50, opacity=0.4)
    return alt.layer(
        *(layer.encode(**{axis: "mean:Q"}, tooltip=tooltip) for layer in (solid, weak))
    )


def _count_axis(counts: pd.Series) -> alt.Axis:
    """Whole-number ticks, also when every count is 1 (Vega would put one at 0.5)."""
    top = int(counts.max()) if len(counts) else 0
    return alt.Axis(values=list(range(top + 1)) if top <= 10 else alt.Undefined,
                    tickMinStep=1, format="d")  # fmt: skip


def top_entities_chart(frame: pd.DataFrame, label: str) -> alt.Chart:
    data = frame[frame.label == label]
    base = alt.Chart(data, title=f"Top {label} entities by stories").encode(
        y=alt.Y("name:N", sort=list(data.name), title=None)
    )
    bars = base.mark_bar(color="#4c78a8").encode(
        x=alt.X("stories:Q", title="Stories naming it", axis=_count_axis(data.stories)),
        tooltip=["name:N", "canonical:N", "stories:Q", "articles:Q", "mentions:Q",
                 alt.Tooltip("mean:Q", title="mean sentiment", format=".3f")],
    )  # fmt: skip
    return bars.properties(width=320, height=max(120, 18 * len(data)))


def entity_sentiment_chart(frame: pd.DataFrame, label: str) -> alt.Chart:
    """Mean sentence sentiment toward each top entity, with its 95% interval."""
    data = frame[frame.label == label]
    base = alt.Chart(data, title=f"Sentiment toward top {label} entities").encode(
        y=alt.Y("name:N", sort=list(data.name), title=None)
    )
    rule = base.mark_rule().encode(
        x=alt.X("low:Q", title="Mean VADER compound, 95% interval (unit: article)",
                scale=alt.Scale(domain=[-1, 1])),
        x2="high:Q",
        opacity=alt.condition("datum.solid", alt.value(1.0), alt.value(0.3)),
    )  # fmt: skip
    point = _points(base, "x", ["name:N", alt.Tooltip("mean:Q", format=".3f"),
                                "scored_articles:Q"])  # fmt: skip
    return (rule + point).properties(width=320, height=max(120, 18 * len(data)))


def timelines_chart(frame: pd.DataFrame, unit: str, subject: str = "the top entities") -> alt.Chart:
    return (
        alt.Chart(frame, title=f"Articles per {unit} naming {subject}")
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=PERIOD_TITLES[unit]),
            y=alt.Y("articles:Q", title="Articles", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("entity:N", title="Entity"),
            tooltip=["entity:N", alt.Tooltip("period:T", title=unit), "articles:Q",
                     *(["stories:Q"] if "stories" in frame else [])],
        )
        .properties(width=WIDTH, height=260)
    )


def pairs_chart(frame: pd.DataFrame) -> alt.Chart:
    names = sorted(set(frame.a) | set(frame.b))
    both = pd.concat([frame, frame.rename(columns={"a": "b", "b": "a"})], ignore_index=True)
    return (
        alt.Chart(both, title="Who appears with whom: articles naming both")
        .mark_rect()
        .encode(
            x=alt.X("a:N", sort=names, title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("b:N", sort=names, title=None),
            color=alt.Color("articles:Q", title="Articles", scale=alt.Scale(scheme="blues")),
            tooltip=["a:N", "b:N", "articles:Q", "story_days:Q", "sentences:Q"],
        )
        .properties(width=min(WIDTH, 22 * len(names)), height=min(WIDTH, 22 * len(names)))
    )


def count_bars(frame: pd.DataFrame, category: str, count: str, title: str) -> alt.Chart:
    return (
        alt.Chart(frame, title=title)
        .mark_bar(color="#e45756")
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None),
            x=alt.X(f"{count}:Q", title=count.capitalize()),
            tooltip=[f"{category}:N", f"{count}:Q"],
        )
        .properties(width=320, height=max(60, 20 * len(frame)))
    )


def _world() -> dict:
    """Natural Earth country shapes (1:110m) from world-atlas 2.0.2 (ISC), shipped with the
    project: the map draws offline."""
    import json
    from importlib import resources

    return json.loads(
        resources.files("pipelines.reporting").joinpath("countries-110m.json").read_text()
    )


def coverage_map(
    countries: pd.DataFrame, cities: pd.DataFrame, numeric_codes: dict[str, str]
) -> alt.LayerChart:
    """Countries shaded by the tone of the sentences naming their places, cities as points
    sized by mentions."""
    countries = countries.assign(id=countries.country_code.map(numeric_codes)).dropna(subset=["id"])
    shapes = alt.Data(values=_world(), format=alt.DataFormat(type="topojson", feature="countries"))
    base = alt.Chart(shapes).mark_geoshape(stroke="white", strokeWidth=0.5)
    background = base.encode(color=alt.value("#e6e6e6"))
    shaded = (
        base.transform_lookup(
            lookup="id", from_=alt.LookupData(countries, "id", ["country_code", "mentions", "mean"])
        )
        .transform_filter("isValid(datum.mentions) && isValid(datum.mean)")
        .encode(
            color=alt.Color(
                "mean:Q",
                title="Mean sentiment",
                scale=alt.Scale(scheme="redblue", domain=[-0.5, 0.5], clamp=True),
            ),
            tooltip=["country_code:N", "mentions:Q", alt.Tooltip("mean:Q", format=".3f")],
        )
    )
    points = alt.Chart(cities).mark_circle(color="#222", opacity=0.7).encode(
        longitude="longitude:Q", latitude="latitude:Q",
        size=alt.Size("mentions:Q", title="City mentions"),
        tooltip=["place_name:N", "country_code:N", "mentions:Q", alt.Tooltip("mean:Q", format=".3f")],
    )  # fmt: skip
    return (
        alt.layer(
            background,
            shaded,
            points,
            title="Where the news happens: places named, by country and city",
        )
        .project("equalEarth")
        .properties(width=WIDTH, height=400)
    )


def topics_chart(frame: pd.DataFrame, unit: str) -> alt.Chart:
    """Stories per period in each topic (`topic`: its short label); a period without stories
    is drawn at 0, not bridged by the line."""
    periods = pd.date_range(frame.period.min(), frame.period.max(),
                            freq={"week": "W-MON", "month": "MS"}.get(unit, "D"))  # fmt: skip
    grid = pd.MultiIndex.from_product([periods, frame.topic.unique()], names=["period", "topic"])
    frame = (frame.assign(period=pd.to_datetime(frame.period)).groupby(["period", "topic"])
             [["stories", "articles"]].sum().reindex(grid, fill_value=0).reset_index())  # fmt: skip
    # the periods as labels: a temporal axis would tick on Sundays, or on days
    frame["start"] = frame.period.dt.strftime("%Y-%m" if unit == "month" else "%Y-%m-%d")
    return (
        alt.Chart(frame, title=f"Stories per {unit} in the top topics")
        .mark_line(point=True)
        .encode(
            x=alt.X("start:O", title=PERIOD_TITLES[unit], axis=alt.Axis(labelAngle=0)),
            y=alt.Y("stories:Q", title="Stories", axis=_count_axis(frame.stories)),
            color=alt.Color("topic:N", title="Topic", legend=alt.Legend(labelLimit=320)),
            tooltip=["topic:N", alt.Tooltip("start:O", title=unit), "stories:Q", "articles:Q"],
        )
        .properties(width=WIDTH, height=260)
    )


def topic_sentiment_chart(frame: pd.DataFrame) -> alt.Chart:
    """Mean article tone in each topic (`topic`: its short label), with its 95% interval."""
    base = alt.Chart(frame, title="Tone of the topics' articles").encode(
        y=alt.Y("topic:N", sort=list(frame.topic), title=None, axis=alt.Axis(labelLimit=320))
    )
    rule = base.mark_rule().encode(
        x=alt.X("low:Q", title="Mean VADER compound, 95% interval (unit: article)",
                scale=alt.Scale(domain=[-1, 1])),
        x2="high:Q",
        opacity=alt.condition("datum.solid", alt.value(1.0), alt.value(0.3)),
    )  # fmt: skip
    point = _points(base, "x", ["topic:N", alt.Tooltip("mean:Q", format=".3f"),
                                "scored_articles:Q", "stories:Q"])  # fmt: skip
    return (rule + point).properties(width=WIDTH - 240, height=max(120, 20 * len(frame)))
