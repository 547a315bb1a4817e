from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.message_role import MessageRole, check_message_role
from ..models.message_status import MessageStatus, check_message_status

if TYPE_CHECKING:
    from ..models.injected_context import InjectedContext
    from ..models.message_content_type_1_item import MessageContentType1Item
    from ..models.message_tool_calls_type_0_item import MessageToolCallsType0Item
    from ..models.upstream_error import UpstreamError
    from ..models.usage import Usage


T = TypeVar("T", bound="Message")


@_attrs_define
class Message:
    """
    Attributes:
        content (list[MessageContentType1Item] | str):
        context (InjectedContext | None):
        conversation_id (str):
        created_at (str):
        error (None | UpstreamError):
        finish_reason (None | str):
        id (str):
        latency_ms (int | None):
        model (None | str):
        parent_id (None | str):
        provider (None | str):
        role (MessageRole):
        status (MessageStatus):
        tool_calls (list[MessageToolCallsType0Item] | None):
        updated_at (str):
        usage (None | Usage):
        version (int):
    """

    content: list[MessageContentType1Item] | str
    context: InjectedContext | None
    conversation_id: str
    created_at: str
    error: None | UpstreamError
    finish_reason: None | str
    id: str
    latency_ms: int | None
    model: None | str
    parent_id: None | str
    provider: None | str
    role: MessageRole
    status: MessageStatus
    tool_calls: list[MessageToolCallsType0Item] | None
    updated_at: str
    usage: None | Usage
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.injected_context import InjectedContext  # noqa: PLC0415
        from ..models.upstream_error import UpstreamError  # noqa: PLC0415
        from ..models.usage import Usage  # noqa: PLC0415

        content: list[dict[str, Any]] | str
        if isinstance(self.content, list):
            content = []
            for content_type_1_item_data in self.content:
                content_type_1_item = content_type_1_item_data.to_dict()
                content.append(content_type_1_item)

        else:
            content = self.content

        context: dict[str, Any] | None
        if isinstance(self.context, InjectedContext):
            context = self.context.to_dict()
        else:
            context = self.context

        conversation_id = self.conversation_id

        created_at = self.created_at

        error: dict[str, Any] | None
        if isinstance(self.error, UpstreamError):
            error = self.error.to_dict()
        else:
            error = self.error

        finish_reason: None | str
        finish_reason = self.finish_reason

        id = self.id

        latency_ms: int | None
        latency_ms = self.latency_ms

        model: None | str
        model = self.model

        parent_id: None | str
        parent_id = self.parent_id

        provider: None | str
        provider = self.provider

        role: str = self.role

        status: str = self.status

        tool_calls: list[dict[str, Any]] | None
        if isinstance(self.tool_calls, list):
            tool_calls = []
            for tool_calls_type_0_item_data in self.tool_calls:
                tool_calls_type_0_item = tool_calls_type_0_item_data.to_dict()
                tool_calls.append(tool_calls_type_0_item)

        else:
            tool_calls = self.tool_calls

        updated_at = self.updated_at

        usage: dict[str, Any] | None
        if isinstance(self.usage, Usage):
            usage = self.usage.to_dict()
        else:
            usage = self.usage

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
                "context": context,
                "conversation_id": conversation_id,
                "created_at": created_at,
                "error": error,
                "finish_reason": finish_reason,
                "id": id,
                "latency_ms": latency_ms,
                "model": model,
                "parent_id": parent_id,
                "provider": provider,
                "role": role,
                "status": status,
                "tool_calls": tool_calls,
                "updated_at": updated_at,
                "usage": usage,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.injected_context import InjectedContext  # noqa: PLC0415
        from ..models.message_content_type_1_item import MessageContentType1Item  # noqa: PLC0415
        from ..models.message_tool_calls_type_0_item import MessageToolCallsType0Item  # noqa: PLC0415
        from ..models.upstream_error import UpstreamError  # noqa: PLC0415
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_content(data: object) -> list[MessageContentType1Item] | str:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                content_type_1 = []
                _content_type_1 = data
                for content_type_1_item_data in _content_type_1:
                    content_type_1_item = MessageContentType1Item.from_dict(content_type_1_item_data)

                    content_type_1.append(content_type_1_item)

                return content_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[MessageContentType1Item] | str, data)

        content = _parse_content(d.pop("content"))

        def _parse_context(data: object) -> InjectedContext | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = InjectedContext.from_dict(data)

                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InjectedContext | None, data)

        context = _parse_context(d.pop("context"))

        conversation_id = d.pop("conversation_id")

        created_at = d.pop("created_at")

        def _parse_error(data: object) -> None | UpstreamError:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = UpstreamError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UpstreamError, data)

        error = _parse_error(d.pop("error"))

        def _parse_finish_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        finish_reason = _parse_finish_reason(d.pop("finish_reason"))

        id = d.pop("id")

        def _parse_latency_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms"))

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        def _parse_parent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        parent_id = _parse_parent_id(d.pop("parent_id"))

        def _parse_provider(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider = _parse_provider(d.pop("provider"))

        role = check_message_role(d.pop("role"))

        status = check_message_status(d.pop("status"))

        def _parse_tool_calls(data: object) -> list[MessageToolCallsType0Item] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tool_calls_type_0 = []
                _tool_calls_type_0 = data
                for tool_calls_type_0_item_data in _tool_calls_type_0:
                    tool_calls_type_0_item = MessageToolCallsType0Item.from_dict(tool_calls_type_0_item_data)

                    tool_calls_type_0.append(tool_calls_type_0_item)

                return tool_calls_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[MessageToolCallsType0Item] | None, data)

        tool_calls = _parse_tool_calls(d.pop("tool_calls"))

        updated_at = d.pop("updated_at")

        def _parse_usage(data: object) -> None | Usage:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                usage_type_0 = Usage.from_dict(data)

                return usage_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Usage, data)

        usage = _parse_usage(d.pop("usage"))

        version = d.pop("version")

        message = cls(
            content=content,
            context=context,
            conversation_id=conversation_id,
            created_at=created_at,
            error=error,
            finish_reason=finish_reason,
            id=id,
            latency_ms=latency_ms,
            model=model,
            parent_id=parent_id,
            provider=provider,
            role=role,
            status=status,
            tool_calls=tool_calls,
            updated_at=updated_at,
            usage=usage,
            version=version,
        )

        message.additional_properties = d
        return message

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
