"""Running: the runner core that `migtest run` and `migtest steps` share, and what it needs to run
the user's commands and the step walk, bounded and interruptible."""
