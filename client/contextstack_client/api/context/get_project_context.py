from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.assembled_context import AssembledContext
from ...models.get_project_context_format import GetProjectContextFormat
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project: str,
    *,
    query: None | str | Unset = UNSET,
    budget: int | None | Unset = UNSET,
    format_: GetProjectContextFormat | Unset = "json",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_query: None | str | Unset
    if isinstance(query, Unset):
        json_query = UNSET
    else:
        json_query = query
    params["query"] = json_query

    json_budget: int | None | Unset
    if isinstance(budget, Unset):
        json_budget = UNSET
    else:
        json_budget = budget
    params["budget"] = json_budget

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/projects/{project}/context".format(
            project=quote(str(project), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AssembledContext | Problem | None:
    if response.status_code == 200:
        response_200 = AssembledContext.from_dict(response.json())

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
) -> Response[AssembledContext | Problem]:
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
    query: None | str | Unset = UNSET,
    budget: int | None | Unset = UNSET,
    format_: GetProjectContextFormat | Unset = "json",
) -> Response[AssembledContext | Problem]:
    """The project's context document within a token budget

     `format=markdown` answers the document as text/markdown (tokens and budget in the X-Contextstack-
    Context-Tokens and X-Contextstack-Budget headers); `format=json` answers the document with its size,
    its sections' sizes and a manifest of every step and entry considered.

    Args:
        project (str):
        query (None | str | Unset): What the model is asked (at most 4,000 characters): pulls in
            relevant knowledge.
        budget (int | None | Unset): Token budget (default: context_budget).
        format_ (GetProjectContextFormat | Unset): Answer shape. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AssembledContext | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        query=query,
        budget=budget,
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
    query: None | str | Unset = UNSET,
    budget: int | None | Unset = UNSET,
    format_: GetProjectContextFormat | Unset = "json",
) -> AssembledContext | Problem | None:
    """The project's context document within a token budget

     `format=markdown` answers the document as text/markdown (tokens and budget in the X-Contextstack-
    Context-Tokens and X-Contextstack-Budget headers); `format=json` answers the document with its size,
    its sections' sizes and a manifest of every step and entry considered.

    Args:
        project (str):
        query (None | str | Unset): What the model is asked (at most 4,000 characters): pulls in
            relevant knowledge.
        budget (int | None | Unset): Token budget (default: context_budget).
        format_ (GetProjectContextFormat | Unset): Answer shape. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AssembledContext | Problem
    """

    return sync_detailed(
        project=project,
        client=client,
        query=query,
        budget=budget,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    query: None | str | Unset = UNSET,
    budget: int | None | Unset = UNSET,
    format_: GetProjectContextFormat | Unset = "json",
) -> Response[AssembledContext | Problem]:
    """The project's context document within a token budget

     `format=markdown` answers the document as text/markdown (tokens and budget in the X-Contextstack-
    Context-Tokens and X-Contextstack-Budget headers); `format=json` answers the document with its size,
    its sections' sizes and a manifest of every step and entry considered.

    Args:
        project (str):
        query (None | str | Unset): What the model is asked (at most 4,000 characters): pulls in
            relevant knowledge.
        budget (int | None | Unset): Token budget (default: context_budget).
        format_ (GetProjectContextFormat | Unset): Answer shape. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AssembledContext | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        query=query,
        budget=budget,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    query: None | str | Unset = UNSET,
    budget: int | None | Unset = UNSET,
    format_: GetProjectContextFormat | Unset = "json",
) -> AssembledContext | Problem | None:
    """The project's context document within a token budget

     `format=markdown` answers the document as text/markdown (tokens and budget in the X-Contextstack-
    Context-Tokens and X-Contextstack-Budget headers); `format=json` answers the document with its size,
    its sections' sizes and a manifest of every step and entry considered.

    Args:
        project (str):
        query (None | str | Unset): What the model is asked (at most 4,000 characters): pulls in
            relevant knowledge.
        budget (int | None | Unset): Token budget (default: context_budget).
        format_ (GetProjectContextFormat | Unset): Answer shape. Default: 'json'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AssembledContext | Problem
    """

    return (
        await asyncio_detailed(
            project=project,
            client=client,
            query=query,
            budget=budget,
            format_=format_,
        )
    ).parsed
