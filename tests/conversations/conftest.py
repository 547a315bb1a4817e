from tests.fakes.fixtures import (
    fake_anthropic,
    fake_anthropic_server,
    fake_openai,
    fake_openai_server,
    no_provider_keys,
    proxy,
    proxy_settings,
)

__all__ = [
    "fake_anthropic",
    "fake_anthropic_server",
    "fake_openai",
    "fake_openai_server",
    "no_provider_keys",
    "proxy",
    "proxy_settings",
]
