"""How long a search may run: one constant, on both engines, for the command line, the search
page and its feed. A module of its own that imports nothing, so that `veille search --help`
says the limit the search keeps without loading the search and the storage it brings."""

# The longest a search runs, on both engines (the reader's statement_seconds, the command
# line's this): the 100 words bound the words, not the time, and 100 frequent Arabic words
# joined by OR took 10 s of SQLite at 100,000 articles, a reader thread held meanwhile.
SEARCH_SECONDS = 30.0
