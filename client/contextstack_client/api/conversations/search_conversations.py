from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.conversation_search_result import ConversationSearchResult
from ...models.problem import Problem
from ...models.search_conversations_match import SearchConversationsMatch
from ...models.search_conversations_mode import SearchConversationsMode
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: str | Unset = "",
    project: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    match: SearchConversationsMatch | Unset = "any",
    mode: SearchConversationsMode | Unset = "hybrid",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["q"] = q

    json_project: None | str | Unset
    if isinstance(project, Unset):
        json_project = UNSET
    else:
        json_project = project
    params["project"] = json_project

    params["limit"] = limit

    json_match: str | Unset = UNSET
    if not isinstance(match, Unset):
        json_match = match

    params["match"] = json_match

    json_mode: str | Unset = UNSET
    if not isinstance(mode, Unset):
        json_mode = mode

    params["mode"] = json_mode

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/conversations/search",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ConversationSearchResult | Problem | None:
    if response.status_code == 200:
        response_200 = ConversationSearchResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())

        return response_502

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ConversationSearchResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    q: str | Unset = "",
    project: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    match: SearchConversationsMatch | Unset = "any",
    mode: SearchConversationsMode | Unset = "hybrid",
) -> Response[ConversationSearchResult | Problem]:
    """Search conversations by title and message text, best first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find, each also by its stem; the last also as a prefix. Default:
            ''.
        project (None | str | Unset): Only this project's (id or slug).
        limit (int | Unset): Most conversations to answer. Default: 20.
        match (SearchConversationsMatch | Unset): `any`: titles and messages matching any of the
            words, those matching more first; `all`: every word. Default: 'any'.
        mode (SearchConversationsMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConversationSearchResult | Problem]
    """

    kwargs = _get_kwargs(
        q=q,
        project=project,
        limit=limit,
        match=match,
        mode=mode,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    q: str | Unset = "",
    project: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    match: SearchConversationsMatch | Unset = "any",
    mode: SearchConversationsMode | Unset = "hybrid",
) -> ConversationSearchResult | Problem | None:
    """Search conversations by title and message text, best first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find, each also by its stem; the last also as a prefix. Default:
            ''.
        project (None | str | Unset): Only this project's (id or slug).
        limit (int | Unset): Most conversations to answer. Default: 20.
        match (SearchConversationsMatch | Unset): `any`: titles and messages matching any of the
            words, those matching more first; `all`: every word. Default: 'any'.
        mode (SearchConversationsMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConversationSearchResult | Problem
    """

    return sync_detailed(
        client=client,
        q=q,
        project=project,
        limit=limit,
        match=match,
        mode=mode,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    q: str | Unset = "",
    project: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    match: SearchConversationsMatch | Unset = "any",
    mode: SearchConversationsMode | Unset = "hybrid",
) -> Response[ConversationSearchResult | Problem]:
    """Search conversations by title and message text, best first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find, each also by its stem; the last also as a prefix. Default:
            ''.
        project (None | str | Unset): Only this project's (id or slug).
        limit (int | Unset): Most conversations to answer. Default: 20.
        match (SearchConversationsMatch | Unset): `any`: titles and messages matching any of the
            words, those matching more first; `all`: every word. Default: 'any'.
        mode (SearchConversationsMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConversationSearchResult | Problem]
    """

    kwargs = _get_kwargs(
        q=q,
        project=project,
        limit=limit,
        match=match,
        mode=mode,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    q: str | Unset = "",
    project: None | str | Unset = UNSET,
    limit: int | Unset = 20,
    match: SearchConversationsMatch | Unset = "any",
    mode: SearchConversationsMode | Unset = "hybrid",
) -> ConversationSearchResult | Problem | None:
    """Search conversations by title and message text, best first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find, each also by its stem; the last also as a prefix. Default:
            ''.
        project (None | str | Unset): Only this project's (id or slug).
        limit (int | Unset): Most conversations to answer. Default: 20.
        match (SearchConversationsMatch | Unset): `any`: titles and messages matching any of the
            words, those matching more first; `all`: every word. Default: 'any'.
        mode (SearchConversationsMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConversationSearchResult | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            project=project,
            limit=limit,
            match=match,
            mode=mode,
        )
    ).parsed
