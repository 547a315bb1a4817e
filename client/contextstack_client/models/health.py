from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.health_store_type_0 import HealthStoreType0, check_health_store_type_0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.embedding_status import EmbeddingStatus


T = TypeVar("T", bound="Health")


@_attrs_define
class Health:
    """
    Attributes:
        status (Literal['ok']):
        database (str | Unset):
        embeddings (EmbeddingStatus | Unset):
        schema_version (int | Unset):
        store (HealthStoreType0 | Unset):
        version (str | Unset):
    """

    status: Literal["ok"]
    database: str | Unset = UNSET
    embeddings: EmbeddingStatus | Unset = UNSET
    schema_version: int | Unset = UNSET
    store: HealthStoreType0 | Unset = UNSET
    version: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        database: str | Unset
        if isinstance(self.database, Unset):
            database = UNSET
        else:
            database = self.database

        embeddings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.embeddings, Unset):
            embeddings = self.embeddings.to_dict()

        schema_version: int | Unset
        if isinstance(self.schema_version, Unset):
            schema_version = UNSET
        else:
            schema_version = self.schema_version

        store: str | Unset
        if isinstance(self.store, Unset):
            store = UNSET
        else:
            store = self.store

        version: str | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if database is not UNSET:
            field_dict["database"] = database
        if embeddings is not UNSET:
            field_dict["embeddings"] = embeddings
        if schema_version is not UNSET:
            field_dict["schema_version"] = schema_version
        if store is not UNSET:
            field_dict["store"] = store
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.embedding_status import EmbeddingStatus  # noqa: PLC0415

        d = dict(src_dict)
        status = cast(Literal["ok"], d.pop("status"))
        if status != "ok":
            raise ValueError(f"status must match const 'ok', got '{status}'")

        def _parse_database(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        database = _parse_database(d.pop("database", UNSET))

        _embeddings = d.pop("embeddings", UNSET)
        embeddings: EmbeddingStatus | Unset
        if isinstance(_embeddings, Unset):
            embeddings = UNSET
        else:
            embeddings = EmbeddingStatus.from_dict(_embeddings)

        def _parse_schema_version(data: object) -> int | Unset:
            if isinstance(data, Unset):
                return data
            return cast(int | Unset, data)

        schema_version = _parse_schema_version(d.pop("schema_version", UNSET))

        def _parse_store(data: object) -> HealthStoreType0 | Unset:
            if isinstance(data, Unset):
                return data
            if not isinstance(data, str):
                raise TypeError()
            store_type_0 = check_health_store_type_0(data)

            return store_type_0

        store = _parse_store(d.pop("store", UNSET))

        def _parse_version(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        health = cls(
            status=status,
            database=database,
            embeddings=embeddings,
            schema_version=schema_version,
            store=store,
            version=version,
        )

        health.additional_properties = d
        return health

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
