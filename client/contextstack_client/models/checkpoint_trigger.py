from typing import Literal

CheckpointTrigger = Literal["ai_burst", "delete", "import", "manual", "restore", "undo"]

CHECKPOINT_TRIGGER_VALUES: set[CheckpointTrigger] = {
    "ai_burst",
    "delete",
    "import",
    "manual",
    "restore",
    "undo",
}


def check_checkpoint_trigger(value: str) -> CheckpointTrigger:
    if value in CHECKPOINT_TRIGGER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CHECKPOINT_TRIGGER_VALUES!r}")
