"""The corpus-wide steps, which need every article (new and published) at once:
`dedupe.DropDuplicates` (one article per content, batched for tagging), `stories.GroupStories`
(republished copies grouped), `names.ResolveCorpusNames` (one label per name across the
corpus, surnames linked), `rollups.DeriveRollups` (per-article and daily aggregates). What they
need from the runner they ask of the runner profile (`transforms.runner`)."""
