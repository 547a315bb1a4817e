from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.status_report import StatusReport
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project: str,
    *,
    next_: int | Unset = 5,
    recent: int | Unset = 5,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["next"] = next_

    params["recent"] = recent

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/projects/{project}/status".format(
            project=quote(str(project), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | StatusReport | None:
    if response.status_code == 200:
        response_200 = StatusReport.from_dict(response.json())

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
) -> Response[Problem | StatusReport]:
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
    next_: int | Unset = 5,
    recent: int | Unset = 5,
) -> Response[Problem | StatusReport]:
    """Where am I: progress per track and phase, steps in progress, blocked, next and recently done

    Args:
        project (str):
        next_ (int | Unset): How many startable steps to list. Default: 5.
        recent (int | Unset): How many recently finished steps to list. Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StatusReport]
    """

    kwargs = _get_kwargs(
        project=project,
        next_=next_,
        recent=recent,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    next_: int | Unset = 5,
    recent: int | Unset = 5,
) -> Problem | StatusReport | None:
    """Where am I: progress per track and phase, steps in progress, blocked, next and recently done

    Args:
        project (str):
        next_ (int | Unset): How many startable steps to list. Default: 5.
        recent (int | Unset): How many recently finished steps to list. Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StatusReport
    """

    return sync_detailed(
        project=project,
        client=client,
        next_=next_,
        recent=recent,
    ).parsed


async def asyncio_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    next_: int | Unset = 5,
    recent: int | Unset = 5,
) -> Response[Problem | StatusReport]:
    """Where am I: progress per track and phase, steps in progress, blocked, next and recently done

    Args:
        project (str):
        next_ (int | Unset): How many startable steps to list. Default: 5.
        recent (int | Unset): How many recently finished steps to list. Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StatusReport]
    """

    kwargs = _get_kwargs(
        project=project,
        next_=next_,
        recent=recent,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    next_: int | Unset = 5,
    recent: int | Unset = 5,
) -> Problem | StatusReport | None:
    """Where am I: progress per track and phase, steps in progress, blocked, next and recently done

    Args:
        project (str):
        next_ (int | Unset): How many startable steps to list. Default: 5.
        recent (int | Unset): How many recently finished steps to list. Default: 5.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StatusReport
    """

    return (
        await asyncio_detailed(
            project=project,
            client=client,
            next_=next_,
            recent=recent,
        )
    ).parsed
