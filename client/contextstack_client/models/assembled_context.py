from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.assembled_context_tokenizer import AssembledContextTokenizer, check_assembled_context_tokenizer

if TYPE_CHECKING:
    from ..models.manifest_item import ManifestItem
    from ..models.section_tokens import SectionTokens


T = TypeVar("T", bound="AssembledContext")


@_attrs_define
class AssembledContext:
    """
    Attributes:
        budget (int):
        document (str):
        manifest (list[ManifestItem]):
        project_id (str):
        project_slug (str):
        sections (list[SectionTokens]):
        tokenizer (AssembledContextTokenizer):
        tokens (int):
    """

    budget: int
    document: str
    manifest: list[ManifestItem]
    project_id: str
    project_slug: str
    sections: list[SectionTokens]
    tokenizer: AssembledContextTokenizer
    tokens: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        budget = self.budget

        document = self.document

        manifest = []
        for manifest_item_data in self.manifest:
            manifest_item = manifest_item_data.to_dict()
            manifest.append(manifest_item)

        project_id = self.project_id

        project_slug = self.project_slug

        sections = []
        for sections_item_data in self.sections:
            sections_item = sections_item_data.to_dict()
            sections.append(sections_item)

        tokenizer: str = self.tokenizer

        tokens = self.tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "budget": budget,
                "document": document,
                "manifest": manifest,
                "project_id": project_id,
                "project_slug": project_slug,
                "sections": sections,
                "tokenizer": tokenizer,
                "tokens": tokens,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.manifest_item import ManifestItem  # noqa: PLC0415
        from ..models.section_tokens import SectionTokens  # noqa: PLC0415

        d = dict(src_dict)
        budget = d.pop("budget")

        document = d.pop("document")

        manifest = []
        _manifest = d.pop("manifest")
        for manifest_item_data in _manifest:
            manifest_item = ManifestItem.from_dict(manifest_item_data)

            manifest.append(manifest_item)

        project_id = d.pop("project_id")

        project_slug = d.pop("project_slug")

        sections = []
        _sections = d.pop("sections")
        for sections_item_data in _sections:
            sections_item = SectionTokens.from_dict(sections_item_data)

            sections.append(sections_item)

        tokenizer = check_assembled_context_tokenizer(d.pop("tokenizer"))

        tokens = d.pop("tokens")

        assembled_context = cls(
            budget=budget,
            document=document,
            manifest=manifest,
            project_id=project_id,
            project_slug=project_slug,
            sections=sections,
            tokenizer=tokenizer,
            tokens=tokens,
        )

        assembled_context.additional_properties = d
        return assembled_context

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
