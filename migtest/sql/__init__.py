"""SQL text users write (migrations, seeds, declared conditions), split and run exactly as written,
within time limits."""
