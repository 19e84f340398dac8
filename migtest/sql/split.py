"""SQL text cut into statements exactly as `sqlparse.split` cuts it, at a fraction of its cost.

sqlparse lexes every token in Python, trying its regexes one by one (about 2.5 s per MB: a big seed
file would spend minutes there). Here the same regexes, in the same order, are one pattern that
skips in one C-level match every token that cannot end or nest a statement, so Python sees only
`;`, parentheses (sqlparse nests statements in them), dollar quotes and the words that open or
close sqlparse's blocks. A statement holding one of those words (a trigger's or a function's
BEGIN...END, a CASE's END, DECLARE, GO) is handed to sqlparse itself, so the statements are
sqlparse's either way (tests/unit/test_sql_split.py compares the two on generated SQL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlparse import keywords
from sqlparse import tokens as T
from sqlparse.engine import StatementSplitter
from sqlparse.lexer import Lexer

FLAGS = re.IGNORECASE | re.UNICODE
# Words by which sqlparse's splitter changes its nesting level, beside parentheses: BEGIN and
# DECLARE open blocks (and within them IF, CASE, LOOP...), END closes one, GO ends a statement.
BLOCK_WORDS = r"(?:BEGIN|DECLARE|END|GO)\b"
NESTING = "();"
# A dollar quote's opening tag, as sqlparse finds them (it then looks for the same tag, case included).
DOLLAR = r"\$(?<![\w\"$]\$)(?:[_A-ZÀ-Ü]\w*)?\$"
OPENING_TAG = re.compile(DOLLAR, FLAGS)
# The words of sqlparse's regexes that take more than a word (JOIN's, ORDER BY, NOT NULL, AT TIME
# ZONE...): a word that is none of them, nor a block word, is lexed as the word it is.
MULTIWORD = {word for regex, _ttype in keywords.SQL_REGEX if r"\s" in regex for word in re.findall("[A-Z]{2,}", regex)}
# The tokens seed files are mostly made of, where each starts either only one of sqlparse's regexes
# matches or all that do give the same token, so they can come first: a string, a comma, an integer
# (not hex, a float or a word such as 1a), a word (not followed by what words can take: $ or #),
# not a block word and either none of MULTIWORD or not followed by another word or a quote.
WORD = r"[^\W\d]\w*(?![\w$#])"
COMMON = [
    r"'(?:''|\\'|[^'])*'",
    ",",
    r"\d+(?![\w.$#])",
    rf"(?!{BLOCK_WORDS})(?:(?!(?:{'|'.join(sorted(MULTIWORD))})\b){WORD}|{WORD}(?!\s*[\w']))",
]


def _non_capturing(regex: str) -> str:
    """The regex with its groups made non-capturing (outside character classes): a capture in a
    repeated group makes Python's regex engine slow, and wrong when the repeat is possessive."""
    out, escaped, in_class = [], False, False
    for index, char in enumerate(regex):
        out.append(char)
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "(" and not in_class and regex[index + 1 : index + 2] != "?":
            out.append("?:")
    return "".join(out)


def _boring(regex: str, ttype: object) -> str | None:
    """One of sqlparse's token regexes, kept from matching where a token matters to splitting."""
    regex = _non_capturing(regex)
    if ttype is keywords.PROCESS_AS_KEYWORD or ttype in T.Keyword:
        return f"(?!{BLOCK_WORDS})(?:{regex})"
    if ttype is T.Literal or ttype in T.Comment.Multiline:
        return None  # dollar quotes and /* comments (older sqlparse lexes them by regex), see SKIP
    if ttype is T.Punctuation:
        return f"(?![{re.escape(NESTING)}])(?:{regex})"
    return f"(?:{regex})"


# Before its regexes the lexer looks for dollar quotes (Python finds their end) and /* comments,
# closed by the first */ after them. Then whitespace runs (tokens of their own, none matters), the
# common tokens, sqlparse's regexes in its order, and any other character (an error token).
TOKEN = (
    f"(?![{re.escape(NESTING)}]|{DOLLAR})(?:"
    + "|".join(
        [
            r"/\*[\s\S]*?\*/",
            r"\s+",
            *COMMON,
            *filter(None, (_boring(regex, ttype) for regex, ttype in keywords.SQL_REGEX)),
            rf"[^{re.escape(NESTING)}\w]",
        ]
    )
    + ")"
)
# Such tokens, and parentheses holding only such tokens (a row of an INSERT): they leave sqlparse's
# level as it was.
SKIP = re.compile(rf"(?:\((?:{TOKEN})*+\)|{TOKEN})*+", FLAGS)
# What sqlparse keeps with a statement after its `;`: spaces and `--` comments up to the line's end.
TAIL = re.compile(r"(?:(?![\r\n])\s|(?!(?:--|# )\+)(?:--|# ).*?(?:\r\n|\r|\n|$))*+", FLAGS)
TOKENS = [re.compile(regex, FLAGS).match for regex, _ttype in keywords.SQL_REGEX]


def split(text: str) -> list[str]:
    """What `sqlparse.split(text)` returns: each statement stripped, with its `;`."""
    return [text[start:end].strip() for start, end in spans(text)]


def spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each statement `split` returns starts and ends in `text` (before stripping)."""
    start = level = 0
    position, char = _next_stop(text, 0)
    while char:
        if char == "(":
            level += 1
        elif char == ")":
            level -= 1
        elif char == "w":
            ends = _by_sqlparse(text, start)
            yield from ends
            start = position = ends[-1][1]
            level = 0
        elif level <= 0:
            end = TAIL.match(text, position).end()
            yield start, end
            start = position = end
            level = 0
        position, char = _next_stop(text, position)
    if text[start:].strip():
        yield start, len(text)


def _next_stop(text: str, position: int) -> tuple[int, str]:
    """From a token's start, the offset after the next `(`, `)` or `;` token and that character;
    at a block word, its offset and "w"; at the text's end, its length and ""."""
    size = len(text)
    while True:
        position = SKIP.match(text, position).end()
        if position == size:
            return size, ""
        char = text[position]
        if char in NESTING:
            return position + 1, char
        if char != "$":
            return position, "w"
        tag = OPENING_TAG.match(text, position)[0]
        closing = text.find(tag, position + len(tag))
        position = closing + len(tag) if closing >= 0 else _token_end(text, position)


def _token_end(text: str, position: int) -> int:
    """Where the token at `position` ends, as the first of sqlparse's regexes that matches there
    says (`END IF` is one token, `BEGIN#` one and `END# x` two), or the character alone."""
    return next((match.end() for match in (token(text, position) for token in TOKENS) if match), position + 1)


def _by_sqlparse(text: str, start: int) -> list[tuple[int, int]]:
    """The statements sqlparse makes of `text` from `start` (where one begins) up to the first
    that ends after a `;` (with its tail) or the text's end. sqlparse is given the text up to a
    `;` that ends a token (so every token before it is lexed as in the whole text), twice as many
    `;` further each time its last statement is still open there."""
    cut, semicolons = start, 1
    while True:
        cut = _after_semicolons(text, cut, semicolons)
        splitter = StatementSplitter()
        lexed = Lexer.get_default_instance().get_tokens(text[start:cut])
        lengths = [len(str(statement)) for statement in splitter.process(lexed)]
        if cut == len(text) or splitter.consume_ws:
            break
        semicolons *= 2
    spans, offset = [], start
    for length in lengths:
        spans.append((offset, offset + length))
        offset += length
    if cut < len(text):
        spans[-1] = (spans[-1][0], TAIL.match(text, cut).end())
    return spans


def _after_semicolons(text: str, position: int, count: int) -> int:
    """The offset after the `count`th `;` token from `position` (a token's start), or the text's end."""
    while count:
        position, char = _next_stop(text, position)
        if not char:
            break
        if char == "w":
            position = _token_end(text, position)
        count -= char == ";"
    return position
