from typing import Literal

LocatedStepStatus = Literal["blocked", "done", "in_progress", "todo"]

LOCATED_STEP_STATUS_VALUES: set[LocatedStepStatus] = {
    "blocked",
    "done",
    "in_progress",
    "todo",
}


def check_located_step_status(value: str) -> LocatedStepStatus:
    if value in LOCATED_STEP_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LOCATED_STEP_STATUS_VALUES!r}")
