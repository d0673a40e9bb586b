"""The reader's pages are views in modules by page (monitors/web/views/), routed by one table
(`monitors.web.app.routes`): every view is routed, and a view is called alone, with a reader
and a request, no server and no other page."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

import pytest
from starlette.requests import Request
from starlette.routing import Route

from monitors.web import views
from monitors.web.app import ReaderConfig, _environment, _Rules, routes
from monitors.web.costly import CostlyWork
from monitors.web.forms import FormGuard
from monitors.web.hosts import AllowedHosts
from monitors.web.reader import Reader
from monitors.web.triage import PeopleViews

from .reader_client import WATCHLISTS
from .test_reader_guard import make_db


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    config = ReaderConfig(db=make_db(tmp_path_factory.mktemp("views")), watchlists=WATCHLISTS)
    guard = FormGuard(AllowedHosts([]))
    rules = _Rules(config)
    made = Reader(config, _environment(), rules, guard, CostlyWork(1, 1), pool=None)

    async def no_form(_request):
        return None

    made.people = PeopleViews(
        config.db, made.page, made.refused, guard, no_form, rules.get, lambda _r: "en"
    )
    yield made
    made.costly.shutdown()
    made.people.close()


def view_functions() -> set:
    """Every function of (reader, request) in the modules of monitors/web/views/."""
    found = set()
    for module_info in pkgutil.iter_modules(views.__path__):
        module = importlib.import_module(f"{views.__name__}.{module_info.name}")
        for _name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__:
                parameters = list(inspect.signature(function).parameters)
                if parameters == ["reader", "request"]:
                    found.add(function)
    return found


def test_every_view_is_in_the_route_table(reader):
    routed = {
        route.endpoint.func
        for route in routes(reader)
        if isinstance(route, Route) and isinstance(route.endpoint, functools.partial)
    }
    assert len(view_functions()) >= 8
    assert view_functions() == routed


def request_for(path: str, query: str = "") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("127.0.0.1", 8001),
            "path": path,
            "query_string": query.encode(),
            "headers": [(b"host", b"127.0.0.1:8001"), (b"accept-language", b"en")],
            "path_params": {},
        }
    )


def test_a_view_is_called_alone(reader):
    from monitors.web.views.sources import sources
    from monitors.web.views.stories import stories

    page = sources(reader, request_for("/sources"))
    assert page.status_code == 200
    assert "Le Quotidien" in page.body.decode()
    shared_only = stories(reader, request_for("/stories/")).body.decode()
    every = stories(reader, request_for("/stories/", "all=1")).body.decode()
    assert "UM6P" not in shared_only and "UM6P" in every  # one outlet: listed with ?all=1
