"""Talk to a release's REST API: seed objects through it, then read every page back to verify them.

`client` sends (headers, auth, login, captured values) and reads listings; `pages` knows where the
next page is; `seeded` what a seeded object looks like read back; `matching` which ones a listing
holds, and the nearest item to one it lacks.
"""

from migtest.http_api.client import ApiClient, Exchange
from migtest.http_api.matching import missing_evidence, unmatched
from migtest.http_api.seeded import expected_objects, seeded_objects

__all__ = ["ApiClient", "Exchange", "expected_objects", "missing_evidence", "seeded_objects", "unmatched"]
