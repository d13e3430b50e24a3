"""Shared fixtures. Layers: tests/core (pure functions), tests/web (real server), tests/e2e (browser)."""
