from tests.fakes.fixtures import fake_anthropic, fake_openai, no_provider_keys, proxy, proxy_settings

__all__ = ["fake_anthropic", "fake_openai", "no_provider_keys", "proxy", "proxy_settings"]
