"""The context layer: projects, tracks, phases and steps."""
