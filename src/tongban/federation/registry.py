"""What the apps above federation plug into it: message types, queries, endpoints, sub-commands.

Message types a node accepts, each with its schema versions and its handler.

Other apps register theirs in their ``AppConfig.ready``::

    from tongban.federation.registry import register

    @register("cases.forwarded", versions=(1,))
    def _forwarded(message: InboxMessage) -> None: ...

A handler runs inside the transaction that stores the inbox row; it must only touch the
database (no HTTP); what it must send back goes through ``federation.services.message_send``.
An ``ApplicationError`` it raises undoes its own writes and is kept with the stored message.

Queries (``register_query``) are messages whose sender waits for the answer (a cross-region data
read): the same envelope, checks and inbox (so a replay is refused), but the handler returns a
JSON object that the node signs and sends back in the same HTTP exchange (ADR 0022).
"""

from __future__ import annotations

import re
from argparse import ArgumentParser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand
from django.http.response import HttpResponseBase

if TYPE_CHECKING:
    from tongban.federation.models import InboxMessage

Handler = Callable[["InboxMessage"], None]
# A query's handler answers: the node signs its answer and returns it in the same HTTP exchange.
QueryHandler = Callable[["InboxMessage"], dict[str, Any]]
TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class MessageType:
    name: str
    versions: frozenset[int]
    handler: Handler


_TYPES: dict[str, MessageType] = {}


def register(name: str, *, versions: Iterable[int] = (1,)) -> Callable[[Handler], Handler]:
    if not TYPE_NAME.match(name):
        raise ValueError(f"invalid message type name {name!r}")

    def decorator(handler: Handler) -> Handler:
        _TYPES[name] = MessageType(name=name, versions=frozenset(versions), handler=handler)
        return handler

    return decorator


@dataclass(frozen=True)
class QueryType:
    name: str
    versions: frozenset[int]
    handler: QueryHandler


_QUERIES: dict[str, QueryType] = {}


def register_query(name: str, *, versions: Iterable[int] = (1,)) -> Callable[[QueryHandler], QueryHandler]:
    if not TYPE_NAME.match(name):
        raise ValueError(f"invalid query type name {name!r}")

    def decorator(handler: QueryHandler) -> QueryHandler:
        _QUERIES[name] = QueryType(name=name, versions=frozenset(versions), handler=handler)
        return handler

    return decorator


def get_query(name: str) -> QueryType | None:
    return _QUERIES.get(name)


def get(name: str) -> MessageType | None:
    return _TYPES.get(name)


def known_types() -> list[str]:
    return sorted(_TYPES)


# Endpoints under /federation/v1/ that other apps serve (the catalog an app publishes, the OIDC
# client registration of the home-region login): registered in their AppConfig.ready, mounted by
# federation.urls, so the transport never imports the apps above it.


@dataclass(frozen=True)
class Endpoint:
    route: str
    view: Callable[..., HttpResponseBase]
    name: str


_ENDPOINTS: dict[str, Endpoint] = {}


def register_endpoint(route: str, view: Callable[..., HttpResponseBase], *, name: str) -> None:
    _ENDPOINTS[name] = Endpoint(route=route, view=view, name=name)


def endpoints() -> list[Endpoint]:
    return [_ENDPOINTS[name] for name in sorted(_ENDPOINTS)]


# Sub-commands of ``tongban federation`` that other apps add (``tongban federation catalog pull``).


@dataclass(frozen=True)
class CommandGroup:
    name: str
    help: str
    configure: Callable[[ArgumentParser], None]
    """Adds the group's own sub-parsers to its parser."""
    run: Callable[[BaseCommand, dict[str, Any]], None]
    """Runs the group with the command (for its ``stdout``) and the parsed options."""


_COMMANDS: dict[str, CommandGroup] = {}


def register_command(group: CommandGroup) -> None:
    _COMMANDS[group.name] = group


def command_groups() -> list[CommandGroup]:
    return [_COMMANDS[name] for name in sorted(_COMMANDS)]
