from typing import Literal

ListCheckpointsTriggerType2Type1 = Literal["ai_burst", "delete", "import", "manual", "restore", "undo"]

LIST_CHECKPOINTS_TRIGGER_TYPE_2_TYPE_1_VALUES: set[ListCheckpointsTriggerType2Type1] = {
    "ai_burst",
    "delete",
    "import",
    "manual",
    "restore",
    "undo",
}


def check_list_checkpoints_trigger_type_2_type_1(value: str) -> ListCheckpointsTriggerType2Type1:
    if value in LIST_CHECKPOINTS_TRIGGER_TYPE_2_TYPE_1_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_CHECKPOINTS_TRIGGER_TYPE_2_TYPE_1_VALUES!r}")
