"""Shared fixtures. Layers: tests/core (pure functions), tests/web (real server), tests/e2e (browser)."""
import os

# Argon2's cheapest parameters: the suite signs in thousands of times (still Argon2id; production
# refuses this setting). Set before the application is imported: the hasher is made on import.
os.environ.setdefault("INTERVIEWBOT_CHEAP_HASHING", "1")
