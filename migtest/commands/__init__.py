"""The ways in besides `migtest run`: `init`, `cleanup`, `merge`, the GitHub Action and the pytest
plugin."""
