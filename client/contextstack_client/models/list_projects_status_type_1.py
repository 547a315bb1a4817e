from typing import Literal

ListProjectsStatusType1 = Literal["active", "archived"]

LIST_PROJECTS_STATUS_TYPE_1_VALUES: set[ListProjectsStatusType1] = {
    "active",
    "archived",
}


def check_list_projects_status_type_1(value: str) -> ListProjectsStatusType1:
    if value in LIST_PROJECTS_STATUS_TYPE_1_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_PROJECTS_STATUS_TYPE_1_VALUES!r}")
