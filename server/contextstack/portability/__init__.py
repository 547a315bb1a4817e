"""Export a project and import it back."""
