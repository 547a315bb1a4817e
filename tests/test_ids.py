from __future__ import annotations

import pytest

from contextstack.ids import PREFIXES, Prefix, id_prefix, is_id, new_id


@pytest.mark.parametrize("prefix", PREFIXES)
def test_ids_carry_their_prefix(prefix: Prefix) -> None:
    value = new_id(prefix)
    assert id_prefix(value) == prefix
    assert is_id(value, prefix)


def test_ids_sort_in_creation_order_even_within_a_millisecond() -> None:
    made = [new_id("stp") for _ in range(5000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_foreign_strings_are_not_ids() -> None:
    assert not is_id("prj_short", "prj")
    assert not is_id(new_id("stp"), "prj")
    assert not is_id("my-project", "prj")
