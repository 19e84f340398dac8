"""Names migtest derives from version, scenario and test names (files, databases, images).

Each target allows only some characters and lengths. Replacing the others is not enough: Greek
alpha and beta, `A` and `a`, `1.0` and `1_0` would all meet in one name, and two versions would
then share a database or an image. So whenever the safe form loses anything (a character
replaced, a case folded, a length cut), a short digest of the original name is appended:
different names stay different names (a name kept as it is could meet a changed one only by
ending in that one's digest).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

DIGEST_LENGTH = 8
EDGES = "._-"  # never first or last: Docker and some shells dislike a name that starts with one


@dataclass(frozen=True)
class Alphabet:
    allowed: str  # a regular expression character class, without its brackets
    separator: str  # what stands for a run of other characters, and before the digest
    lower: bool = False


FILE = Alphabet("a-z0-9._-", "_", lower=True)  # lowercase: `A.db` and `a.db` are one file on macOS
DATABASE = Alphabet("a-z0-9_", "_", lower=True)  # an identifier no engine quotes or case-folds differently
IMAGE_REPOSITORY = Alphabet("a-z0-9", "-", lower=True)  # Docker's repository component grammar, kept simple
FILE_LENGTH = 100  # well inside any file system's 255 bytes, with room for a suffix


def safe_name(name: str, alphabet: Alphabet = FILE, max_length: int = FILE_LENGTH) -> str:
    """`name` in `alphabet` and at most `max_length` characters, the same name only for the same `name`."""
    if max_length <= DIGEST_LENGTH:
        raise ValueError(f"a name of at most {max_length} characters has no room for its digest")
    folded = name.lower() if alphabet.lower else name
    safe = re.sub(f"[^{alphabet.allowed}]+", alphabet.separator, folded).strip(EDGES)
    if safe and safe == name and len(safe) <= max_length:
        return safe
    digest = hashlib.sha256(name.encode(errors="surrogatepass")).hexdigest()[:DIGEST_LENGTH]
    head = safe[: max_length - DIGEST_LENGTH - len(alphabet.separator)].rstrip(EDGES)
    return f"{head}{alphabet.separator}{digest}" if head else digest
