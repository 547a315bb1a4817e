from typing import Literal

ExportedProjectStatus = Literal["active", "archived"]

EXPORTED_PROJECT_STATUS_VALUES: set[ExportedProjectStatus] = {
    "active",
    "archived",
}


def check_exported_project_status(value: str) -> ExportedProjectStatus:
    if value in EXPORTED_PROJECT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXPORTED_PROJECT_STATUS_VALUES!r}")
