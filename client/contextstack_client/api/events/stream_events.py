from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    project: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    since: int | None | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(last_event_id, Unset):
        headers["Last-Event-ID"] = last_event_id

    params: dict[str, Any] = {}

    json_project: None | str | Unset
    if isinstance(project, Unset):
        json_project = UNSET
    else:
        json_project = project
    params["project"] = json_project

    json_types: None | str | Unset
    if isinstance(types, Unset):
        json_types = UNSET
    else:
        json_types = types
    params["types"] = json_types

    json_since: int | None | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    else:
        json_since = since
    params["since"] = json_since

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/events",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    since: int | None | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Response[Problem | str]:
    """Follow changes live as Server-Sent Events, resuming after a given event

     A `text/event-stream`: each message has `id:` (the event id), `event:` (its type) and `data:` (the
    event).

    With `Last-Event-ID` or `since`, the stored events after that id come first, in order, then live
    ones,
    none missed or repeated. Idle streams get a keep-alive comment every `sse_keepalive` seconds. A
    client
    that falls `sse_queue_size` events behind gets an `overflow` event naming the last id it was sent,
    and
    is disconnected: reconnect with that `Last-Event-ID`. Past `max_streams` open streams the answer is
    429
    with `Retry-After`; a client that stops reading is disconnected after `stream_write_timeout`
    seconds.

    Args:
        project (None | str | Unset): Only this project's events (id or slug).
        types (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        since (int | None | Unset): Replay the stored events after this event id first.
        last_event_id (None | str | Unset): Set by reconnecting clients; wins over `since`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        project=project,
        types=types,
        since=since,
        last_event_id=last_event_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    since: int | None | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Problem | str | None:
    """Follow changes live as Server-Sent Events, resuming after a given event

     A `text/event-stream`: each message has `id:` (the event id), `event:` (its type) and `data:` (the
    event).

    With `Last-Event-ID` or `since`, the stored events after that id come first, in order, then live
    ones,
    none missed or repeated. Idle streams get a keep-alive comment every `sse_keepalive` seconds. A
    client
    that falls `sse_queue_size` events behind gets an `overflow` event naming the last id it was sent,
    and
    is disconnected: reconnect with that `Last-Event-ID`. Past `max_streams` open streams the answer is
    429
    with `Retry-After`; a client that stops reading is disconnected after `stream_write_timeout`
    seconds.

    Args:
        project (None | str | Unset): Only this project's events (id or slug).
        types (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        since (int | None | Unset): Replay the stored events after this event id first.
        last_event_id (None | str | Unset): Set by reconnecting clients; wins over `since`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        client=client,
        project=project,
        types=types,
        since=since,
        last_event_id=last_event_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    since: int | None | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Response[Problem | str]:
    """Follow changes live as Server-Sent Events, resuming after a given event

     A `text/event-stream`: each message has `id:` (the event id), `event:` (its type) and `data:` (the
    event).

    With `Last-Event-ID` or `since`, the stored events after that id come first, in order, then live
    ones,
    none missed or repeated. Idle streams get a keep-alive comment every `sse_keepalive` seconds. A
    client
    that falls `sse_queue_size` events behind gets an `overflow` event naming the last id it was sent,
    and
    is disconnected: reconnect with that `Last-Event-ID`. Past `max_streams` open streams the answer is
    429
    with `Retry-After`; a client that stops reading is disconnected after `stream_write_timeout`
    seconds.

    Args:
        project (None | str | Unset): Only this project's events (id or slug).
        types (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        since (int | None | Unset): Replay the stored events after this event id first.
        last_event_id (None | str | Unset): Set by reconnecting clients; wins over `since`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        project=project,
        types=types,
        since=since,
        last_event_id=last_event_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    since: int | None | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Problem | str | None:
    """Follow changes live as Server-Sent Events, resuming after a given event

     A `text/event-stream`: each message has `id:` (the event id), `event:` (its type) and `data:` (the
    event).

    With `Last-Event-ID` or `since`, the stored events after that id come first, in order, then live
    ones,
    none missed or repeated. Idle streams get a keep-alive comment every `sse_keepalive` seconds. A
    client
    that falls `sse_queue_size` events behind gets an `overflow` event naming the last id it was sent,
    and
    is disconnected: reconnect with that `Last-Event-ID`. Past `max_streams` open streams the answer is
    429
    with `Retry-After`; a client that stops reading is disconnected after `stream_write_timeout`
    seconds.

    Args:
        project (None | str | Unset): Only this project's events (id or slug).
        types (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        since (int | None | Unset): Replay the stored events after this event id first.
        last_event_id (None | str | Unset): Set by reconnecting clients; wins over `since`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            client=client,
            project=project,
            types=types,
            since=since,
            last_event_id=last_event_id,
        )
    ).parsed
