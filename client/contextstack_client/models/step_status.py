from typing import Literal

StepStatus = Literal["blocked", "done", "in_progress", "todo"]

STEP_STATUS_VALUES: set[StepStatus] = {
    "blocked",
    "done",
    "in_progress",
    "todo",
}


def check_step_status(value: str) -> StepStatus:
    if value in STEP_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STEP_STATUS_VALUES!r}")
