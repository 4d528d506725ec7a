"""What the pipeline does to each record, by role.

- Stages, one composite PTransform each: `read.ReadRawFiles`, `parse.ParseArticles`,
  `dedupe.DropDuplicates`, `published.ReadPublishedArticles`, `tag.TagArticles`,
  `stories.GroupStories`, `corpus_names.ResolveCorpusNames`, `rollups.DeriveRollups`, `write.WriteDataset`.
- Parsing helpers (plain functions, tested without Beam): `decode`, `normalize`, `headers`,
  `documents`, `fields`, `dates`, `language`, `errors`; entity keys within an article
  (titles, the label and alias tables): `canonical`.
- Models behind a contract: `taggers` (`ArticleTagger`, `SpacyVaderTagger`); the gazetteer
  and place resolution: `places`.
- Limits on hostile input: `limits`.
- Runner workarounds, each with its reason: `runner_compat`.
"""
