"""Pure helpers shared by channels/ and services/: no database, no reflex, no imports of either
layer (import-linter checks it)."""
