"""What a command would need a shell for, and placeholders migtest does not fill.

migtest runs commands as argument lists, without a shell (no quoting surprises, no injection
through placeholders). Shell syntax in such a command is passed to the first program as
arguments and fails with that program's own, cryptic error; so does a `{name}` migtest does not
fill (a typo of `{database_url}`, or an invented `{root}`), left in the command as it is. Found at
load time, each is a configuration error that says how to write the command instead.
"""

from __future__ import annotations

import re
import shlex

# Longest first, so `2>&1` is named rather than `>`, and `&&` rather than `&`.
OPERATORS = ("2>&1", "&&", "||", ">>", "$(", "${", "|", ";", ">", "<", "&", "`")
VARIABLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# What any command's placeholders are filled with (sources.Workspace.placeholders, setup's
# {project}); `{database_url:<driver>}` is checked against the engine's drivers elsewhere.
FILLED = ("database_url", "database_dsn", "target", "version", "env", "project")


def shell_syntax(command: str) -> str | None:
    """The first shell operator outside quotes (`a && b`, `x > out`, `$(date)`, `$HOME`), or None.

    Inside quotes an operator is part of one literal argument (`sh -c 'a && b'` is fine); a
    backslash escapes the character after it, as in the shell and in shlex.split."""
    quote = ""
    index = 0
    while index < len(command):
        char = command[index]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                index += 1
        elif char in "'\"":
            quote = char
        elif char == "\\":
            index += 1
        else:
            found = _operator_at(command, index)
            if found:
                return found
        index += 1
    return None


def _operator_at(command: str, index: int) -> str | None:
    rest = command[index:]
    if VARIABLE.match(rest):
        return VARIABLE.match(rest)[0]
    return next((operator for operator in OPERATORS if rest.startswith(operator)), None)


def command_problem(command: str) -> str | None:
    """Why the command cannot run as an argument list, and how to write it; None when it can."""
    try:
        shlex.split(command)
    except ValueError as exc:
        return f"cannot be split into arguments ({str(exc).lower()}): close the quote or escape it"
    unknown = [name for name in PLACEHOLDER.findall(command) if name not in FILLED]
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in FILLED)
        return f"{{{unknown[0]}}} is no placeholder migtest fills; it fills {known} and {{database_url:<driver>}}"
    operator = shell_syntax(command)
    if operator is None:
        return None
    return (
        f"'{operator}' is shell syntax, but commands run without a shell (the program would get "
        f"'{operator}' as an argument); write it as: sh -c {shlex.quote(command)}"
    )
