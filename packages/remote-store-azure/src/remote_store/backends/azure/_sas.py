"""Shareable URLs of the Azure backend (specs/urls.md, URL-009): blob SAS signed with the account key."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from remote_store import Capability, ConfigError
from remote_store.backend_tools import OperationContext, check_url_limit

from ._options import AzureOptions
from ._requests import BlobRequests

__all__ = ["blob_sas_url", "shared_key"]

_LATEST_EXPIRY = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
"""A SAS expiry is an ISO 8601 time: Azure sets no other bound on a SAS signed with the account key."""


def shared_key(options: AzureOptions) -> tuple[str, str] | None:
    """The account name and key the options authenticate with, or ``None`` without an account key."""
    if options.connection_string is not None:
        fields: dict[str, str] = {}
        for item in options.connection_string.split(";"):
            name, sep, value = item.partition("=")
            if sep:
                fields[name.strip().lower()] = value.strip()
        key, account = fields.get("accountkey"), fields.get("accountname")
        return (account, key) if key and account else None
    if options.account_key is None:
        return None
    account = options.account_name or options.url_account_name()
    return (account, options.account_key) if account else None


def blob_sas_url(
    requests: BlobRequests, options: AzureOptions, ctx: OperationContext, expires_in: timedelta, method: str
) -> str:
    """The blob's URL with a service SAS valid ``expires_in``: read for GET, create and write for PUT.

    Signed locally with the account key: no request is sent and the blob need not exist.

    Raises:
        CapabilityNotSupported: the options hold no account key (checked first).
        ValueError: the expiry would fall after the year 9999, naming ``expires_in``.
        StoreClosed: the backend is closed.
        ConfigError: the account key is not base64 (the key is not shown).
    """
    key = shared_key(options)
    if key is None:
        raise ctx.unsupported(Capability.PRESIGNED_URL)
    now = datetime.now(timezone.utc)
    check_url_limit(expires_in, _LATEST_EXPIRY - now, "Azure (a SAS expiry before the year 10000)")
    blob = requests.blob_client(ctx, ctx.path or "")
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    permission: Any = (
        BlobSasPermissions(read=True) if method == "GET" else BlobSasPermissions(create=True, write=True)
    )
    account, secret = key
    try:
        token = generate_blob_sas(
            account,
            blob.container_name,
            blob.blob_name,
            account_key=secret,
            permission=permission,
            expiry=now + expires_in,
        )
    except (ValueError, TypeError) as error:  # binascii.Error is a ValueError
        raise ctx.error(ConfigError, "the account key is not a base64 key") from error
    return f"{blob.url}?{token}"
