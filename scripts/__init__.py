"""Scripts of the repository (run as files; the import contracts are imported by lint-imports)."""
