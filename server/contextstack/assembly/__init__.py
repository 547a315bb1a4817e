"""Context assembly: a project turned into the document every model starts from."""
