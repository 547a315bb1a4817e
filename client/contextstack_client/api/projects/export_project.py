from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.export_project_format import ExportProjectFormat
from ...models.problem import Problem
from ...models.project_export import ProjectExport
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project: str,
    *,
    format_: ExportProjectFormat | Unset = "json",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/projects/{project}/export".format(
            project=quote(str(project), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ProjectExport | None:
    if response.status_code == 200:
        response_200 = ProjectExport.from_dict(response.json())

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
) -> Response[Problem | ProjectExport]:
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
    format_: ExportProjectFormat | Unset = "json",
) -> Response[Problem | ProjectExport]:
    """Export a project: lossless JSON, or an AGENTS.md file for coding agents

     `format=json` answers the whole project (plan, statuses, times, its own knowledge) in a versioned
    form that `POST /api/projects/import` reads back; `format=agents-md` answers an AGENTS.md file
    (text/markdown): the project, its instructions, where it stands and what is known.

    Args:
        project (str):
        format_ (ExportProjectFormat | Unset): What to export. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProjectExport]
    """

    kwargs = _get_kwargs(
        project=project,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    format_: ExportProjectFormat | Unset = "json",
) -> Problem | ProjectExport | None:
    """Export a project: lossless JSON, or an AGENTS.md file for coding agents

     `format=json` answers the whole project (plan, statuses, times, its own knowledge) in a versioned
    form that `POST /api/projects/import` reads back; `format=agents-md` answers an AGENTS.md file
    (text/markdown): the project, its instructions, where it stands and what is known.

    Args:
        project (str):
        format_ (ExportProjectFormat | Unset): What to export. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProjectExport
    """

    return sync_detailed(
        project=project,
        client=client,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    format_: ExportProjectFormat | Unset = "json",
) -> Response[Problem | ProjectExport]:
    """Export a project: lossless JSON, or an AGENTS.md file for coding agents

     `format=json` answers the whole project (plan, statuses, times, its own knowledge) in a versioned
    form that `POST /api/projects/import` reads back; `format=agents-md` answers an AGENTS.md file
    (text/markdown): the project, its instructions, where it stands and what is known.

    Args:
        project (str):
        format_ (ExportProjectFormat | Unset): What to export. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProjectExport]
    """

    kwargs = _get_kwargs(
        project=project,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    format_: ExportProjectFormat | Unset = "json",
) -> Problem | ProjectExport | None:
    """Export a project: lossless JSON, or an AGENTS.md file for coding agents

     `format=json` answers the whole project (plan, statuses, times, its own knowledge) in a versioned
    form that `POST /api/projects/import` reads back; `format=agents-md` answers an AGENTS.md file
    (text/markdown): the project, its instructions, where it stands and what is known.

    Args:
        project (str):
        format_ (ExportProjectFormat | Unset): What to export. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProjectExport
    """

    return (
        await asyncio_detailed(
            project=project,
            client=client,
            format_=format_,
        )
    ).parsed
