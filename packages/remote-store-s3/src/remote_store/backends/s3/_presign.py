"""Presigned URLs of the S3 backend (specs/urls.md, URL-008): botocore signs, nothing is sent."""

from __future__ import annotations

from datetime import timedelta

from remote_store.backend_tools import OperationContext, check_url_limit

from ._client import BucketClient

__all__ = ["MAX_EXPIRY", "presigned_url"]

MAX_EXPIRY = timedelta(days=7)
"""SigV4 query signing's longest ``X-Amz-Expires`` (604,800 s)."""

_CLIENT_METHODS = {"GET": "get_object", "PUT": "put_object"}


def presigned_url(
    requests: BucketClient, context: OperationContext, expires_in: timedelta, method: str
) -> str:
    """A SigV4 query-signed URL for ``method`` on the key ``context.path``, valid ``expires_in``.

    Signed on the backend's own client (endpoint, region, addressing style, credentials); no
    request is sent and the key need not exist.

    Raises:
        ValueError: ``expires_in`` is longer than 7 days, naming ``expires_in`` (before anything).
        StoreClosed: the backend is closed.
        ConfigError: no credentials could be found to sign with.
    """
    check_url_limit(expires_in, MAX_EXPIRY, "S3 (SigV4)")
    client = requests.client(context)
    with requests.mapped(context):
        return client.generate_presigned_url(
            _CLIENT_METHODS[method],
            Params={"Bucket": requests.bucket, "Key": context.path},
            ExpiresIn=int(expires_in.total_seconds()),
            HttpMethod=method,
        )
