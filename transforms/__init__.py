"""What the pipeline does to each record, by role (one folder each):

- `io`: raw files in, published articles back in, datasets out.
- `parsing`: bytes to a `ParsedArticle` (the stage and its plain functions).
- `tagging`: the tagger contract, spaCy + VADER, entity keys, places.
- `corpus`: the corpus-wide steps (dedupe, stories, corpus names, rollups).
- `runner`: the seam between the graph and the runner that executes it, and the measures one
  runner needs (the local runner's spill files, coders, collector settings).

Shared by several: `errors` (error codes, `InputError`), `cache` (the cache directory).
"""
