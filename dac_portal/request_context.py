"""Per-request facts (request id, client IP) that the audit writer records without every
service having to pass them down. Context variables keep threads and tasks apart."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    client_ip: str | None = None


# Outside any request (jobs), and for events that must not hold the request's facts.
EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("dac_request_context")


def bind(*, request_id: str | None, client_ip: str | None) -> Token[RequestContext]:
    return _current.set(RequestContext(request_id=request_id, client_ip=client_ip))


def reset(token: Token[RequestContext]) -> None:
    _current.reset(token)


def current() -> RequestContext:
    return _current.get(EMPTY)
