"""The event log read back: a project's activity, and live events over Server-Sent Events with resume."""
