"""Raw bytes to a `ParsedArticle`: `parse.ParseArticles` (the stage) and the plain functions it
calls, each tested without Beam: `decode` (encodings), `documents` (JSON, JSON Lines, HTML,
front matter), `headers` and `fields` (header lines to fields), `dates`, `normalize`,
`language` (py3langid), `limits` (what one hostile file may cost)."""
