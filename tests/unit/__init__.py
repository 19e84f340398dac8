"""Unit tests: a package, so that their module names may repeat the integration tests' (test_generate)."""
