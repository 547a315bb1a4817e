"""Stored conversations and messages, the native chat endpoint, and usage."""
