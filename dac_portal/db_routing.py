"""Reads of public pages from a PostgreSQL read replica (docs/scaling.md).

A replica lags its primary by a little, and the portal must read its own writes: a person who
has just submitted, voted or decided must see that on the next page, and the workflow's row
locks and the audit chain head are only meaningful on the primary. So the replica is used
for one thing only: the pages anyone may read without signing in (settings
REPLICA_READ_URL_NAMES), requested with GET or HEAD by a visitor who is not signed in. On
those pages a visitor sees the register, the statistics or a committee's page as they were
a moment ago, which they cannot tell from a page loaded a moment earlier.

Both parts are installed by the settings only when DATABASE_REPLICA_URL is set:
`ReplicaReadMiddleware` marks a request as a public read (a context variable, so threads
and tasks stay apart) and `ReplicaRouter` sends reads to the "replica" alias while it is
marked. Everything else reads and writes the default database, as without a replica.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA_DB_ALIAS = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Models that never come from the replica, even on a public page. Sessions: a visitor's
# session may have been written a moment ago (a language chosen, a sign-in begun), and a
# session missing on a lagging replica would be recreated and its data lost. Audit: the
# chain is read under the head's lock, which exists only on the primary.
PRIMARY_ONLY_APP_LABELS = frozenset({"sessions", "audit"})


@dataclass
class _PublicRead:
    """The current request's answer to "may this read go to the replica?".

    Mutable on purpose: the middleware sets it in `__call__` and turns it on in
    `process_view`, and under ASGI the two may run in different copies of the context;
    both see the same object."""

    active: bool = False
    # How many atomic blocks were open on the default connection when the public read
    # began (1 inside a test's transaction, 0 when serving a request). A block opened
    # since means the view is writing or locking, and must read what it writes.
    atomic_depth: int = 0

    def begin(self) -> None:
        self.active = True
        self.atomic_depth = _atomic_depth()


_current: ContextVar[_PublicRead | None] = ContextVar("dac_public_read", default=None)


def _atomic_depth() -> int:
    return len(connections[DEFAULT_DB_ALIAS].atomic_blocks)


def replica_configured() -> bool:
    return REPLICA_DB_ALIAS in settings.DATABASES


def reading_replica() -> bool:
    """Whether a read made now may go to the replica."""
    state = _current.get()
    return (
        state is not None
        and state.active
        and replica_configured()
        and _atomic_depth() <= state.atomic_depth
    )


@contextmanager
def public_read() -> Iterator[None]:
    """Serve what runs inside as a public read (the middleware's work, for code that is not
    a request: a management command that renders a public page, and the tests)."""
    state = _PublicRead()
    state.begin()
    token = _current.set(state)
    try:
        yield
    finally:
        _current.reset(token)


class ReplicaRouter:
    """Reads of a public read go to the replica; every other read has no opinion (default,
    or the database its instance came from), and every write goes to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if model._meta.app_label not in PRIMARY_ONLY_APP_LABELS and reading_replica():
            return REPLICA_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA_DB_ALIAS:
            # An object read from the replica and kept (in the statistics cache, say) is
            # followed on the primary once the public read is over.
            return DEFAULT_DB_ALIAS
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        # Explicit rather than None: without a router's answer Django would write an object
        # read from the replica back to the replica.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica is a copy of the primary: its rows are the primary's rows.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica is a physical copy that follows the primary's schema by replication;
        # `migrate --database=replica` must change nothing.
        return db == DEFAULT_DB_ALIAS


class ReplicaReadMiddleware:
    """Marks a request as a public read when its URL name is in REPLICA_READ_URL_NAMES,
    its method is GET or HEAD and the visitor is not signed in.

    Sited last, so that by `process_view` the session and the user have been read (from the
    primary) and every other middleware has done its work; ATOMIC_REQUESTS wraps the view
    after this point, so a project that turned it on would read everything from the primary.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.url_names = frozenset(settings.REPLICA_READ_URL_NAMES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(_PublicRead())
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        match = request.resolver_match
        if match is None or match.view_name not in self.url_names:
            return
        if request.method not in SAFE_METHODS or _signed_in(request):
            return
        state = _current.get()
        if state is not None:
            state.begin()


def _signed_in(request: HttpRequest) -> bool:
    # Reading request.user here loads the session and the user from the primary, before
    # the public read begins. A signed-in person reads the primary everywhere: they may
    # have just changed what the public page shows.
    user = getattr(request, "user", None)
    return user is not None and bool(user.is_authenticated)
