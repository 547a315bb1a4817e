from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

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
        matched (list[str] | Unset):
    """

    entry: KnowledgeEntry
    score: float
    snippet: str
    title_highlight: str
    matched: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        entry = self.entry.to_dict()

        score = self.score

        snippet = self.snippet

        title_highlight = self.title_highlight

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

        matched = cast(list[str], d.pop("matched", UNSET))

        knowledge_hit = cls(
            entry=entry,
            score=score,
            snippet=snippet,
            title_highlight=title_highlight,
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
