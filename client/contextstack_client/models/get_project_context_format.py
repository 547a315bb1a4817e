from typing import Literal

GetProjectContextFormat = Literal["json", "markdown"]

GET_PROJECT_CONTEXT_FORMAT_VALUES: set[GetProjectContextFormat] = {
    "json",
    "markdown",
}


def check_get_project_context_format(value: str) -> GetProjectContextFormat:
    if value in GET_PROJECT_CONTEXT_FORMAT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_PROJECT_CONTEXT_FORMAT_VALUES!r}")
