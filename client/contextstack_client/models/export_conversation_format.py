from typing import Literal

ExportConversationFormat = Literal["json", "markdown"]

EXPORT_CONVERSATION_FORMAT_VALUES: set[ExportConversationFormat] = {
    "json",
    "markdown",
}


def check_export_conversation_format(value: str) -> ExportConversationFormat:
    if value in EXPORT_CONVERSATION_FORMAT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXPORT_CONVERSATION_FORMAT_VALUES!r}")
