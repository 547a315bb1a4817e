"""The memory layer: knowledge entries and their ranked full-text search."""
