"""Entity-level analysis derived from `entities`: per article, and per entity and day.

Sentiment toward an entity is the VADER compound of the sentences that mention it, each
sentence counted once however often it names the entity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from schemas import ARTICLE_ENTITIES, ENTITY_DAILY, ENTITY_PAIRS_DAILY

_POSITIONS = ("title", "first_paragraph", "later")


def _eligible(entities: pd.DataFrame, excluded_labels: Iterable[str]) -> pd.DataFrame:
    frame = entities[~entities["canonical_label"].isin(list(excluded_labels))].copy()
    # Group on ISO strings: pandas turns an all-null date key into float NaN.
    frame["published_date"] = [d.isoformat() if d else "" for d in frame["published_date"]]
    frame["label"] = frame["canonical_label"]
    frame["position"] = 2
    frame.loc[frame["paragraph_index"] == 0, "position"] = 1
    frame.loc[frame["field"] == "title", "position"] = 0
    return frame


def _sentences(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean, spread and count of distinct scored sentences per key."""
    scored = frame.dropna(subset=["sentence_sentiment_compound"]).drop_duplicates(
        [*keys, "article_id", "field", "sentence_index"]
    )
    grouped = scored.groupby(keys, dropna=False)["sentence_sentiment_compound"]
    return pd.DataFrame(
        {
            "sentences": grouped.size(),
            "sentiment_mean": grouped.mean(),
            "sentiment_std": grouped.std(ddof=0),
        }
    )


def article_entities(entities: pd.DataFrame, excluded_labels: Iterable[str]) -> pa.Table:
    frame = _eligible(entities, excluded_labels)
    keys = ["article_id", "canonical", "label"]
    grouped = frame.groupby(keys, dropna=False)
    result = pd.DataFrame(
        {
            "mentions": grouped.size(),
            "first_position": grouped["position"].min().map(dict(enumerate(_POSITIONS))),
            "published_date": grouped["published_date"].first(),
        }
    ).join(_sentences(frame, keys))
    result["sentences"] = result["sentences"].fillna(0)
    result = _restore_dates(result.reset_index().sort_values(keys))
    return pa.Table.from_pandas(result, schema=ARTICLE_ENTITIES.schema, preserve_index=False)


def entity_daily(entities: pd.DataFrame, excluded_labels: Iterable[str]) -> pa.Table:
    frame = _eligible(entities, excluded_labels)
    keys = ["published_date", "canonical", "label"]
    grouped = frame.groupby(keys, dropna=False)
    result = pd.DataFrame(
        {"articles": grouped["article_id"].nunique(), "mentions": grouped.size()}
    ).join(_sentences(frame, keys))
    result["sentences"] = result["sentences"].fillna(0)
    result = _restore_dates(result.reset_index().sort_values(["canonical", "label"]))
    return pa.Table.from_pandas(result, schema=ENTITY_DAILY.schema, preserve_index=False)


def _pairs(frame: pd.DataFrame, unit: list[str]) -> pd.DataFrame:
    """Distinct ordered entity pairs within each `unit` (an article, or a sentence)."""
    entities = frame[[*unit, "published_date", "canonical", "label"]].drop_duplicates()
    joined = entities.merge(entities, on=[*unit, "published_date"], suffixes=("_a", "_b"))
    ordered = (joined.canonical_a < joined.canonical_b) | (
        (joined.canonical_a == joined.canonical_b) & (joined.label_a < joined.label_b)
    )
    return joined[ordered]


def entity_pairs_daily(entities: pd.DataFrame, excluded_labels: Iterable[str]) -> pa.Table:
    """Co-occurrence: per date, how many articles and sentences name both entities."""
    frame = _eligible(entities, excluded_labels)
    keys = ["published_date", "canonical_a", "label_a", "canonical_b", "label_b"]
    articles = _pairs(frame, ["article_id"]).groupby(keys).size().rename("articles")
    sentences = (
        _pairs(frame, ["article_id", "field", "sentence_index"])
        .groupby(keys)
        .size()
        .rename("sentences")
    )
    result = pd.concat([articles, sentences], axis=1).fillna(0).reset_index().sort_values(keys)
    return pa.Table.from_pandas(
        _restore_dates(result), schema=ENTITY_PAIRS_DAILY.schema, preserve_index=False
    )


def _restore_dates(frame: pd.DataFrame) -> pd.DataFrame:
    frame["published_date"] = pd.Series(
        [dt.date.fromisoformat(d) if d else None for d in frame["published_date"]],
        index=frame.index,
        dtype=object,
    )
    return frame
