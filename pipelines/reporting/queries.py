"""The report's numbers: DuckDB queries straight over the published Hive datasets.

Nothing is loaded into pandas whole: each query reads the Parquet files with
`read_parquet(..., hive_partitioning = true)` and returns a small aggregate. A date range
prunes partitions by `year`/`month` before it filters `published_date`; undated articles
(`year=0`) are counted in the overview and left out of time series and of any dated range.

Uncertainty: a mean is shown with a 95% interval, mean ± 1.96 · s / √n (normal
approximation), where the unit is stated per query (an article, or a sentence).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd

Z95 = 1.96
MIN_SUPPORT = 5  # fewer units than this: the point is drawn as not solid, and said so


@dataclasses.dataclass(frozen=True)
class Scope:
    """The slice of the output a report covers."""

    data: Path
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def dated_only(self) -> bool:
        return self.since is not None or self.until is not None


class Output:
    """A newsbeam output directory, read with DuckDB."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.db = duckdb.connect()
        self.db.execute("SET threads TO 2")
        for name in ("articles", "entities", "article_entities", "entity_daily",
                     "entity_pairs_daily", "place_daily", "errors", "duplicates"):  # fmt: skip
            self._view(name)
        self.has_quotes = any((scope.data / "quotes").glob("**/*.parquet"))
        if self.has_quotes:  # an output written before quotations has none
            self._view("quotes")
        # outputs written before #29 have none; article_topics and topics are not
        # partitioned (a date range applies through the articles they are joined with)
        self.has_topics = all(any((scope.data / name).glob("**/*.parquet"))
                              for name in ("article_topics", "topics"))  # fmt: skip
        if self.has_topics:
            for name in ("article_topics", "topics"):
                self._view(name, dated=False)
        self.has_keyphrases = any((scope.data / "keyphrases").glob("**/*.parquet"))
        if self.has_keyphrases:
            self._view("keyphrases")

    def _view(self, name: str, dated: bool = True) -> None:
        pattern = str(self.scope.data / name / "**" / "*.parquet")
        dated = dated and name not in ("errors", "duplicates")
        where = self._range_filter() if dated else "true"
        self.db.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{pattern}', "
            f"hive_partitioning = true, union_by_name = true) WHERE {where}"
        )

    def _range_filter(self) -> str:
        """Partition pruning (year, month) first, then the exact dates."""
        since, until = self.scope.since, self.scope.until
        clauses = []
        if since is not None:
            clauses.append(f"(year * 100 + month) >= {since.year * 100 + since.month}")
            clauses.append(f"published_date >= DATE '{since.isoformat()}'")
        if until is not None:
            clauses.append(f"year > 0 AND (year * 100 + month) <= {until.year * 100 + until.month}")
            clauses.append(f"published_date <= DATE '{until.isoformat()}'")
        return " AND ".join(clauses) or "true"

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.db.execute(sql, parameters or []).fetch_df()

    def scalar(self, sql: str):
        return self.db.execute(sql).fetchone()[0]


def overview(out: Output) -> dict:
    row = out.frame("""
        SELECT count(*) AS articles,
               count(DISTINCT story_id) AS stories,
               count(*) FILTER (WHERE published_date IS NULL) AS undated,
               min(published_date) AS first_date, max(published_date) AS last_date,
               count(DISTINCT source_name) AS sources,
               count(DISTINCT language) AS languages,
               coalesce(sum(word_count), 0) AS words
        FROM articles""").iloc[0]
    result = {key: (None if pd.isna(value) else value) for key, value in row.items()}
    for key in ("first_date", "last_date"):
        if result[key] is not None:
            result[key] = pd.Timestamp(result[key]).date()
    result["entity_mentions"] = int(out.scalar("SELECT count(*) FROM entities"))
    result["articles"] = int(result["articles"])
    result["stories"] = int(result["stories"])
    result["undated"] = int(result["undated"])
    return result


def granularity(first: dt.date | None, last: dt.date | None) -> str:
    """Day up to two months, week up to two years, else month."""
    if first is None or last is None:
        return "day"
    span = (last - first).days
    return "day" if span <= 62 else "week" if span <= 730 else "month"


def volume(out: Output, unit: str, top_sources: int = 6) -> pd.DataFrame:
    """Articles per period and source (the smaller sources as 'other', no source as
    'unknown')."""
    return out.frame(f"""
        WITH dated AS (
            SELECT date_trunc('{unit}', published_date)::DATE AS period,
                   coalesce(source_name, 'unknown') AS source
            FROM articles WHERE published_date IS NOT NULL),
        ranked AS (
            SELECT source, row_number() OVER (ORDER BY count(*) DESC, source) AS rank
            FROM dated GROUP BY source)
        SELECT period, CASE WHEN rank <= {top_sources} THEN dated.source ELSE 'other' END
                   AS source, count(*) AS articles
        FROM dated JOIN ranked USING (source)
        GROUP BY ALL ORDER BY period, source""")


def sentiment_over_time(out: Output, unit: str) -> pd.DataFrame:
    """Mean article sentiment per period with its 95% interval; the unit is an article (its
    sentences are not independent), and the sentences behind each point are counted too."""
    frame = out.frame(f"""
        SELECT date_trunc('{unit}', published_date)::DATE AS period,
               count(sentiment_compound) AS articles,
               sum(sentence_count)::BIGINT AS sentences,
               avg(sentiment_compound) AS mean,
               stddev_samp(sentiment_compound) AS sd
        FROM articles
        WHERE published_date IS NOT NULL AND sentiment_compound IS NOT NULL
        GROUP BY ALL ORDER BY period""")
    return with_interval(frame, "articles")


def with_interval(frame: pd.DataFrame, unit_column: str) -> pd.DataFrame:
    """Adds `low`, `high` (95% interval of `mean` from `sd` and the unit count) and `solid`."""
    frame = frame.copy()
    n = frame[unit_column].astype(float)
    half = Z95 * frame["sd"].fillna(0.0) / n.where(n > 0).pow(0.5)
    frame["low"], frame["high"] = frame["mean"] - half, frame["mean"] + half
    frame.loc[n < 2, ["low", "high"]] = None
    frame["solid"] = n >= MIN_SUPPORT
    return frame


def top_entities(out: Output, top: int) -> pd.DataFrame:
    """Per label, the entities in most stories (a republished copy counts once): stories,
    articles, mentions and the mean of their articles' sentence sentiment toward them, with a
    95% interval (unit: an article)."""
    frame = out.frame(f"""
        WITH per_entity AS (
            SELECT canonical, label, min(e.name) AS name,  -- one name per key
                   count(DISTINCT a.story_id) AS stories,
                   sum(mentions) AS mentions,
                   count(*) AS articles,  -- one row per (article, entity, label)
                   count(e.sentiment_mean) AS scored_articles,
                   avg(e.sentiment_mean) AS mean, stddev_samp(e.sentiment_mean) AS sd
            FROM article_entities e JOIN articles a USING (article_id)
            GROUP BY canonical, label),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY label ORDER BY stories DESC,
                                         articles DESC, mentions DESC, canonical) AS rank
            FROM per_entity)
        SELECT * FROM ranked WHERE rank <= {int(top)}
        ORDER BY label, rank""")
    return with_interval(frame, "scored_articles")


def entity_timelines(out: Output, unit: str, entities: list[tuple[str, str]]) -> pd.DataFrame:
    """Articles and distinct stories per period naming each of `entities`."""
    if not entities:
        return pd.DataFrame(columns=["period", "entity", "articles", "stories"])
    keys = ", ".join(f"({_quote(c)}, {_quote(lbl)})" for c, lbl in entities)
    return out.frame(f"""
        SELECT date_trunc('{unit}', e.published_date)::DATE AS period,
               e.name || ' (' || label || ')' AS entity, count(*) AS articles,
               count(DISTINCT a.story_id) AS stories
        FROM article_entities e JOIN articles a USING (article_id)
        WHERE e.published_date IS NOT NULL AND (canonical, label) IN ({keys})
        GROUP BY ALL ORDER BY period, entity""")


def top_pairs(out: Output, limit: int = 40) -> pd.DataFrame:
    """The pairs named together most, by their names (entity_daily gives each key's)."""
    return out.frame(f"""
        WITH names AS (SELECT canonical, min(name) AS name FROM entity_daily GROUP BY canonical)
        SELECT coalesce(na.name, canonical_a) || ' (' || label_a || ')' AS a,
               coalesce(nb.name, canonical_b) || ' (' || label_b || ')' AS b,
               sum(articles) AS articles, sum(stories) AS story_days,
               sum(sentences) AS sentences
        FROM entity_pairs_daily p LEFT JOIN names na ON na.canonical = p.canonical_a
             LEFT JOIN names nb ON nb.canonical = p.canonical_b GROUP BY ALL
        ORDER BY story_days DESC, articles DESC, sentences DESC, a, b LIMIT {int(limit)}""")


def top_speakers(out: Output, top: int) -> pd.DataFrame:
    """The speakers quoted in most stories, by key and name (entity_daily gives each key's):
    stories, articles, quotations and the mean tone of their quoted words, with a 95% interval
    (unit: a quotation)."""
    if not out.has_quotes:
        return pd.DataFrame()
    frame = out.frame(f"""
        WITH names AS (SELECT canonical, min(name) AS name FROM entity_daily GROUP BY canonical)
        SELECT speaker, coalesce(n.name, speaker) AS name, speaker_label AS label,
               count(DISTINCT a.story_id) AS stories,
               count(DISTINCT q.article_id) AS articles, count(*) AS quotations,
               count(q.sentiment_compound) AS scored, avg(q.sentiment_compound) AS mean,
               stddev_samp(q.sentiment_compound) AS sd
        FROM quotes q JOIN articles a USING (article_id)
             LEFT JOIN names n ON n.canonical = q.speaker
        WHERE speaker IS NOT NULL
        GROUP BY ALL ORDER BY stories DESC, quotations DESC, speaker LIMIT {int(top)}""")
    return with_interval(frame, "scored")


def entity_quotes(out: Output, canonical: str, limit: int = 10) -> pd.DataFrame:
    """What an entity said: its latest quotations, with their articles."""
    if not out.has_quotes:
        return pd.DataFrame()
    return out.frame(f"""
        SELECT q.text, q.cue, q.sentiment_compound AS score, q.published_date, a.title, a.url,
               a.source_path
        FROM quotes q JOIN articles a USING (article_id)
        WHERE q.speaker = ?
        ORDER BY q.published_date DESC NULLS LAST, a.article_id, q.field DESC, q.start_char
        LIMIT {int(limit)}""", [canonical])  # fmt: skip


def errors_by_code(out: Output) -> pd.DataFrame:
    return out.frame("SELECT error_code, count(*) AS files FROM errors GROUP BY ALL "
                     "ORDER BY files DESC, error_code")  # fmt: skip


def warnings_by_kind(out: Output) -> pd.DataFrame:
    return out.frame("""
        SELECT split_part(warning, ':', 1) AS kind, count(*) AS articles
        FROM (SELECT unnest(warnings) AS warning FROM articles)
        GROUP BY ALL ORDER BY articles DESC, kind""")


def untagged_languages(out: Output) -> pd.DataFrame:
    return out.frame("""
        SELECT coalesce(language, 'unknown') AS language, count(*) AS articles
        FROM articles WHERE model = 'untagged' GROUP BY ALL ORDER BY articles DESC""")


def duplicates_count(out: Output) -> int:
    return int(out.scalar("SELECT count(*) FROM duplicates"))


def run_history(data: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((data / "_runs").glob("*.json")):
        manifest = json.loads(path.read_text())
        this_run = manifest.get("this_run") or {}
        rows.append({
            "run": manifest["run_id"], "status": manifest.get("status"),
            "mode": manifest.get("mode"), "files read": (manifest.get("plan") or {}).get("to_process"),
            "articles": this_run.get("articles"), "errors": this_run.get("errors"),
            "duplicates": this_run.get("duplicates"), "seconds": manifest.get("duration_seconds"),
        })  # fmt: skip
    return pd.DataFrame(rows)


def entity_daily_sentiment(out: Output, unit: str, canonical: str) -> pd.DataFrame:
    """One entity per period: articles, mentions, and the mean of the sentences naming it with
    a 95% interval (unit: a sentence), pooled from the daily means and spreads."""
    frame = out.frame(
        f"""
        SELECT date_trunc('{unit}', published_date)::DATE AS period, label,
               sum(articles) AS articles, sum(mentions) AS mentions,
               sum(sentences) AS sentences,
               sum(sentences * sentiment_mean) / nullif(sum(sentences), 0) AS mean,
               sum(sentences * (sentiment_std ^ 2 + sentiment_mean ^ 2))
                   / nullif(sum(sentences), 0) AS second_moment
        FROM entity_daily WHERE canonical = ? AND published_date IS NOT NULL
        GROUP BY ALL ORDER BY period, label""",
        [canonical],
    )
    variance = (frame["second_moment"] - frame["mean"] ** 2).clip(lower=0)
    frame["sd"] = (variance * frame["sentences"] / (frame["sentences"] - 1).where(
        frame["sentences"] > 1)).pow(0.5)  # fmt: skip
    return with_interval(frame.drop(columns="second_moment"), "sentences")


def entity_stories(out: Output, canonical: str) -> int:
    """Distinct stories among the dated articles naming one entity."""
    return int(out.frame(
        """SELECT count(DISTINCT a.story_id) AS n FROM article_entities e
           JOIN articles a USING (article_id)
           WHERE e.canonical = ? AND e.published_date IS NOT NULL""", [canonical]).n.iloc[0])  # fmt: skip


def entity_partners(out: Output, canonical: str, limit: int = 15) -> pd.DataFrame:
    return out.frame(f"""
        SELECT CASE WHEN canonical_a = $1 THEN canonical_b || ' (' || label_b || ')'
                    ELSE canonical_a || ' (' || label_a || ')' END AS partner,
               sum(articles) AS articles, sum(sentences) AS sentences
        FROM entity_pairs_daily WHERE canonical_a = $1 OR canonical_b = $1
        GROUP BY ALL ORDER BY articles DESC, sentences DESC, partner LIMIT {int(limit)}""",
        [canonical])  # fmt: skip


def entity_sentences(out: Output, canonical: str, limit: int = 5) -> pd.DataFrame:
    """The most positive and most negative sentences naming the entity, as the text around
    each mention (up to the sentence's ends, at most 300 characters each way)."""
    return out.frame(f"""
        WITH scored AS (
            SELECT DISTINCT ON (e.article_id, e.field, e.sentence_index)
                   e.article_id, e.sentence_sentiment_compound AS score, e.start_char,
                   e.end_char, e.field, a.title, a.url, a.source_path, a.published_date,
                   CASE WHEN e.field = 'title' THEN a.title ELSE a.body END AS text
            FROM entities e JOIN articles a USING (article_id)
            WHERE e.canonical = $1 AND e.sentence_sentiment_compound IS NOT NULL
            ORDER BY e.article_id, e.field, e.sentence_index, e.start_char),
        ranked AS (
            SELECT *, row_number() OVER (ORDER BY score DESC, article_id) AS top,
                      row_number() OVER (ORDER BY score ASC, article_id) AS bottom
            FROM scored)
        SELECT CASE WHEN top <= {int(limit)} THEN 'most positive' ELSE 'most negative' END AS side,
               score, title, url, source_path, published_date,
               substr(text, greatest(start_char - 300, 0) + 1,
                      least(end_char + 300, length(text)) - greatest(start_char - 300, 0))
                   AS context,
               start_char - greatest(start_char - 300, 0) AS offset
        FROM ranked WHERE top <= {int(limit)} OR bottom <= {int(limit)}
        ORDER BY side DESC, CASE WHEN top <= {int(limit)} THEN -score ELSE score END""",
        [canonical])  # fmt: skip


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def places_by_country(out: Output) -> pd.DataFrame:
    """Mentions of places in each country (the country itself, its regions and cities) and
    the mean sentiment of the sentences naming them (unit: a sentence)."""
    return out.frame("""
        SELECT country_code, sum(mentions) AS mentions,
               sum(sentences * sentiment_mean) / nullif(sum(sentences), 0) AS mean,
               sum(sentences) AS sentences
        FROM place_daily WHERE country_code IS NOT NULL
        GROUP BY ALL ORDER BY mentions DESC""")


def top_cities(out: Output, limit: int = 40) -> pd.DataFrame:
    return out.frame(f"""
        SELECT place_name, country_code, any_value(latitude) AS latitude,
               any_value(longitude) AS longitude, sum(mentions) AS mentions,
               sum(sentences * sentiment_mean) / nullif(sum(sentences), 0) AS mean
        FROM place_daily WHERE place_kind = 'city'
        GROUP BY place_id, place_name, country_code
        ORDER BY mentions DESC, place_name LIMIT {int(limit)}""")


# --- topics and keyphrases (#29) ---


def _topic_filter(column: str, topic_ids: list[str] | None) -> str:
    if topic_ids is None:
        return f"{column} IS NOT NULL"
    return f"{column} IN ({', '.join(_quote(t) for t in topic_ids) or 'NULL'})"


def top_topics(out: Output, topic_ids: list[str] | None = None) -> pd.DataFrame:
    """The topics by the stories of this range (a republished copy counts once): their label
    and phrases, stories, articles, dates and the mean article tone with a 95% interval (unit:
    an article). Counted from the articles in range, not from `topics`' whole-corpus counts."""
    if not out.has_topics:
        return pd.DataFrame()
    frame = out.frame(f"""
        SELECT t.topic_id, any_value(p.label) AS label, any_value(p.phrases) AS phrases,
               count(DISTINCT a.story_id) AS stories, count(*) AS articles,
               count(a.sentiment_compound) AS scored_articles,
               avg(a.sentiment_compound) AS mean, stddev_samp(a.sentiment_compound) AS sd,
               min(a.published_date) AS first_date, max(a.published_date) AS last_date,
               any_value(p.top_entities) AS top_entities
        FROM article_topics t JOIN articles a USING (article_id) JOIN topics p ON p.topic_id = t.topic_id
        WHERE {_topic_filter("t.topic_id", topic_ids)}
        GROUP BY t.topic_id ORDER BY stories DESC, articles DESC, t.topic_id""")
    return with_interval(frame, "scored_articles")


def topic_unit(unit: str) -> str:
    """The period topics are counted in: one step coarser than the report's (a topic has a
    few stories a day)."""
    return {"day": "week", "week": "month"}.get(unit, "month")


def topic_timelines(out: Output, unit: str, topic_ids: list[str]) -> pd.DataFrame:
    """Stories and articles per period in each of `topic_ids` (dated articles only; a story
    with articles in two periods counts in both)."""
    if not out.has_topics or not topic_ids:
        return pd.DataFrame(columns=["period", "topic_id", "stories", "articles"])
    return out.frame(f"""
        SELECT date_trunc('{unit}', a.published_date)::DATE AS period, t.topic_id,
               count(DISTINCT a.story_id) AS stories, count(*) AS articles
        FROM article_topics t JOIN articles a USING (article_id)
        WHERE a.published_date IS NOT NULL AND {_topic_filter("t.topic_id", topic_ids)}
        GROUP BY ALL ORDER BY period, t.topic_id""")


@dataclasses.dataclass(frozen=True)
class Periods:
    """The last period with dated articles and the one before it."""

    unit: str
    last: dt.date  # first day of the last period
    before: dt.date  # first day of the one before
    last_end: dt.date  # first day after the last period
    last_date: dt.date  # the last published date in range: the last period may end early

    @property
    def last_days(self) -> int:
        return (self.last_date - self.last).days + 1

    @property
    def full_days(self) -> int:
        return (self.last_end - self.last).days


def last_periods(out: Output, unit: str) -> Periods | None:
    row = out.frame(f"""
        SELECT date_trunc('{unit}', max(published_date))::DATE AS last,
               (date_trunc('{unit}', max(published_date)) - INTERVAL 1 {unit})::DATE AS before,
               (date_trunc('{unit}', max(published_date)) + INTERVAL 1 {unit})::DATE AS last_end,
               max(published_date) AS last_date
        FROM articles WHERE published_date IS NOT NULL""").iloc[0]
    if pd.isna(row["last_date"]):
        return None
    return Periods(unit, *(pd.Timestamp(row[c]).date() for c in ("last", "before", "last_end",
                                                                  "last_date")))  # fmt: skip


def topic_changes(out: Output, periods: Periods) -> pd.DataFrame:
    """Per topic, its stories in the last period and in the one before (each counted among the
    articles of that period), and the change; topics with neither left out."""
    if not out.has_topics:
        return pd.DataFrame()
    frame = out.frame("""
        SELECT t.topic_id, any_value(p.label) AS label,
               count(DISTINCT a.story_id) FILTER (WHERE a.published_date >= $2) AS last,
               count(DISTINCT a.story_id) FILTER (WHERE a.published_date < $2) AS before
        FROM article_topics t JOIN articles a USING (article_id) JOIN topics p ON p.topic_id = t.topic_id
        WHERE t.topic_id IS NOT NULL AND a.published_date >= $1 AND a.published_date < $3
        GROUP BY t.topic_id ORDER BY t.topic_id""",
        [periods.before, periods.last, periods.last_end])  # fmt: skip
    frame["change"] = frame["last"] - frame["before"]
    return frame


def top_keyphrases(out: Output, first: dt.date, end: dt.date, limit: int = 20) -> pd.DataFrame:
    """The keyphrase keys used by most stories published from `first` to before `end` (then
    articles, then occurrences), each shown by its most frequent surface form."""
    if not out.has_keyphrases:
        return pd.DataFrame()
    return out.frame(f"""
        WITH used AS (
            SELECT k.key, k.phrase, k.article_id, k.count, a.story_id
            FROM keyphrases k JOIN articles a USING (article_id)
            WHERE k.published_date >= $1 AND k.published_date < $2),
        forms AS (SELECT key, phrase, sum(count) AS n FROM used GROUP BY ALL)
        SELECT key, (SELECT first(f.phrase ORDER BY f.n DESC, f.phrase) FROM forms f
                     WHERE f.key = u.key) AS phrase,
               count(DISTINCT story_id) AS stories, count(DISTINCT article_id) AS articles,
               sum(count)::BIGINT AS occurrences
        FROM used u GROUP BY key
        ORDER BY stories DESC, articles DESC, occurrences DESC, key LIMIT {int(limit)}""",
        [first, end])  # fmt: skip


def topic_articles(out: Output, topic_ids: list[str] | None, limit: int = 100) -> pd.DataFrame:
    """Each topic's latest `limit` articles (undated last), with what links them."""
    return out.frame(f"""
        WITH ranked AS (
            SELECT t.topic_id, a.article_id, a.title, a.url, a.source_path, a.source_name,
                   a.published_date, a.story_id, a.sentiment_compound AS score, t.similarity,
                   row_number() OVER (PARTITION BY t.topic_id ORDER BY a.published_date DESC
                                      NULLS LAST, a.article_id) AS rank
            FROM article_topics t JOIN articles a USING (article_id)
            WHERE {_topic_filter("t.topic_id", topic_ids)})
        SELECT * FROM ranked WHERE rank <= {int(limit)} ORDER BY topic_id, rank""")


def topic_entities(out: Output, topic_ids: list[str] | None, limit: int = 10) -> pd.DataFrame:
    """Each topic's entities other than places (GPE, LOC) in most of its stories."""
    return out.frame(f"""
        WITH per_entity AS (
            SELECT t.topic_id, e.canonical, e.label, min(e.name) AS name,
                   count(DISTINCT a.story_id) AS stories, count(*) AS articles,
                   sum(e.mentions) AS mentions
            FROM article_entities e JOIN article_topics t USING (article_id)
                 JOIN articles a USING (article_id)
            WHERE e.label NOT IN ('GPE', 'LOC') AND {_topic_filter("t.topic_id", topic_ids)}
            GROUP BY ALL),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY topic_id ORDER BY stories DESC,
                                         articles DESC, mentions DESC, canonical) AS rank
            FROM per_entity)
        SELECT * FROM ranked WHERE rank <= {int(limit)} ORDER BY topic_id, rank""")


def topic_places(out: Output, topic_ids: list[str] | None, limit: int = 10) -> pd.DataFrame:
    """Each topic's resolved places (GeoNames, from the mentions) in most of its stories."""
    return out.frame(f"""
        WITH per_place AS (
            SELECT t.topic_id, m.place_id, any_value(m.place_name) AS place,
                   any_value(m.country_code) AS country, any_value(m.place_kind) AS kind,
                   count(DISTINCT a.story_id) AS stories, count(*) AS mentions
            FROM entities m JOIN article_topics t USING (article_id)
                 JOIN articles a USING (article_id)
            WHERE m.place_id IS NOT NULL AND {_topic_filter("t.topic_id", topic_ids)}
            GROUP BY t.topic_id, m.place_id),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY topic_id ORDER BY stories DESC,
                                         mentions DESC, place_id) AS rank
            FROM per_place)
        SELECT * FROM ranked WHERE rank <= {int(limit)} ORDER BY topic_id, rank""")


def topic_tone(out: Output, unit: str, topic_ids: list[str] | None) -> pd.DataFrame:
    """Each topic's mean article tone per period with a 95% interval (unit: an article)."""
    frame = out.frame(f"""
        SELECT t.topic_id, date_trunc('{unit}', a.published_date)::DATE AS period,
               count(DISTINCT a.story_id) AS stories, count(*) AS articles,
               count(a.sentiment_compound) AS scored_articles,
               avg(a.sentiment_compound) AS mean, stddev_samp(a.sentiment_compound) AS sd
        FROM article_topics t JOIN articles a USING (article_id)
        WHERE a.published_date IS NOT NULL AND {_topic_filter("t.topic_id", topic_ids)}
        GROUP BY ALL ORDER BY t.topic_id, period""")
    return with_interval(frame, "scored_articles")
