"""Small bodies sent without waiting for ``100 Continue`` (S3-041).

botocore sends every request whose body is a file (as every PutObject's body becomes) with
``Expect: 100-continue`` and holds the body back until the server answers ``100 Continue``: one
more round trip, and one more wake-up of the server, per request. For a large body the wait pays:
a refused request (a 403, a 412 of ``If-None-Match``) costs no upload. For a body of at most
``SMALL_BODY`` bytes the round trip costs more than the bytes it could spare, so the header comes
off again, after botocore's handler added it, on the backend's own client only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SMALL_BODY", "install"]

SMALL_BODY = 1024 * 1024
"""The largest body sent at once, without ``Expect: 100-continue``."""

_EVENT = "before-call.s3"


def _send_at_once(params: dict[str, Any], **_: Any) -> None:
    """``before-call`` handler: drop ``Expect: 100-continue`` from a request with a small body."""
    headers = params.get("headers")
    if not headers or headers.get("Expect") != "100-continue":
        return
    from botocore.utils import determine_content_length

    length = determine_content_length(params.get("body"))
    if length is not None and length <= SMALL_BODY:
        del headers["Expect"]


def install(events: Any) -> None:
    """Make the client whose event system is ``events`` send bodies of at most ``SMALL_BODY`` at once.

    botocore adds the header in a handler of ``before-call.s3``; this one is registered there
    last, so that it runs after it.
    """
    events.register_last(_EVENT, _send_at_once, unique_id="remote-store-s3-small-bodies")
