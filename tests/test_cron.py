"""Schedules read as cron reads them: every schedule veille accepts (a watchlist's digest, a
channel's morning review, quiet hours) followed across whole weeks with an injected clock,
weekday numbers as in cron (0 and 7 = Sunday), and expressions cron would refuse refused at
load with their file, line and a fix."""

from __future__ import annotations

import io
import random
import re
import string
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.core.errors import ConfigError
from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.channels import Channel
from monitors.alerts.cron import CrontabError, parse_crontab
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.alerts.routing import Route
from monitors.alerts.timing import next_digest_time, quiet_until
from monitors.service.watchlists import load_watchlists

CASABLANCA = ZoneInfo("Africa/Casablanca")
# Monday 23 November 2026, 00:00 in Casablanca (UTC+1), and the Monday of the week after.
MONDAY = datetime(2026, 11, 23, tzinfo=CASABLANCA)
NEXT_MONDAY = MONDAY + timedelta(days=7)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)  # datetime.weekday()


def week_of_fires(
    schedule: Route | Channel, start: datetime = MONDAY, days: int = 7
) -> list[datetime]:
    """Every time `schedule`'s digest fires from `start` for `days` days, in Casablanca time."""
    fires = []
    now = start - timedelta(microseconds=1)
    while True:
        now = next_digest_time(schedule, now)
        if now >= start + timedelta(days=days):
            return fires
        fires.append(now.astimezone(CASABLANCA))


def digest(expression: str) -> Route:
    return Route("w", "W", digest=expression, timezone="Africa/Casablanca")


def test_weekdays_1_to_5_fire_monday_to_friday_at_eight_in_casablanca():
    fires = week_of_fires(digest("0 8 * * 1-5"))
    assert [f.weekday() for f in fires] == [MON, TUE, WED, THU, FRI]
    assert {(f.hour, f.minute, f.second) for f in fires} == {(8, 0, 0)}
    assert [f.day for f in fires] == [23, 24, 25, 26, 27]
    assert week_of_fires(digest("0 8 * * mon-fri")) == fires
    assert week_of_fires(digest("0 8 * * MON-FRI")) == fires


@pytest.mark.parametrize(
    ("weekdays", "expected"),
    [
        ("0", [SUN]),
        ("7", [SUN]),
        ("sun", [SUN]),
        ("1", [MON]),
        ("1,3,5", [MON, WED, FRI]),
        ("mon,wed,fri", [MON, WED, FRI]),
        ("1-5/2", [MON, WED, FRI]),
        ("*/2", [TUE, THU, SAT, SUN]),  # cron counts from Sunday (0): 0, 2, 4, 6
        ("6-7", [SAT, SUN]),
        ("sat,sun", [SAT, SUN]),
        ("6,0", [SAT, SUN]),
        ("sat-sun", [SAT, SUN]),  # a range ending on Sunday ends the week
        ("fri-sun", [FRI, SAT, SUN]),
        ("0-6", [MON, TUE, WED, THU, FRI, SAT, SUN]),
        ("*", [MON, TUE, WED, THU, FRI, SAT, SUN]),
    ],
)
def test_weekday_numbers_and_names_mean_what_they_mean_in_cron(weekdays, expected):
    fires = week_of_fires(digest(f"30 7 * * {weekdays}"))
    assert [f.weekday() for f in fires] == expected
    assert {(f.hour, f.minute) for f in fires} == {(7, 30)}


def test_macros_and_minute_steps_across_a_week():
    weekly = week_of_fires(digest("@weekly"))
    assert [(f.weekday(), f.hour, f.minute) for f in weekly] == [(SUN, 0, 0)]
    assert len(week_of_fires(digest("@daily"))) == 7
    quarter = week_of_fires(digest("*/15 9-10 * * 1"))
    assert [(f.weekday(), f.hour, f.minute) for f in quarter] == [
        (MON, h, m) for h in (9, 10) for m in (0, 15, 30, 45)
    ]


def test_day_of_month_and_weekday_both_given_fire_on_either_as_in_cron():
    # Week of Monday 30 November 2026: the 1st of December is a Tuesday.
    fires = week_of_fires(digest("0 8 1 * 1"), start=MONDAY + timedelta(days=7))
    assert [(f.month, f.day, f.weekday()) for f in fires] == [(11, 30, MON), (12, 1, TUE)]
    # A weekday starting with '*' restricts nothing: only the day of month counts, as in cron.
    only_first = week_of_fires(digest("0 8 1 * */1"), start=MONDAY + timedelta(days=7))
    assert [(f.month, f.day) for f in only_first] == [(12, 1)]


def test_weekday_digest_keeps_eight_oclock_when_casablanca_changes_its_clock():
    """Morocco goes back to UTC+1 on Sunday 22 March 2026 after Ramadan (UTC+0)."""
    start = datetime(2026, 3, 18, tzinfo=CASABLANCA)  # a Wednesday
    fires = week_of_fires(digest("0 8 * * 1-5"), start=start)
    assert [(f.day, f.weekday(), f.hour) for f in fires] == [
        (18, WED, 8),
        (19, THU, 8),
        (20, FRI, 8),
        (23, MON, 8),
        (24, TUE, 8),
    ]
    assert [f.utcoffset() for f in fires] == [timedelta(0)] * 3 + [timedelta(hours=1)] * 2


def test_next_digest_is_strictly_after_now_even_a_fraction_of_a_second_before():
    schedule = digest("0 8 * * 1-5")
    eight = datetime(2026, 11, 23, 8, tzinfo=CASABLANCA)
    assert next_digest_time(schedule, eight - timedelta(microseconds=500_000)) == eight
    assert next_digest_time(schedule, eight) == eight + timedelta(days=1)
    friday = datetime(2026, 11, 27, 8, tzinfo=CASABLANCA)
    assert next_digest_time(schedule, friday) == friday + timedelta(days=3)  # to Monday


def test_a_channel_morning_review_follows_cron_weekdays():
    review = Channel("revue", "json://127.0.0.1", digest="0 7 * * 1-5")
    fires = week_of_fires(review)
    assert [(f.weekday(), f.hour) for f in fires] == [(d, 7) for d in (MON, TUE, WED, THU, FRI)]


def test_quiet_hours_across_a_week_hold_every_night_and_release_at_their_end():
    """Checked every ten minutes of a week: inside 22:00-07:00 (local) alerts are held until
    the next 07:00, outside they are not."""
    watchlist = Route("w", "W", quiet_hours=("22:00", "07:00"))
    now = MONDAY
    held_minutes = 0
    while now < NEXT_MONDAY:
        local = now.astimezone(CASABLANCA)
        until = quiet_until(watchlist, now)
        if local.hour >= 22 or local.hour < 7:
            assert until is not None, local
            release = until.astimezone(CASABLANCA)
            assert (release.hour, release.minute) == (7, 0)
            assert timedelta(0) < release - local <= timedelta(hours=9)
            held_minutes += 10
        else:
            assert until is None, local
        now += timedelta(minutes=10)
    assert held_minutes == 7 * 9 * 60


@pytest.mark.parametrize(
    ("expression", "words", "fix"),
    [
        ("0 8 * * 5-1", "runs backwards", "5-7,1 (or fri,sat,sun,mon)"),
        ("0 8 * * 8", "8 is out of range (0-7)", "0 and 7 are Sunday"),
        ("0 8 * * 1/2", "a step needs a range", "1,3,5"),
        ("0 8 * * lun", "'lun' is not a day of week", "sun, mon"),
        ("0 8 * * */0", "not a whole number above 0", "*/15"),
        ("0 8 * * ٣", "is not a value, a range or a step", "'0 8 * * 1-5'"),
        ("0 25 * * *", "25 is out of range (0-23)", "from 0 to 23"),
        ("0 22-2 * * *", "runs backwards", "22-23,0-2"),
        ("0 8 30 2 *", "never falls in month 2", "a day that exists"),
        ("0 8 * *", "has 4 field(s)", "'0 8 * * 1-5'"),
        ("0 0 8 * * 1-5", "has 6 field(s)", "minute hour day month weekday"),
        ("@reboot", "unknown macro", "@daily"),
    ],
)
def test_invalid_schedules_are_refused_at_load_with_file_line_and_fix(
    tmp_path, expression, words, fix
):
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f"watchlists:\n  - name: x\n    terms: [a]\n    digest: '{expression}'\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    error = caught.value
    assert error.path == str(path) and error.line == 4
    assert "not a crontab" in error.problem and words in error.problem
    assert fix in error.fix
    assert f"{path}:4" in str(error)


def test_the_column_points_at_the_faulty_field(tmp_path):
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n  revue:\n    url: 'json://127.0.0.1'\n    digest: '0 8 * * 5-1'\n"
        "watchlists:\n  - name: x\n    terms: [a]\n    notify: [revue]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    # "    digest: '0 8 * * 5-1'": the weekday field starts at column 22.
    assert (caught.value.line, caught.value.column) == (4, 22)
    assert "day of week '5-1'" in caught.value.problem


def test_parse_crontab_folds_sunday_and_refuses_nothing_cron_accepts():
    assert parse_crontab("0 8 * * 7").weekdays == parse_crontab("0 8 * * 0").weekdays == {0}
    assert parse_crontab("0 8 * * 0-7").weekdays == set(range(7))
    for accepted in ("5/10 * * * *", "0 8 * jan-mar,dec *", "0 8 29 2 *", "0 0 31 * *"):
        parse_crontab(accepted)
    with pytest.raises(CrontabError):
        parse_crontab("0 8 31 2,4 *")


# -- every schedule through the real delivery path, a week at a time --------------------------

WEEK_RULES = """channels:
  digest-mail:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=digest@example.ma"
  revue:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=revue@example.ma"
    digest: '0 7 * * mon-fri'
    timezone: Africa/Casablanca
  nuit-mail:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=nuit@example.ma"
watchlists:
  - name: semaine
    title: Semaine
    terms: [Maroc]
    digest: '0 8 * * 1-5'
    timezone: Africa/Casablanca
    notify: [digest-mail]
  - name: revue-direction
    title: Revue
    terms: [Maroc]
    notify: [revue]
  - name: nuit
    title: Nuit
    terms: [Maroc]
    quiet_hours: '22:00-07:00'
    timezone: Africa/Casablanca
    notify: [nuit-mail]
"""
ARRIVALS = (2, 6, 12, 18, 23)  # local hours at which a new article is stored, every day


def _article(number: int, rng: random.Random) -> store.StoredArticle:
    """A distinct article mentioning Maroc (random words, so no two are grouped as a story)."""
    words = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))
        for _ in range(120)
    ]
    text = f"Maroc. {' '.join(words)}."
    return store.StoredArticle(
        "presse",
        f"https://presse.example.ma/{number}",
        f"Maroc {number}",
        None,
        None,
        "fr",
        None,
        None,
        text,
        content_hash(text),
    )


@pytest.mark.slow
def test_a_week_of_digests_morning_reviews_and_quiet_hours_through_delivery(tmp_path, smtp):
    """A week (Monday 00:00 to Sunday 23:59, Casablanca) on an injected clock: an article five
    times a day, matching run as it arrives, the send loop every half hour. Each sending is
    recorded at its simulated time and checked against the schedules."""
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(WEEK_RULES.format(port=smtp.port), encoding="utf-8")
    rules = load_watchlists(rules_path)
    db = store.open_database(tmp_path / "veille.db")
    db.conn.execute("INSERT OR IGNORE INTO sources(name) VALUES ('presse')")
    db.conn.commit()
    sender = Sender(db, rules.delivery, io.StringIO(), min_interval=0)
    rng = random.Random(27)
    sent: dict[str, list[datetime]] = {"digest": [], "revue": [], "nuit": []}
    number = 0
    now = MONDAY
    while now < NEXT_MONDAY:
        if now.minute == 0 and now.hour in ARRIVALS:
            number += 1
            store.store_articles(db, [_article(number, rng)])
            match_pending(db, *rules, max_age=None, now=now.astimezone(UTC))
        before = len(smtp.messages)
        sender.deliver_pending(now=(now + timedelta(seconds=5)).astimezone(UTC))
        for message in smtp.messages[before:]:
            sent[message["To"].split("@")[0]].append(now)
        now += timedelta(minutes=30)
    weekdays = [MONDAY + timedelta(days=d) for d in range(5)]
    assert sent["digest"] == [day.replace(hour=8) for day in weekdays]
    assert sent["revue"] == [day.replace(hour=7) for day in weekdays]
    # Quiet hours: what arrived from 22:00 to 07:00 goes out grouped at 07:00, every day of the
    # week; the 12:00 and 18:00 articles at once; nothing is sent during the night.
    days = [MONDAY + timedelta(days=d) for d in range(7)]
    assert sent["nuit"] == [day.replace(hour=h) for day in days for h in (7, 12, 18)]
    assert number == 35


def test_the_schedule_table_of_the_notifications_page_is_true():
    """Each row of docs/notifications.md's schedule table, followed across a week."""
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "notifications.md").read_text()
    table = page.split("## Schedules", 1)[1].split("| digest | fires |", 1)[1].split("\n\n")[0]
    names = {"Mon": MON, "Tue": TUE, "Wed": WED, "Thu": THU, "Fri": FRI, "Sat": SAT, "Sun": SUN}
    checked = 0
    for row in table.strip().splitlines()[1:]:
        _, expressions, fires, _ = row.split("|")
        if "1st of the month" in fires:
            continue  # a monthly rule: test_day_of_month_and_weekday_both_given_fire_on_either…
        days, times = fires.split(" at ")
        every_day = days.strip() == "every day"
        expected_days = list(range(7)) if every_day else [names[d] for d in days.split()]
        expected_times = [tuple(map(int, t.split(":"))) for t in re.findall(r"\d\d:\d\d", times)]
        for expression in re.findall(r"`([^`]+)`", expressions):
            fires_at = week_of_fires(digest(expression))
            assert sorted({f.weekday() for f in fires_at}) == sorted(expected_days), expression
            assert [(f.hour, f.minute) for f in fires_at] == expected_times * len(expected_days)
            checked += 1
    assert checked >= 15
