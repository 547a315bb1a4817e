from typing import Literal

ExportProjectFormat = Literal["agents-md", "json"]

EXPORT_PROJECT_FORMAT_VALUES: set[ExportProjectFormat] = {
    "agents-md",
    "json",
}


def check_export_project_format(value: str) -> ExportProjectFormat:
    if value in EXPORT_PROJECT_FORMAT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXPORT_PROJECT_FORMAT_VALUES!r}")
