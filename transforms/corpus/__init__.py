"""The corpus-wide steps, which need every article (new and published) at once:
`dedupe.DropDuplicates` (one article per content, batched for tagging), `stories.GroupStories`
(republished copies grouped), `names.ResolveCorpusNames` (one label per name across the
corpus, surnames linked), `rollups.DeriveRollups` (per-article and daily aggregates),
`quotes.ResolveQuoteSpeakers`, `topics.DiscoverTopics` (what the corpus is about) and
`articles.LabelArticles` (each article written with its story and topic). What they need from
the runner they ask of the runner profile (`transforms.runner`)."""
