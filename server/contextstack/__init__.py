"""Contextstack: a local-first daemon that keeps a person's context and hands it to any model."""

__version__ = "0.1.0"
