from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.knowledge_list import KnowledgeList
from ...models.list_knowledge_kind_type_1 import ListKnowledgeKindType1
from ...models.list_knowledge_kind_type_2_type_1 import (
    ListKnowledgeKindType2Type1,
)
from ...models.list_knowledge_kind_type_3_type_1 import (
    ListKnowledgeKindType3Type1,
)
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    project: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    kind: ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    pinned: bool | None | Unset = UNSET,
    include_superseded: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_project: None | str | Unset
    if isinstance(project, Unset):
        json_project = UNSET
    else:
        json_project = project
    params["project"] = json_project

    json_scope: None | str | Unset
    if isinstance(scope, Unset):
        json_scope = UNSET
    else:
        json_scope = scope
    params["scope"] = json_scope

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

    json_tag: None | str | Unset
    if isinstance(tag, Unset):
        json_tag = UNSET
    else:
        json_tag = tag
    params["tag"] = json_tag

    json_pinned: bool | None | Unset
    if isinstance(pinned, Unset):
        json_pinned = UNSET
    else:
        json_pinned = pinned
    params["pinned"] = json_pinned

    params["include_superseded"] = include_superseded

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
        "url": "/api/knowledge",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> KnowledgeList | Problem | None:
    if response.status_code == 200:
        response_200 = KnowledgeList.from_dict(response.json())

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
) -> Response[KnowledgeList | Problem]:
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
    scope: None | str | Unset = UNSET,
    kind: ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    pinned: bool | None | Unset = UNSET,
    include_superseded: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[KnowledgeList | Problem]:
    """List knowledge entries, oldest first

    Args:
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        scope (None | str | Unset): `project`: only the project's own entries; `global`: only the
            global ones.
        kind (ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 |
            None | Unset): Only entries of this kind.
        tag (None | str | Unset): Only entries with this tag.
        pinned (bool | None | Unset): Only pinned (or unpinned) entries.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[KnowledgeList | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        scope=scope,
        kind=kind,
        tag=tag,
        pinned=pinned,
        include_superseded=include_superseded,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    kind: ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    pinned: bool | None | Unset = UNSET,
    include_superseded: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> KnowledgeList | Problem | None:
    """List knowledge entries, oldest first

    Args:
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        scope (None | str | Unset): `project`: only the project's own entries; `global`: only the
            global ones.
        kind (ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 |
            None | Unset): Only entries of this kind.
        tag (None | str | Unset): Only entries with this tag.
        pinned (bool | None | Unset): Only pinned (or unpinned) entries.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        KnowledgeList | Problem
    """

    return sync_detailed(
        client=client,
        project=project,
        scope=scope,
        kind=kind,
        tag=tag,
        pinned=pinned,
        include_superseded=include_superseded,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    kind: ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    pinned: bool | None | Unset = UNSET,
    include_superseded: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[KnowledgeList | Problem]:
    """List knowledge entries, oldest first

    Args:
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        scope (None | str | Unset): `project`: only the project's own entries; `global`: only the
            global ones.
        kind (ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 |
            None | Unset): Only entries of this kind.
        tag (None | str | Unset): Only entries with this tag.
        pinned (bool | None | Unset): Only pinned (or unpinned) entries.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[KnowledgeList | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        scope=scope,
        kind=kind,
        tag=tag,
        pinned=pinned,
        include_superseded=include_superseded,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    project: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    kind: ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 | None | Unset = UNSET,
    tag: None | str | Unset = UNSET,
    pinned: bool | None | Unset = UNSET,
    include_superseded: bool | Unset = False,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> KnowledgeList | Problem | None:
    """List knowledge entries, oldest first

    Args:
        project (None | str | Unset): A project's id or slug: its entries and, unless
            `scope=project`, the global ones.
        scope (None | str | Unset): `project`: only the project's own entries; `global`: only the
            global ones.
        kind (ListKnowledgeKindType1 | ListKnowledgeKindType2Type1 | ListKnowledgeKindType3Type1 |
            None | Unset): Only entries of this kind.
        tag (None | str | Unset): Only entries with this tag.
        pinned (bool | None | Unset): Only pinned (or unpinned) entries.
        include_superseded (bool | Unset): Also entries a newer one superseded. Default: False.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        KnowledgeList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            project=project,
            scope=scope,
            kind=kind,
            tag=tag,
            pinned=pinned,
            include_superseded=include_superseded,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
