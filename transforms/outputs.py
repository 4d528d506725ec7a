"""Several outputs from one DoFn, in a form every Beam runner executes the same way.

Beam's DaskRunner (2.77) does not separate the outputs of `ParDo(...).with_outputs(...)`:
every consumer of any output receives all of them. So our DoFns emit `(tag, value)` pairs on
their one output, and `split_outputs` gives one PCollection per tag with plain FlatMaps.
"""

from __future__ import annotations

import apache_beam as beam


class Outputs(dict):
    """PCollections by tag, also readable as attributes: `parsed.errors`."""

    def __getattr__(self, tag: str):
        try:
            return self[tag]
        except KeyError as err:
            raise AttributeError(tag) from err


def _only(element, tag: str):
    if element[0] == tag:
        yield element[1]


def split_outputs(tagged, *tags: str) -> Outputs:
    return Outputs({tag: tagged | f"Only{tag.title()}" >> beam.FlatMap(_only, tag) for tag in tags})
