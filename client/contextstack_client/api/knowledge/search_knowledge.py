from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.knowledge_search_result import KnowledgeSearchResult
from ...models.problem import Problem
from ...models.search_knowledge_kind_type_1 import SearchKnowledgeKindType1
from ...models.search_knowledge_kind_type_2_type_1 import (
    SearchKnowledgeKindType2Type1,
)
from ...models.search_knowledge_kind_type_3_type_1 import (
    SearchKnowledgeKindType3Type1,
)
from ...models.search_knowledge_match import SearchKnowledgeMatch
from ...models.search_knowledge_mode import SearchKnowledgeMode
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: str | Unset = "",
    project: None | str | Unset = UNSET,
    kind: None
    | SearchKnowledgeKindType1
    | SearchKnowledgeKindType2Type1
    | SearchKnowledgeKindType3Type1
    | Unset = UNSET,
    limit: int | Unset = 20,
    include_superseded: bool | Unset = False,
    match: SearchKnowledgeMatch | Unset = "any",
    mode: SearchKnowledgeMode | Unset = "hybrid",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["q"] = q

    json_project: None | str | Unset
    if isinstance(project, Unset):
        json_project = UNSET
    else:
        json_project = project
    params["project"] = json_project

    json_kind: None | str | Unset
    if isinstance(kind, Unset):
        json_kind = UNSET
    elif isinstance(kind, str):
        json_kind = kind
    elif isinstance(kind, str):
        json_kind = kind
    elif isinstance(kind, str):
        json_kind = kind
    else:
        json_kind = kind
    params["kind"] = json_kind

    params["limit"] = limit

    params["include_superseded"] = include_superseded

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
        "url": "/api/knowledge/search",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> KnowledgeSearchResult | Problem | None:
    if response.status_code == 200:
        response_200 = KnowledgeSearchResult.from_dict(response.json())

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
) -> Response[KnowledgeSearchResult | Problem]:
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
    kind: None
    | SearchKnowledgeKindType1
    | SearchKnowledgeKindType2Type1
    | SearchKnowledgeKindType3Type1
    | Unset = UNSET,
    limit: int | Unset = 20,
    include_superseded: bool | Unset = False,
    match: SearchKnowledgeMatch | Unset = "any",
    mode: SearchKnowledgeMode | Unset = "hybrid",
) -> Response[KnowledgeSearchResult | Problem]:
    """Search knowledge, best matches first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find; the last also as a prefix. Default: ''.
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        kind (None | SearchKnowledgeKindType1 | SearchKnowledgeKindType2Type1 |
            SearchKnowledgeKindType3Type1 | Unset): Only entries of this kind.
        limit (int | Unset): Most hits to answer. Default: 20.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        match (SearchKnowledgeMatch | Unset): `any`: entries matching any of the words, those
            matching more first; `all`: every word. Default: 'any'.
        mode (SearchKnowledgeMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[KnowledgeSearchResult | Problem]
    """

    kwargs = _get_kwargs(
        q=q,
        project=project,
        kind=kind,
        limit=limit,
        include_superseded=include_superseded,
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
    kind: None
    | SearchKnowledgeKindType1
    | SearchKnowledgeKindType2Type1
    | SearchKnowledgeKindType3Type1
    | Unset = UNSET,
    limit: int | Unset = 20,
    include_superseded: bool | Unset = False,
    match: SearchKnowledgeMatch | Unset = "any",
    mode: SearchKnowledgeMode | Unset = "hybrid",
) -> KnowledgeSearchResult | Problem | None:
    """Search knowledge, best matches first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find; the last also as a prefix. Default: ''.
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        kind (None | SearchKnowledgeKindType1 | SearchKnowledgeKindType2Type1 |
            SearchKnowledgeKindType3Type1 | Unset): Only entries of this kind.
        limit (int | Unset): Most hits to answer. Default: 20.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        match (SearchKnowledgeMatch | Unset): `any`: entries matching any of the words, those
            matching more first; `all`: every word. Default: 'any'.
        mode (SearchKnowledgeMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        KnowledgeSearchResult | Problem
    """

    return sync_detailed(
        client=client,
        q=q,
        project=project,
        kind=kind,
        limit=limit,
        include_superseded=include_superseded,
        match=match,
        mode=mode,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    q: str | Unset = "",
    project: None | str | Unset = UNSET,
    kind: None
    | SearchKnowledgeKindType1
    | SearchKnowledgeKindType2Type1
    | SearchKnowledgeKindType3Type1
    | Unset = UNSET,
    limit: int | Unset = 20,
    include_superseded: bool | Unset = False,
    match: SearchKnowledgeMatch | Unset = "any",
    mode: SearchKnowledgeMode | Unset = "hybrid",
) -> Response[KnowledgeSearchResult | Problem]:
    """Search knowledge, best matches first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find; the last also as a prefix. Default: ''.
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        kind (None | SearchKnowledgeKindType1 | SearchKnowledgeKindType2Type1 |
            SearchKnowledgeKindType3Type1 | Unset): Only entries of this kind.
        limit (int | Unset): Most hits to answer. Default: 20.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        match (SearchKnowledgeMatch | Unset): `any`: entries matching any of the words, those
            matching more first; `all`: every word. Default: 'any'.
        mode (SearchKnowledgeMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[KnowledgeSearchResult | Problem]
    """

    kwargs = _get_kwargs(
        q=q,
        project=project,
        kind=kind,
        limit=limit,
        include_superseded=include_superseded,
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
    kind: None
    | SearchKnowledgeKindType1
    | SearchKnowledgeKindType2Type1
    | SearchKnowledgeKindType3Type1
    | Unset = UNSET,
    limit: int | Unset = 20,
    include_superseded: bool | Unset = False,
    match: SearchKnowledgeMatch | Unset = "any",
    mode: SearchKnowledgeMode | Unset = "hybrid",
) -> KnowledgeSearchResult | Problem | None:
    """Search knowledge, best matches first

     Any text is safe: it is searched as words, never as query syntax; text without words finds nothing.

    Args:
        q (str | Unset): Words to find; the last also as a prefix. Default: ''.
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        kind (None | SearchKnowledgeKindType1 | SearchKnowledgeKindType2Type1 |
            SearchKnowledgeKindType3Type1 | Unset): Only entries of this kind.
        limit (int | Unset): Most hits to answer. Default: 20.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        match (SearchKnowledgeMatch | Unset): `any`: entries matching any of the words, those
            matching more first; `all`: every word. Default: 'any'.
        mode (SearchKnowledgeMode | Unset): `hybrid`: by words and by meaning, fused (by words
            alone without `[memory] embedding_model`); `words`: by words alone; `meaning`: by meaning
            alone (needs embeddings). Default: 'hybrid'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        KnowledgeSearchResult | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            project=project,
            kind=kind,
            limit=limit,
            include_superseded=include_superseded,
            match=match,
            mode=mode,
        )
    ).parsed
