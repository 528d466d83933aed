"""Small pure helpers shared by channels and services (no database, no I/O)."""
