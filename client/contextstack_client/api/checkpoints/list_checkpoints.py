from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkpoint_list import CheckpointList
from ...models.list_checkpoints_trigger_type_1 import ListCheckpointsTriggerType1
from ...models.list_checkpoints_trigger_type_2_type_1 import (
    ListCheckpointsTriggerType2Type1,
)
from ...models.list_checkpoints_trigger_type_3_type_1 import (
    ListCheckpointsTriggerType3Type1,
)
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project: str,
    *,
    trigger: ListCheckpointsTriggerType1
    | ListCheckpointsTriggerType2Type1
    | ListCheckpointsTriggerType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_trigger: None | str | Unset
    if isinstance(trigger, Unset):
        json_trigger = UNSET
    elif isinstance(trigger, str):
        json_trigger = trigger
    elif isinstance(trigger, str):
        json_trigger = trigger
    elif isinstance(trigger, str):
        json_trigger = trigger
    else:
        json_trigger = trigger
    params["trigger"] = json_trigger

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
        "url": "/api/projects/{project}/checkpoints".format(
            project=quote(str(project), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckpointList | Problem | None:
    if response.status_code == 200:
        response_200 = CheckpointList.from_dict(response.json())

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
) -> Response[CheckpointList | Problem]:
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
    trigger: ListCheckpointsTriggerType1
    | ListCheckpointsTriggerType2Type1
    | ListCheckpointsTriggerType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[CheckpointList | Problem]:
    """List a project's checkpoints, newest first

     A deleted project's checkpoints are listed by its id.

    Args:
        project (str):
        trigger (ListCheckpointsTriggerType1 | ListCheckpointsTriggerType2Type1 |
            ListCheckpointsTriggerType3Type1 | None | Unset): Only checkpoints taken so.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointList | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        trigger=trigger,
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
    trigger: ListCheckpointsTriggerType1
    | ListCheckpointsTriggerType2Type1
    | ListCheckpointsTriggerType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> CheckpointList | Problem | None:
    """List a project's checkpoints, newest first

     A deleted project's checkpoints are listed by its id.

    Args:
        project (str):
        trigger (ListCheckpointsTriggerType1 | ListCheckpointsTriggerType2Type1 |
            ListCheckpointsTriggerType3Type1 | None | Unset): Only checkpoints taken so.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointList | Problem
    """

    return sync_detailed(
        project=project,
        client=client,
        trigger=trigger,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    trigger: ListCheckpointsTriggerType1
    | ListCheckpointsTriggerType2Type1
    | ListCheckpointsTriggerType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[CheckpointList | Problem]:
    """List a project's checkpoints, newest first

     A deleted project's checkpoints are listed by its id.

    Args:
        project (str):
        trigger (ListCheckpointsTriggerType1 | ListCheckpointsTriggerType2Type1 |
            ListCheckpointsTriggerType3Type1 | None | Unset): Only checkpoints taken so.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckpointList | Problem]
    """

    kwargs = _get_kwargs(
        project=project,
        trigger=trigger,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project: str,
    *,
    client: AuthenticatedClient | Client,
    trigger: ListCheckpointsTriggerType1
    | ListCheckpointsTriggerType2Type1
    | ListCheckpointsTriggerType3Type1
    | None
    | Unset = UNSET,
    cursor: None | str | Unset = UNSET,
    limit: int | Unset = 50,
) -> CheckpointList | Problem | None:
    """List a project's checkpoints, newest first

     A deleted project's checkpoints are listed by its id.

    Args:
        project (str):
        trigger (ListCheckpointsTriggerType1 | ListCheckpointsTriggerType2Type1 |
            ListCheckpointsTriggerType3Type1 | None | Unset): Only checkpoints taken so.
        cursor (None | str | Unset): `next_cursor` of the previous page.
        limit (int | Unset): Items per page. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckpointList | Problem
    """

    return (
        await asyncio_detailed(
            project=project,
            client=client,
            trigger=trigger,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
