from typing import Literal

AssembledContextTokenizer = Literal["cl100k_base", "estimate"]

ASSEMBLED_CONTEXT_TOKENIZER_VALUES: set[AssembledContextTokenizer] = {
    "cl100k_base",
    "estimate",
}


def check_assembled_context_tokenizer(value: str) -> AssembledContextTokenizer:
    if value in ASSEMBLED_CONTEXT_TOKENIZER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ASSEMBLED_CONTEXT_TOKENIZER_VALUES!r}")
