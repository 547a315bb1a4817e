"""Model names to targets: `provider/model`, then aliases from the config file, then the default provider."""

from __future__ import annotations

from collections.abc import Mapping

from contextstack.errors import ConfigError
from contextstack.providers.errors import ProviderError, unknown_model
from contextstack.providers.models import Target
from contextstack.providers.registry import Provider


class ModelRoutes:
    """Resolves the `model` of a request to the models to try, in order."""

    def __init__(
        self,
        providers: Mapping[str, Provider],
        aliases: Mapping[str, str | list[str]],
        default_model: str | None,
    ) -> None:
        self._providers = providers
        self.aliases: dict[str, list[Target]] = {}
        for alias, targets in aliases.items():
            names = [targets] if isinstance(targets, str) else targets
            if not names:
                raise ConfigError(f"alias {alias!r} lists no models")
            self.aliases[alias] = [self._configured(name, f"alias {alias!r}") for name in names]
        self.default = self._default_targets(default_model)
        # Plain model names go to the provider of the default model (the first, for an alias).
        self._default_provider = self.default[0].provider if self.default else None
        # Plain `claude-…` names (what Claude Code and the anthropic SDK send) go to an Anthropic-kind provider.
        self._anthropic_provider = _anthropic_provider(providers)

    def _default_targets(self, default_model: str | None) -> list[Target]:
        if not default_model:
            return []
        if default_model in self.aliases:
            return self.aliases[default_model]
        return [self._configured(default_model, "default_model")]

    def _configured(self, name: str, where: str) -> Target:
        target = self._explicit(name)
        if target is None:
            raise ConfigError(f"{where}: {name!r} is not `provider/model` with a known provider")
        return target

    def _explicit(self, name: str) -> Target | None:
        provider, slash, model = name.partition("/")
        if slash and model and provider in self._providers:
            return Target(provider, model)
        return None

    def resolve(self, model: str | None) -> list[Target]:
        """The models to try for a request's `model`: one, or an alias's list for fallback."""
        if not model:
            if self.default:
                return self.default
            raise ProviderError(
                400,
                "The request has no `model`, and no default_model is configured.",
                code="missing_model",
                param="model",
            )
        targets = self.aliases.get(model)
        if targets is not None:
            return targets
        target = self._explicit(model)
        if target is not None:
            return [target]
        if model.startswith("claude-") and self._anthropic_provider is not None:
            return [Target(self._anthropic_provider, model)]
        if self._default_provider is not None:
            return [Target(self._default_provider, model)]
        raise unknown_model(
            model,
            "name it as `provider/model` (providers: "
            + ", ".join(sorted(self._providers))
            + "), or configure an alias or a default_model.",
        )


def _anthropic_provider(providers: Mapping[str, Provider]) -> str | None:
    """The Anthropic-kind provider plain `claude-…` names go to: a usable one the config file sets up, else a
    usable preset, else the `anthropic` preset (whose error then says which key to set)."""
    anthropic = [provider for provider in providers.values() if provider.kind == "anthropic"]
    ranked = sorted(anthropic, key=lambda p: (not p.usable, not p.configured, p.name != "anthropic", p.name))
    return ranked[0].name if ranked else None
