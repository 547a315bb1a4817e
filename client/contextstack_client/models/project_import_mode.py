from typing import Literal

ProjectImportMode = Literal["new", "replace"]

PROJECT_IMPORT_MODE_VALUES: set[ProjectImportMode] = {
    "new",
    "replace",
}


def check_project_import_mode(value: str) -> ProjectImportMode:
    if value in PROJECT_IMPORT_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PROJECT_IMPORT_MODE_VALUES!r}")
