"""Watch rules: the watchlists file, the query language, matching, lint, trials."""
