from typing import Literal

ModelInfoSource = Literal["alias", "configured", "listed"]

MODEL_INFO_SOURCE_VALUES: set[ModelInfoSource] = {
    "alias",
    "configured",
    "listed",
}


def check_model_info_source(value: str) -> ModelInfoSource:
    if value in MODEL_INFO_SOURCE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MODEL_INFO_SOURCE_VALUES!r}")
