"""Checkpoints: snapshot a project, see what changed, restore it, undo what an AI did."""
