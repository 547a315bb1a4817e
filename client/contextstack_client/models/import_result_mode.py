from typing import Literal

ImportResultMode = Literal["new", "replace"]

IMPORT_RESULT_MODE_VALUES: set[ImportResultMode] = {
    "new",
    "replace",
}


def check_import_result_mode(value: str) -> ImportResultMode:
    if value in IMPORT_RESULT_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {IMPORT_RESULT_MODE_VALUES!r}")
