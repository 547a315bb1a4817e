from typing import Literal

ProjectUpdateStatusType0 = Literal["active", "archived"]

PROJECT_UPDATE_STATUS_TYPE_0_VALUES: set[ProjectUpdateStatusType0] = {
    "active",
    "archived",
}


def check_project_update_status_type_0(value: str) -> ProjectUpdateStatusType0:
    if value in PROJECT_UPDATE_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PROJECT_UPDATE_STATUS_TYPE_0_VALUES!r}")
