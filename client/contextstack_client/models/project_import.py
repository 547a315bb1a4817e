from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.project_import_mode import ProjectImportMode, check_project_import_mode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.project_import_export import ProjectImportExport


T = TypeVar("T", bound="ProjectImport")


@_attrs_define
class ProjectImport:
    """
    Attributes:
        export (ProjectImportExport): What `GET /api/projects/{project}/export?format=json` answered (a ProjectExport).
        actor (None | str | Unset): Who makes the change: `user`, `api` or `ai:<model>`; overrides X-Contextstack-Actor.
        keep_ids (bool | Unset):  Default: False.
        mode (ProjectImportMode | Unset):  Default: 'new'.
        name (None | str | Unset):
        project (None | str | Unset): The project to replace (id or slug); only with `replace`.
        slug (None | str | Unset): Lowercase letters, digits and dashes; usable wherever a project id is.
    """

    export: ProjectImportExport
    actor: None | str | Unset = UNSET
    keep_ids: bool | Unset = False
    mode: ProjectImportMode | Unset = "new"
    name: None | str | Unset = UNSET
    project: None | str | Unset = UNSET
    slug: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        export = self.export.to_dict()

        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        keep_ids = self.keep_ids

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        project: None | str | Unset
        if isinstance(self.project, Unset):
            project = UNSET
        else:
            project = self.project

        slug: None | str | Unset
        if isinstance(self.slug, Unset):
            slug = UNSET
        else:
            slug = self.slug

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "export": export,
            }
        )
        if actor is not UNSET:
            field_dict["actor"] = actor
        if keep_ids is not UNSET:
            field_dict["keep_ids"] = keep_ids
        if mode is not UNSET:
            field_dict["mode"] = mode
        if name is not UNSET:
            field_dict["name"] = name
        if project is not UNSET:
            field_dict["project"] = project
        if slug is not UNSET:
            field_dict["slug"] = slug

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.project_import_export import ProjectImportExport  # noqa: PLC0415

        d = dict(src_dict)
        export = ProjectImportExport.from_dict(d.pop("export"))

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        keep_ids = d.pop("keep_ids", UNSET)

        _mode = d.pop("mode", UNSET)
        mode: ProjectImportMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = check_project_import_mode(_mode)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_project(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        project = _parse_project(d.pop("project", UNSET))

        def _parse_slug(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        slug = _parse_slug(d.pop("slug", UNSET))

        project_import = cls(
            export=export,
            actor=actor,
            keep_ids=keep_ids,
            mode=mode,
            name=name,
            project=project,
            slug=slug,
        )

        project_import.additional_properties = d
        return project_import

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
