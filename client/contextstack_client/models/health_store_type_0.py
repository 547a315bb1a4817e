from typing import Literal

HealthStoreType0 = Literal["postgresql", "sqlite"]

HEALTH_STORE_TYPE_0_VALUES: set[HealthStoreType0] = {
    "postgresql",
    "sqlite",
}


def check_health_store_type_0(value: str) -> HealthStoreType0:
    if value in HEALTH_STORE_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HEALTH_STORE_TYPE_0_VALUES!r}")
