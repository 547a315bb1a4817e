"""The OpenAI-compatible proxy: `/v1` and `/p/{project}/v1`, with the project's context injected."""
