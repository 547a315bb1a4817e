from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_usage_group import GetUsageGroup
from ...models.problem import Problem
from ...models.usage_report import UsageReport
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    project: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    group: GetUsageGroup | Unset = "day",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_project: None | str | Unset
    if isinstance(project, Unset):
        json_project = UNSET
    else:
        json_project = project
    params["project"] = json_project

    json_model: None | str | Unset
    if isinstance(model, Unset):
        json_model = UNSET
    else:
        json_model = model
    params["model"] = json_model

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

    json_group: str | Unset = UNSET
    if not isinstance(group, Unset):
        json_group = group

    params["group"] = json_group

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/usage",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | UsageReport | None:
    if response.status_code == 200:
        response_200 = UsageReport.from_dict(response.json())

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
) -> Response[Problem | UsageReport]:
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
    model: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    group: GetUsageGroup | Unset = "day",
) -> Response[Problem | UsageReport]:
    """Tokens and calls of the models' answers, per day, model or project

     What went through conversations; `total` adds up every row.

    Args:
        project (None | str | Unset): Only this project's (id or slug).
        model (None | str | Unset): Only this `provider/model`.
        since (None | str | Unset): Only at or after this ISO-8601 time.
        until (None | str | Unset): Only before this ISO-8601 time.
        group (GetUsageGroup | Unset): What each row totals. Default: 'day'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UsageReport]
    """

    kwargs = _get_kwargs(
        project=project,
        model=model,
        since=since,
        until=until,
        group=group,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    group: GetUsageGroup | Unset = "day",
) -> Problem | UsageReport | None:
    """Tokens and calls of the models' answers, per day, model or project

     What went through conversations; `total` adds up every row.

    Args:
        project (None | str | Unset): Only this project's (id or slug).
        model (None | str | Unset): Only this `provider/model`.
        since (None | str | Unset): Only at or after this ISO-8601 time.
        until (None | str | Unset): Only before this ISO-8601 time.
        group (GetUsageGroup | Unset): What each row totals. Default: 'day'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UsageReport
    """

    return sync_detailed(
        client=client,
        project=project,
        model=model,
        since=since,
        until=until,
        group=group,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    group: GetUsageGroup | Unset = "day",
) -> Response[Problem | UsageReport]:
    """Tokens and calls of the models' answers, per day, model or project

     What went through conversations; `total` adds up every row.

    Args:
        project (None | str | Unset): Only this project's (id or slug).
        model (None | str | Unset): Only this `provider/model`.
        since (None | str | Unset): Only at or after this ISO-8601 time.
        until (None | str | Unset): Only before this ISO-8601 time.
        group (GetUsageGroup | Unset): What each row totals. Default: 'day'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UsageReport]
    """

    kwargs = _get_kwargs(
        project=project,
        model=model,
        since=since,
        until=until,
        group=group,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    model: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    group: GetUsageGroup | Unset = "day",
) -> Problem | UsageReport | None:
    """Tokens and calls of the models' answers, per day, model or project

     What went through conversations; `total` adds up every row.

    Args:
        project (None | str | Unset): Only this project's (id or slug).
        model (None | str | Unset): Only this `provider/model`.
        since (None | str | Unset): Only at or after this ISO-8601 time.
        until (None | str | Unset): Only before this ISO-8601 time.
        group (GetUsageGroup | Unset): What each row totals. Default: 'day'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UsageReport
    """

    return (
        await asyncio_detailed(
            client=client,
            project=project,
            model=model,
            since=since,
            until=until,
            group=group,
        )
    ).parsed
