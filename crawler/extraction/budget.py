"""A page's extraction in a child process of its own, within a time budget.

Extraction is CPU work on a page a site chose. Run in a crawl worker's reactor thread, a page
that takes minutes (a quadratic step in veille's own code once; still possible inside a
library, see docs/extraction.md) stops the worker's heartbeat and time-limit timers, and the
pool kills the silent worker with every crawl it carried. Here pages are extracted one at a time
in a long-lived child process; the caller waits on a pipe (the GIL released, the reactor free),
and a page over its budget has its child killed and replaced and is declined as `PageTooSlow`,
a `NotAnArticle` whose reason the crawl records against the source.

Protocol on the child's stdin and stdout, frames of a 4-byte length and a pickle:
  in:   (html, url, site profile)
  out:  ("ready", pid) once; then for each page ("extracted", Extracted),
        ("declined", reason) or ("failed", "ExceptionType: message")
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

from crawler.core.children import die_with_parent, freeze_startup_objects, release_free_memory
from crawler.extraction.article import Extracted, NotAnArticle, PageTooComplex
from crawler.extraction.profiles import SiteProfile

logger = logging.getLogger(__name__)

# A news page takes 20 to 200 ms; the slowest of 990 real pages under 2 s. A page still running
# at 20 s is a generated or hostile page, not an article worth a crawl worker's time.
DEFAULT_BUDGET_SECONDS = 20.0
STARTUP_LIMIT = 120.0  # importing trafilatura takes a second or two, more on a loaded machine
# Pages between two resets of trafilatura's process-wide caches in the child (the crawl worker,
# which extracts nothing itself, used to reset them after each crawl).
RESET_EVERY = 200
# After a page this large (bytes or characters of HTML), the child gives the memory its parse
# freed back to the system: a 5 MB page's tree otherwise stays in the child's resident set.
RELEASE_AFTER_PAGE = 512 * 1024
# Pages handed over within this long of the first waiting are extracted in one burst, back to
# back. A crawl worker's pages come a few at a time, a download delay apart; the process,
# woken for each page after its caches went cold (the worker's crawls and other processes ran
# meanwhile), took 1.35-1.66 ms of CPU a 1 KB page where it takes 0.54-0.78 ms back to back
# (0.60 ms in the caller's own thread). A page waits this much longer for its text; its budget
# counts from when its extraction starts.
HOLD_SECONDS = 0.5
_HEADER = struct.Struct(">I")


class PageTooSlow(NotAnArticle):
    """The page's extraction ran past its time budget: declined, and not fetched again."""


class ExtractionFailed(Exception):
    """The extraction process died on a page, raised an unexpected error or could not start:
    nothing is known about the page itself, so it is worth another try later."""


def _frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    """`size` bytes from `fd`; TimeoutError at `deadline` (monotonic), EOFError if it closes."""
    chunks, missing = [], size
    while missing:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _receive(child: subprocess.Popen, seconds: float) -> Any:
    assert child.stdout is not None  # started with stdout=PIPE
    fd, deadline = child.stdout.fileno(), time.monotonic() + seconds
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exactly(fd, size, deadline))  # noqa: S301 (our own child)


def _ended(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


class ExtractionProcess:
    """Extracts pages in a child process, one at a time, each within `budget` seconds.

    `extract` blocks its caller (any thread); `submit` runs it on this object's own thread and
    returns a future, for callers that must not block: the pages submitted within `hold`
    seconds of the first waiting are extracted together, one after the other (HOLD_SECONDS).
    The child is started on first use (and by the thread that will keep it: Linux ends it when
    that thread ends) and again after a page killed it."""

    def __init__(
        self,
        budget: float = DEFAULT_BUDGET_SECONDS,
        startup_limit: float = STARTUP_LIMIT,
        hold: float = HOLD_SECONDS,
    ) -> None:
        self.budget = budget
        self.startup_limit = startup_limit
        self.hold = hold
        self.killed = 0  # children killed for a page over its budget
        self._child: subprocess.Popen | None = None
        self._lock = threading.Lock()  # one page at a time in the child
        self._executor_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        # Pages submitted and not started yet, and whether a burst is under way (both under
        # `_executor_lock`); `closed` once close() began: nothing more is started.
        self._waiting: deque[tuple[Future[Extracted], tuple[str | bytes, str, Any]]] = deque()
        self._bursting = False
        self._closed = False
        self._pause = time.sleep  # the wait for more pages (a test's, to hold a burst)

    def start(self) -> Future[None]:
        """Start the child now, on this object's thread, so that the first page does not wait
        for its imports (a second or two). Every crawl of a worker asks at its start: once a
        child was started, nothing is handed to the thread (a child that ended since is started
        again by the next page), since each hand-off wakes that thread and takes its locks."""
        if self._child is not None:
            done: Future[None] = Future()
            done.set_result(None)
            return done
        return self._thread().submit(self._start)

    def _start(self) -> None:
        with self._lock:
            try:
                self._running()
            except ExtractionFailed as exc:  # said again, with the page, by the first extract
                logger.warning("%s", exc)

    def submit(
        self, html: str | bytes, url: str, profile: SiteProfile | None = None
    ) -> Future[Extracted]:
        if self.hold <= 0:
            return self._thread().submit(self.extract, html, url, profile)
        future: Future[Extracted] = Future()
        with self._executor_lock:
            if self._closed:
                future.set_exception(ExtractionFailed("the extraction process was closed"))
                return future
            self._waiting.append((future, (html, url, profile)))
            begin, self._bursting = not self._bursting, True
            # Taken under the lock: a close() between here and the submit below shuts this
            # executor down (the page's future is failed by close()), never leaves a new one.
            executor = self._executor_locked() if begin else None
        if executor is not None:
            with contextlib.suppress(RuntimeError):  # shut down by close() meanwhile
                executor.submit(self._burst)
        return future

    def _burst(self) -> None:
        """On this object's thread: wait `hold` seconds for more pages, then extract every page
        waiting, one after the other, each within its budget, until none is left."""
        self._pause(self.hold)
        while True:
            with self._executor_lock:
                if not self._waiting or self._closed:
                    self._bursting = False
                    return
                future, (html, url, profile) = self._waiting.popleft()
            if not future.set_running_or_notify_cancel():
                continue  # cancelled by its caller meanwhile
            try:
                future.set_result(self.extract(html, url, profile))
            except BaseException as exc:  # noqa: BLE001 (the page's answer, for its caller)
                future.set_exception(exc)

    def _thread(self) -> ThreadPoolExecutor:
        with self._executor_lock:  # not `_lock`, held for a whole page: callers must not wait
            return self._executor_locked()

    def _executor_locked(self) -> ThreadPoolExecutor:
        """This object's thread, made on first use (the caller holds `_executor_lock`)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="extraction")
        return self._executor

    def extract(self, html: str | bytes, url: str, profile: SiteProfile | None = None) -> Extracted:
        """The page's article, or NotAnArticle (PageTooSlow past the budget) saying why not;
        ExtractionFailed when the process failed rather than the page."""
        request = _frame((html, url, profile))
        with self._lock:
            child = self._send(request)
            try:
                kind, value = _receive(child, self.budget)
            except TimeoutError:
                self._discard()
                self.killed += 1
                logger.warning("url=%s extraction past %g s: process killed", url, self.budget)
                raise PageTooSlow(
                    f"extraction took more than {self.budget:g} s (the budget per page, "
                    "VEILLE_EXTRACTION_SECONDS; a news article takes well under a second): "
                    "declined, not fetched again"
                ) from None
            except (EOFError, OSError):  # after TimeoutError, an OSError too
                code = self._discard()
                raise ExtractionFailed(
                    f"the extraction process ended on this page ({_ended(code)})"
                ) from None
        if kind == "extracted":
            return value
        if kind == "declined":
            raise NotAnArticle(value)
        if kind == "too-complex":
            raise PageTooComplex(value)
        raise ExtractionFailed(f"extraction raised {value}")

    def _send(self, request: bytes) -> subprocess.Popen:
        """The request written to a running child (a new one if the last was killed from
        outside between two pages). Called with the lock held."""
        for attempt in (1, 2):
            child = self._running()
            assert child.stdin is not None  # started with stdin=PIPE
            try:
                _write_all(child.stdin.fileno(), request)
                return child
            except OSError as exc:
                self._discard()
                if attempt == 2:
                    raise ExtractionFailed(
                        f"the extraction process took no request: {exc}"
                    ) from None
        raise AssertionError("unreachable")

    def _running(self) -> subprocess.Popen:
        if self._child is not None and self._child.poll() is None:
            return self._child
        if self._child is not None:
            logger.warning(
                "extraction process pid=%d ended (%s): starting another",
                self._child.pid,
                _ended(self._child.returncode),
            )
            self._discard()
        child = subprocess.Popen(
            [sys.executable, "-m", "crawler.extraction.budget"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            preexec_fn=die_with_parent(os.getpid()),  # noqa: PLW1509 (async-signal-safe calls only)
        )
        self._child = child
        try:
            kind, _pid = _receive(child, self.startup_limit)
        except (TimeoutError, EOFError, pickle.UnpicklingError):
            code = self._discard()
            raise ExtractionFailed(
                f"the extraction process did not start within {self.startup_limit:g} s "
                f"({_ended(code)}); see the crawl log for its error"
            ) from None
        if kind != "ready":
            self._discard()
            raise ExtractionFailed(f"the extraction process answered {kind!r} on start")
        return child

    def _discard(self) -> int | None:
        """Kill the child (if running) and forget it; its exit code."""
        child, self._child = self._child, None
        if child is None:
            return None
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        code = child.wait()
        for stream in (child.stdin, child.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        return code

    def close(self) -> None:
        """End the child: its input closed, it exits; killed if it does not within 5 s (a page
        under way then fails as ExtractionFailed)."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
            self._closed = True
            waiting, self._waiting = list(self._waiting), deque()
        for future, _page in waiting:
            if future.set_running_or_notify_cancel():
                future.set_exception(ExtractionFailed("the extraction process was closed"))
        child = self._child  # not under `_lock`: a page under way does not delay the end
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        if child is None:
            return
        with contextlib.suppress(OSError):
            if child.stdin is not None:
                child.stdin.close()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


_shared: ExtractionProcess | None = None
_shared_lock = threading.Lock()


def shared_extraction(budget: float = DEFAULT_BUDGET_SECONDS) -> ExtractionProcess:
    """This process's one extraction process (a crawl worker's crawls share it), with `budget`."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ExtractionProcess(budget)
            atexit.register(_shared.close)
        _shared.budget = budget
        return _shared


def main() -> int:
    """The child: read pages, answer their extraction, until its input ends."""
    answers: IO[bytes] = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything printed goes to the log, never into the answers
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides, not a terminal's ^C
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s [extraction] %(levelname)s: %(message)s",
    )
    from crawler.extraction.extract import extract_article, reset_extraction_caches

    freeze_startup_objects()  # the language model and the libraries' tables, out of collections
    requests = sys.stdin.buffer
    _write_all(answers.fileno(), _frame(("ready", os.getpid())))
    pages = 0
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        (size,) = _HEADER.unpack(header)
        html, url, profile = pickle.loads(requests.read(size))  # noqa: S301 (our parent)
        answer: tuple[str, Any]
        try:
            answer = ("extracted", extract_article(html, url, profile))
        except PageTooComplex as exc:
            answer = ("too-complex", str(exc))
        except NotAnArticle as exc:
            answer = ("declined", str(exc))
        except Exception as exc:  # noqa: BLE001 (a fault on one page, answered to the caller)
            logging.getLogger(__name__).exception("url=%s extraction raised", url)
            answer = ("failed", f"{type(exc).__name__}: {str(exc)[:300]}")
        _write_all(answers.fileno(), _frame(answer))
        pages += 1
        if pages % RESET_EVERY == 0:
            reset_extraction_caches()
            release_free_memory()
        elif len(html) >= RELEASE_AFTER_PAGE:
            del html, answer
            release_free_memory()


if __name__ == "__main__":
    sys.exit(main())
