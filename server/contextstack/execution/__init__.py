"""The execution layer: step status, its rules, and "where am I"."""
