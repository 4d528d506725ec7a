"""`ReadPublishedArticles`: what an incremental run needs to know of the published version,
read by the workers in the graph (never by the driver).

For every published article: kept (its id and its path as this run publishes it, renames
applied) or dropped (its file was edited, re-tagged or pruned; with its partition, whose
rollups the run then recomputes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from schemas import ARTICLES, PublishedArticle, file_of, partition_of
from transforms.runner import split_outputs


def published_files(version: str, dataset_name: str) -> list[str]:
    """Every Parquet file of one dataset of a published version."""
    pattern = FileSystems.join(version, dataset_name, "**.parquet")
    return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)


def repoint(source_path: str, renames: Mapping[str, str]) -> str:
    """A source path after its file was renamed (`#L<n>` record suffixes kept)."""
    base = file_of(source_path)
    return renames[base] + source_path[len(base) :] if base in renames else source_path


class _ReadArticleKeysFn(beam.DoFn):
    def __init__(self, drop_files: frozenset[str], renames: dict[str, str]):
        self._drop_files = drop_files
        self._renames = renames

    def process(self, path: str) -> Iterator[tuple[str, object]]:
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle, columns=["article_id", "source_path", "published_date"])
        for article_id, source_path, published_date in zip(
            *(table[name].to_pylist() for name in table.column_names), strict=True
        ):
            if file_of(source_path) in self._drop_files:
                yield "dropped", (article_id, partition_of(published_date))
            else:
                yield "kept", PublishedArticle(article_id, repoint(source_path, self._renames))


class ReadPublishedArticles(beam.PTransform):
    """A published version -> `kept` (PublishedArticle) and `dropped` ((article_id,
    partition)); both empty when there is no published version."""

    def __init__(
        self,
        version: str | None,
        drop_files: frozenset[str] = frozenset(),
        renames: Mapping[str, str] | None = None,
    ):
        super().__init__()
        self._files = published_files(version, ARTICLES.name) if version else []
        self._fn = _ReadArticleKeysFn(frozenset(drop_files), dict(renames or {}))

    def expand(self, pbegin):
        tagged = (
            pbegin
            | "PublishedArticleFiles" >> beam.Create(self._files)
            | "ReadArticleKeys" >> beam.ParDo(self._fn)
        )
        return split_outputs(tagged, "kept", "dropped")
