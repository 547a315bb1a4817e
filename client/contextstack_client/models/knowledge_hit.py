from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.knowledge_hit_found_by_item import KnowledgeHitFoundByItem, check_knowledge_hit_found_by_item
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.knowledge_entry import KnowledgeEntry


T = TypeVar("T", bound="KnowledgeHit")


@_attrs_define
class KnowledgeHit:
    """
    Attributes:
        entry (KnowledgeEntry):
        score (float):
        snippet (str):
        title_highlight (str):
        found_by (list[KnowledgeHitFoundByItem] | Unset):
        matched (list[str] | Unset):
    """

    entry: KnowledgeEntry
    score: float
    snippet: str
    title_highlight: str
    found_by: list[KnowledgeHitFoundByItem] | Unset = UNSET
    matched: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        entry = self.entry.to_dict()

        score = self.score

        snippet = self.snippet

        title_highlight = self.title_highlight

        found_by: list[str] | Unset = UNSET
        if not isinstance(self.found_by, Unset):
            found_by = []
            for found_by_item_data in self.found_by:
                found_by_item: str = found_by_item_data
                found_by.append(found_by_item)

        matched: list[str] | Unset = UNSET
        if not isinstance(self.matched, Unset):
            matched = self.matched

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "entry": entry,
                "score": score,
                "snippet": snippet,
                "title_highlight": title_highlight,
            }
        )
        if found_by is not UNSET:
            field_dict["found_by"] = found_by
        if matched is not UNSET:
            field_dict["matched"] = matched

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.knowledge_entry import KnowledgeEntry  # noqa: PLC0415

        d = dict(src_dict)
        entry = KnowledgeEntry.from_dict(d.pop("entry"))

        score = d.pop("score")

        snippet = d.pop("snippet")

        title_highlight = d.pop("title_highlight")

        _found_by = d.pop("found_by", UNSET)
        found_by: list[KnowledgeHitFoundByItem] | Unset = UNSET
        if _found_by is not UNSET:
            found_by = []
            for found_by_item_data in _found_by:
                found_by_item = check_knowledge_hit_found_by_item(found_by_item_data)

                found_by.append(found_by_item)

        matched = cast(list[str], d.pop("matched", UNSET))

        knowledge_hit = cls(
            entry=entry,
            score=score,
            snippet=snippet,
            title_highlight=title_highlight,
            found_by=found_by,
            matched=matched,
        )

        knowledge_hit.additional_properties = d
        return knowledge_hit

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
