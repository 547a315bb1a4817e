"""The documentation keeps up with the code it describes."""

from __future__ import annotations

from pathlib import Path

import msgspec

from contextstack.settings import ENV_FIELDS, ENV_PREFIX, Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_configuration_reference_names_every_setting_and_variable() -> None:
    page = (DOCS / "configuration.md").read_text()
    for field in msgspec.structs.fields(Settings):
        assert f"| `{field.name}` |" in page, f"docs/configuration.md does not describe `{field.name}`"
    for name in ENV_FIELDS:
        assert f"`{ENV_PREFIX}{name.upper()}`" in page
