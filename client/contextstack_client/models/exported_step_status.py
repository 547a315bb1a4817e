from typing import Literal

ExportedStepStatus = Literal["blocked", "done", "in_progress", "todo"]

EXPORTED_STEP_STATUS_VALUES: set[ExportedStepStatus] = {
    "blocked",
    "done",
    "in_progress",
    "todo",
}


def check_exported_step_status(value: str) -> ExportedStepStatus:
    if value in EXPORTED_STEP_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXPORTED_STEP_STATUS_VALUES!r}")
