"""The reader's pages, one module per page, each view a function of (reader, request): the
route table that maps paths to them is `monitors.web.app.routes` (as Datasette's `views/` and
its `_routes()`).

- `article.py`: an article, its terms marked and why it matched
- `stories.py`: the stories told by several outlets, and one story
- `watchlist.py`: a watchlist, its rule, matches per day, the rule test and the backtest
- `search.py`: the search page
- `sources.py`: the sources and their health
- `feeds.py`: the Atom feeds of a watchlist and of a search

The home page, the people's pages (monitors.web.triage) and the editing pages
(monitors.web.editing) keep their own modules.
"""
