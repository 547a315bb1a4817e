from typing import Literal

StatusChangeStatus = Literal["blocked", "done", "in_progress", "todo"]

STATUS_CHANGE_STATUS_VALUES: set[StatusChangeStatus] = {
    "blocked",
    "done",
    "in_progress",
    "todo",
}


def check_status_change_status(value: str) -> StatusChangeStatus:
    if value in STATUS_CHANGE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STATUS_CHANGE_STATUS_VALUES!r}")
