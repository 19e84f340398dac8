"""The migtest image's entrypoint. With arguments, or outside GitHub Actions, they are migtest's
(`docker run ... migtest-image run --jobs 4`; none means `run`); as a GitHub Action (no
arguments, GITHUB_ACTIONS=true) the action's inputs, INPUT_* variables, say what to run."""

import sys

from migtest.commands.action import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
