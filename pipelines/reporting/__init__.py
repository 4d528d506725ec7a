"""The report: DuckDB queries over the published datasets, Altair charts, one HTML page."""
