from typing import Literal

ListProjectsStatusType2Type1 = Literal["active", "archived"]

LIST_PROJECTS_STATUS_TYPE_2_TYPE_1_VALUES: set[ListProjectsStatusType2Type1] = {
    "active",
    "archived",
}


def check_list_projects_status_type_2_type_1(value: str) -> ListProjectsStatusType2Type1:
    if value in LIST_PROJECTS_STATUS_TYPE_2_TYPE_1_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_PROJECTS_STATUS_TYPE_2_TYPE_1_VALUES!r}")
