"""Small object requests sent past botocore's per-request pipeline (S3-042 to S3-046).

A PutObject of a small body, a GetObject, a HeadObject or a DeleteObject costs botocore about
1 ms of client CPU: parameter validation, serialization from the service model, endpoint-ruleset
resolution, a dozen event hooks, the user-agent string, signing, and the parsing of the answer
through the shape model. Against a local server that CPU is most of the call. ``DirectRequests``
sends these four requests itself and keeps from botocore what decides correctness:

- the credentials: the client's own, asked for frozen values on every try (refreshable
  credentials refresh as botocore refreshes them);
- the signature: ``botocore.auth.S3SigV4Auth`` with the client's config in the request's context,
  so the payload hash (``x-amz-content-sha256``) follows botocore's rules for ``http`` and
  ``https``;
- the connection pool: the client's ``http_session`` (timeouts, proxies, TLS settings, pool);
- the retries: each try's outcome is given to the client's ``needs-retry`` handlers (botocore's
  standard mode: attempt limit, retry quota, throttling codes, 5xx, connection errors, backoff
  with jitter), exactly as botocore's endpoint gives it;
- the error answers: parsed by the client's own parser into the ``ClientError`` subclass botocore
  raises, so ``map_error`` maps them as before;
- the ``before-send`` hooks, emitted as botocore emits them (tests count and fail requests there).

Only the addressing is the backend's own, and only where it is plain: a custom ``endpoint_url``
with path-style addressing, where the URL is the endpoint, the bucket and the key percent-encoded
as botocore encodes a ``{Key+}`` label, and the signing region the client's. Every other
configuration (AWS's endpoints, virtual hosting, anonymous access, another signature version)
keeps botocore's whole pipeline (``DirectRequests.for_client`` returns ``None``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ._timestamps import parse_timestamp

__all__ = ["DIRECT_OPERATIONS", "DirectRequests", "DirectResponse", "Redirected"]

DIRECT_OPERATIONS = ("PutObject", "GetObject", "HeadObject", "DeleteObject")
"""The operations ``DirectRequests`` sends."""

_META = "x-amz-meta-"

# Response headers as botocore's model names them, read from the answers of HeadObject/GetObject.
_TEXT_HEADERS = (
    ("etag", "ETag"),
    ("content-type", "ContentType"),
    ("content-range", "ContentRange"),
    ("content-encoding", "ContentEncoding"),
    ("content-disposition", "ContentDisposition"),
    ("content-language", "ContentLanguage"),
    ("cache-control", "CacheControl"),
    ("x-amz-version-id", "VersionId"),
    ("accept-ranges", "AcceptRanges"),
)

DirectResponse = dict[str, Any]
"""The fields of a successful answer, named as botocore names them (``ContentLength``, ``Body``, ...)."""


class Redirected(Exception):
    """botocore's S3 region redirector moved the request to another region: send it through botocore."""


class DirectRequests:
    """Sends PutObject, GetObject, HeadObject and DeleteObject of one bucket without botocore's pipeline.

    Build it with ``for_client``. Each method returns the answer's fields as botocore's would
    (those the backend reads) or raises what the botocore client would raise for the same
    answers: a ``ClientError`` subclass for an error answer, botocore's connection errors, both
    after the client's retries. Thread-safe: nothing is shared between calls but the client's
    pool, credentials and retry quota, which are thread-safe.
    """

    def __init__(self, client: Any, bucket: str, endpoint_url: str, max_attempts: int) -> None:
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.response import StreamingBody

        self._client = client
        meta = client.meta
        self._events = meta.events
        self._config = meta.config
        self._http = client._endpoint.http_session
        self._signer = client._request_signer
        self._region = client._request_signer._region_name
        self._models = {name: meta.service_model.operation_model(name) for name in DIRECT_OPERATIONS}
        self._parser = client._response_parser
        self._user_agent = client._user_agent_creator.to_string()
        self._bucket = bucket
        self._base = f"{endpoint_url.rstrip('/')}/{quote(bucket, safe='')}/"
        self._max_attempts = max_attempts
        self._auth = S3SigV4Auth
        self._request = AWSRequest
        self._streaming_body = StreamingBody

    @classmethod
    def for_client(
        cls,
        client: Any,
        *,
        bucket: str,
        endpoint_url: str | None,
        addressing_style: str | None,
        max_attempts: int,
    ) -> DirectRequests | None:
        """The direct sender for ``client``, or ``None`` where botocore's pipeline must stay (S3-042).

        Direct requests need: a custom ``endpoint_url`` with path-style addressing, SigV4
        (``s3v4``), credentials (not anonymous access), a signing region, and the client internals
        this module uses (an unknown botocore keeps its pipeline).
        """
        if not endpoint_url or addressing_style not in (None, "path"):
            return None
        try:
            config = client.meta.config
            signer = client._request_signer
            s3_config = config.s3 or {}
            if (
                config.signature_version != "s3v4"
                or signer._credentials is None
                or not signer._region_name
                or s3_config.get("use_accelerate_endpoint")
                or s3_config.get("use_dualstack_endpoint")
                or getattr(config, "retries", {}).get("mode") != "standard"
            ):
                return None
            return cls(client, bucket, endpoint_url, max_attempts)
        except (AttributeError, KeyError, TypeError):
            return None

    # -- the four requests ------------------------------------------------------------------

    def put(self, key: str, body: bytes, headers: Mapping[str, str]) -> DirectResponse:
        """PutObject of ``body`` with the request ``headers`` (conditions, content type, metadata)."""
        response, _ = self._send("PutObject", "PUT", key, dict(headers), body)
        return self._answer(response)

    def get(self, key: str, headers: Mapping[str, str]) -> DirectResponse:
        """GetObject; the answer's ``Body`` is botocore's ``StreamingBody`` over the connection."""
        response, _ = self._send("GetObject", "GET", key, dict(headers), b"", stream=True)
        answer = self._answer(response)
        answer["Body"] = self._streaming_body(response.raw, response.headers.get("content-length"))
        return answer

    def head(self, key: str) -> DirectResponse:
        """HeadObject."""
        response, _ = self._send("HeadObject", "HEAD", key, {}, b"")
        return self._answer(response)

    def delete(self, key: str) -> DirectResponse:
        """DeleteObject."""
        response, _ = self._send("DeleteObject", "DELETE", key, {}, b"")
        return self._answer(response)

    # -- one request, tried as botocore tries it --------------------------------------------

    def _send(
        self,
        operation: str,
        method: str,
        key: str,
        headers: dict[str, str],
        body: bytes,
        *,
        stream: bool = False,
    ) -> tuple[Any, dict[str, Any]]:
        """Send one request with botocore's retries; the final successful answer and its parse.

        Raises:
            botocore.exceptions.ClientError: (its subclass for the code) the final answer is an
                error (status 300 or more).
            Exception: what sending raised on the last try (botocore's connection errors, ...).
        """
        model = self._models[operation]
        url = self._base + quote(key, safe="/~")
        context: dict[str, Any] = {
            "client_config": self._config,
            "has_streaming_input": model.has_streaming_input,
            "operation_name": operation,
            # What botocore's region redirector (a needs-retry handler) reads; ``Redirected`` follows.
            "s3_redirect": {
                "redirected": False,
                "bucket": self._bucket,
                "params": {"Bucket": self._bucket, "Key": key},
            },
        }
        request_dict: dict[str, Any] = {"context": context, "url": url, "method": method}
        invocation = str(uuid.uuid4())
        before_send = f"before-send.s3.{operation}"
        attempts = 0
        while True:
            attempts += 1
            sent = dict(headers)
            sent["User-Agent"] = self._user_agent
            request = self._request(method=method, url=url, headers=sent, data=body, stream_output=stream)
            request.context = context
            http_response: Any = None
            parsed: dict[str, Any] | None = None
            caught: Exception | None = None
            try:
                # Frozen per try: refreshable credentials refresh here, as in botocore's signer.
                credentials = self._signer._credentials.get_frozen_credentials()
                self._auth(credentials, "s3", self._region).add_auth(request)
                # Added after signing, as botocore adds them (Content-Length comes with prepare()).
                request.headers["amz-sdk-invocation-id"] = invocation
                request.headers["amz-sdk-request"] = f"attempt={attempts}; max={self._max_attempts}"
                prepared = request.prepare()
                for _, answer in self._events.emit(before_send, request=prepared):
                    if answer is not None:
                        http_response = answer
                        break
                else:
                    http_response = self._http.send(prepared)
            except Exception as error:  # noqa: BLE001 - botocore's endpoint hands every one to its retries
                caught = error
            if http_response is not None:
                parsed = self._parse(operation, http_response)
            outcome = None if http_response is None else (http_response, parsed)
            delays = self._events.emit(
                f"needs-retry.s3.{operation}",
                response=outcome,
                endpoint=self._client._endpoint,
                operation=model,
                attempts=attempts,
                caught_exception=caught,
                request_dict=request_dict,
            )
            delay = next((value for _, value in delays if value is not None), None)
            if context["s3_redirect"].get("redirected"):
                _close(http_response)
                raise Redirected(operation)
            if delay is not None and delay is not False:
                _close(http_response)
                time.sleep(delay)
                continue
            if caught is not None:
                raise caught
            assert parsed is not None
            if http_response.status_code >= 300:
                code = parsed.get("Error", {}).get("Code")
                raise self._client.exceptions.from_code(code)(parsed, operation)
            return http_response, parsed

    def _parse(self, operation: str, http_response: Any) -> dict[str, Any]:
        """What the retry handlers and error mapping read: botocore's parse of an error, else metadata."""
        status = http_response.status_code
        if status < 300:
            return {
                "ResponseMetadata": {
                    "HTTPStatusCode": status,
                    "HTTPHeaders": http_response.headers,
                    "RequestId": http_response.headers.get("x-amz-request-id", ""),
                }
            }
        from botocore.endpoint import convert_to_response_dict

        model = self._models[operation]
        response_dict = convert_to_response_dict(http_response, model)
        parsed: dict[str, Any] = self._parser.parse(response_dict, model.output_shape)
        return parsed

    def _answer(self, http_response: Any) -> DirectResponse:
        """The fields of a successful answer that the backend reads, as botocore names and types them."""
        headers = http_response.headers
        answer: DirectResponse = {
            "ResponseMetadata": {"HTTPStatusCode": http_response.status_code, "HTTPHeaders": headers}
        }
        length = headers.get("content-length")
        if length is not None and length.isdigit():
            answer["ContentLength"] = int(length)
        modified = headers.get("last-modified")
        if modified:
            answer["LastModified"] = parse_timestamp(modified)
        for header, field in _TEXT_HEADERS:
            value = headers.get(header)
            if value is not None:
                answer[field] = value
        answer["Metadata"] = {
            name[len(_META) :]: value for name, value in headers.items() if name.lower().startswith(_META)
        }
        return answer


def _close(http_response: Any) -> None:
    """Release a retried answer's connection (its body is not read)."""
    raw = getattr(http_response, "raw", None)
    release = getattr(raw, "release_conn", None)
    if release is not None:
        release()
