from typing import Literal

GetUsageGroup = Literal["day", "model", "project"]

GET_USAGE_GROUP_VALUES: set[GetUsageGroup] = {
    "day",
    "model",
    "project",
}


def check_get_usage_group(value: str) -> GetUsageGroup:
    if value in GET_USAGE_GROUP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_USAGE_GROUP_VALUES!r}")
