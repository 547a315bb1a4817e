from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.activity_page import ActivityPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project: str,
    *,
    type_: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    else:
        json_type_ = type_
    params["type"] = json_type_

    json_actor: None | str | Unset
    if isinstance(actor, Unset):
        json_actor = UNSET
    else:
        json_actor = actor
    params["actor"] = json_actor

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    else:
        json_since = since
    params["since"] = json_since

    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    else:
        json_until = until
    params["until"] = json_until

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/projects/{project}/activity".format(
            project=quote(str(project), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ActivityPage | Problem | None:
    if response.status_code == 200:
        response_200 = ActivityPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ActivityPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    type_: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[ActivityPage | Problem]:
    """A project's activity log, newest first

     Every change to the project and what is in it, as logged: type, actor, time, entity and changed
    fields.

    `type` is a comma-separated list of event types; one ending in `.` is a prefix (`step.`). A deleted
    project's activity stays readable by its id.

    Args:
        project (str):
        type_ (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        actor (None | str | Unset): `user`, `api`, `ai:<model>`, or `ai:` for any model.
        since (None | str | Unset): Only events at or after this ISO-8601 time.
        until (None | str | Unset): Only events before this ISO-8601 time.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ActivityPage | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        type_=type_,
        actor=actor,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    type_: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> ActivityPage | Problem | None:
    """A project's activity log, newest first

     Every change to the project and what is in it, as logged: type, actor, time, entity and changed
    fields.

    `type` is a comma-separated list of event types; one ending in `.` is a prefix (`step.`). A deleted
    project's activity stays readable by its id.

    Args:
        project (str):
        type_ (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        actor (None | str | Unset): `user`, `api`, `ai:<model>`, or `ai:` for any model.
        since (None | str | Unset): Only events at or after this ISO-8601 time.
        until (None | str | Unset): Only events before this ISO-8601 time.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ActivityPage | Problem
    """

    return sync_detailed(
        project=project,
        client=client,
        type_=type_,
        actor=actor,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    type_: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[ActivityPage | Problem]:
    """A project's activity log, newest first

     Every change to the project and what is in it, as logged: type, actor, time, entity and changed
    fields.

    `type` is a comma-separated list of event types; one ending in `.` is a prefix (`step.`). A deleted
    project's activity stays readable by its id.

    Args:
        project (str):
        type_ (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        actor (None | str | Unset): `user`, `api`, `ai:<model>`, or `ai:` for any model.
        since (None | str | Unset): Only events at or after this ISO-8601 time.
        until (None | str | Unset): Only events before this ISO-8601 time.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ActivityPage | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        type_=type_,
        actor=actor,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    type_: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> ActivityPage | Problem | None:
    """A project's activity log, newest first

     Every change to the project and what is in it, as logged: type, actor, time, entity and changed
    fields.

    `type` is a comma-separated list of event types; one ending in `.` is a prefix (`step.`). A deleted
    project's activity stays readable by its id.

    Args:
        project (str):
        type_ (None | str | Unset): Comma-separated event types; one ending in `.` is a prefix:
            `step.,knowledge.created`.
        actor (None | str | Unset): `user`, `api`, `ai:<model>`, or `ai:` for any model.
        since (None | str | Unset): Only events at or after this ISO-8601 time.
        until (None | str | Unset): Only events before this ISO-8601 time.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ActivityPage | Problem
    """

    return (
        await asyncio_detailed(
            project=project,
            client=client,
            type_=type_,
            actor=actor,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
