"""COS (object storage) XML API for the recording bucket: list, get (incl. presigned URLs), head, delete.

Requests are authenticated with COS's q-sign-algorithm=sha1 signature, from the Authorization header or the
query of a presigned URL: sign_key = HMAC-SHA1(SecretKey, q-key-time); format = method\\npath\\nparams\\nheaders\\n
over the listed (lowercased, URL-encoded) params and headers; signature = HMAC-SHA1(sign_key,
"sha1\\n<q-sign-time>\\nsha1(format)\\n"). The key time window is enforced.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import threading
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote
from xml.sax.saxutils import escape

from emulator.config import EmulatorConfig
from emulator.cos_storage import (
    CosStorage,
    StorageError,
    cos_action,
    fault_status,
    readable,
    storage_headers,
)
from emulator.envelope import ApiError, new_request_id
from emulator.faults import Faults
from emulator.replies import CORS, Reply, file_reply
from emulator.state import CosObject, EmulatorState

MAX_KEYS = 1000


def _encode(value: str) -> str:
    return quote(value.encode(), safe="-_.~")


def cos_signature(
    *,
    secret_key: str,
    method: str,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    sign_time: str,
    key_time: str,
) -> str:
    """COS XML v5 signature over already lowercased names and raw (unencoded) values."""
    encoded_params = sorted((_encode(name).lower(), _encode(value)) for name, value in params.items())
    encoded_headers = sorted((_encode(name).lower(), _encode(value)) for name, value in headers.items())
    format_string = "\n".join(
        [
            method.lower(),
            path,
            "&".join(f"{name}={value}" for name, value in encoded_params),
            "&".join(f"{name}={value}" for name, value in encoded_headers),
            "",
        ]
    )
    sign_key = hmac.new(secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    string_to_sign = f"sha1\n{sign_time}\n{hashlib.sha1(format_string.encode()).hexdigest()}\n"
    return hmac.new(sign_key.encode(), string_to_sign.encode(), hashlib.sha1).hexdigest()


class CosService:
    def __init__(self, *, config: EmulatorConfig, state: EmulatorState, faults: Faults | None = None) -> None:
        self.config = config
        self.state = state
        self.faults = faults
        self.root = config.data_dir / "cos" / config.cos_bucket
        self._staged: dict[str, CosObject] = {}
        self._lock = threading.Lock()
        self.storage = CosStorage(config=config, state=state, root=self.root)

    @property
    def host(self) -> str:
        return f"{self.config.cos_bucket}.cos.{self.config.cos_region}.myqcloud.com"

    def object_url(self, key: str) -> str:
        return f"http://{self.host}/{quote(key)}"

    # --- objects arrive from CSS -----------------------------------------------------------------------------

    def stage(self, *, key: str, path: Path) -> CosObject:
        """Move a file into the bucket; listed and readable only after `publish`."""
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        etag = hashlib.md5(target.read_bytes()).hexdigest()
        item = CosObject(
            key=key,
            path=str(target.relative_to(self.config.data_dir)),
            size_bytes=target.stat().st_size,
            last_modified=time.time(),
            etag=etag,
        )
        with self._lock:
            self._staged[key] = item
        return item

    def publish(self, key: str) -> None:
        with self._lock:
            item = self._staged.pop(key, None)
        if item is not None:
            item.last_modified = item.class_since = time.time()
            with self.state.mutate():
                self.state.cos_objects[key] = item

    # --- XML API ---------------------------------------------------------------------------------------------

    def handle(
        self,
        *,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes = b"",
    ) -> Reply:
        host = headers.get("host", "").split(":")[0].lower()
        if host.endswith(".myqcloud.com") and host.split(".")[0] != self.config.cos_bucket:
            return self._error(404, "NoSuchBucket", "The specified bucket does not exist.", path)
        refusal = self._authenticate(method=method, path=path, query=query, headers=headers)
        if refusal is not None:
            return refusal
        key = unquote(path.lstrip("/"))
        refusal = self._injected_fault(cos_action(method, key, query, headers), path)
        if refusal is not None:
            return refusal
        if method == "GET" and not key:
            return self._list(query)
        if not key:
            return self._error(405, "MethodNotAllowed", "The method is not allowed on the bucket.", path)
        try:
            if method == "PUT":
                return self.storage.put(key=key, headers=headers, body=body)
            if method == "POST" and "restore" in query:
                return self.storage.restore(key=key, body=body)
        except StorageError as exc:
            return self._error(exc.status, exc.code, exc.message, path)
        now = time.time()
        if method in {"GET", "HEAD"}:
            with self.state.lock:
                item = self.state.cos_objects.get(key)
            file = self.config.data_dir / item.path if item else None
            if item is None or file is None or not file.is_file():
                return self._error(404, "NoSuchKey", "The specified key does not exist.", path)
            if method == "GET" and not readable(item, now):
                return self._error(
                    403,
                    "InvalidObjectState",
                    "The object is archived: restore it (POST ?restore) first.",
                    path,
                )
            reply = file_reply(file, headers.get("range"))
            if method == "GET":
                self.storage.book_read(item, reply.length or len(reply.body), now)
            reply.headers.update(
                {
                    "ETag": f'"{item.etag}"',
                    "Last-Modified": formatdate(item.last_modified, usegmt=True),
                    "x-cos-request-id": new_request_id(),
                    **storage_headers(item, now),
                }
            )
            return reply
        if method == "DELETE":
            with self.state.mutate():
                item = self.state.cos_objects.pop(key, None)
                if item is not None:
                    self.storage.book_exit(item, now)
            if item is not None:
                (self.config.data_dir / item.path).unlink(missing_ok=True)
            return Reply(204, {"x-cos-request-id": new_request_id()})
        return self._error(405, "MethodNotAllowed", f"{method} is not supported by the emulator.", path)

    def _injected_fault(self, action: str, path: str) -> Reply | None:
        """Faults injected for a COS action (`/_emulator/faults`, `inject_fault`), answered as COS would."""
        if self.faults is None:
            return None
        try:
            self.faults.before(action, documented_rates=False)
        except ApiError as exc:
            return self._error(fault_status(exc.code), exc.code, exc.message, path)
        return None

    def _list(self, query: dict[str, list[str]]) -> Reply:
        def one(name: str) -> str:
            return query.get(name, [""])[0]

        prefix, marker, encoding = one("prefix"), one("marker"), one("encoding-type")
        raw_max = one("max-keys") or str(MAX_KEYS)
        if not raw_max.isdigit() or not 0 <= int(raw_max) <= MAX_KEYS:
            return self._error(400, "InvalidArgument", "max-keys must be an integer from 0 to 1000.", "/")
        max_keys = int(raw_max)
        with self.state.lock:
            keys = sorted(key for key in self.state.cos_objects if key.startswith(prefix) and key > marker)
            items = [self.state.cos_objects[key] for key in keys[:max_keys]]
        truncated = len(keys) > max_keys

        def value(text: str) -> str:
            return escape(quote(text, safe="/-_.~") if encoding == "url" else text)

        contents = "".join(
            "<Contents>"
            f"<Key>{value(item.key)}</Key>"
            f"<LastModified>{time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime(item.last_modified))}</LastModified>"
            f"<ETag>&quot;{item.etag}&quot;</ETag>"
            f"<Size>{item.size_bytes}</Size>"
            f"<Owner><ID>{self.config.appid}</ID><DisplayName>{self.config.appid}</DisplayName></Owner>"
            f"<StorageClass>{item.storage_class}</StorageClass>"
            "</Contents>"
            for item in items
        )
        next_marker = f"<NextMarker>{value(items[-1].key)}</NextMarker>" if truncated and items else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>'
            f"<Name>{escape(self.config.cos_bucket)}</Name>"
            + (f"<EncodingType>{escape(encoding)}</EncodingType>" if encoding else "")
            + f"<Prefix>{value(prefix)}</Prefix><Marker>{value(marker)}</Marker><MaxKeys>{max_keys}</MaxKeys>"
            f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{next_marker}{contents}"
            "</ListBucketResult>"
        )
        return Reply(
            200, {"Content-Type": "application/xml", "x-cos-request-id": new_request_id()}, body.encode()
        )

    def _authenticate(
        self, *, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> Reply | None:
        if "q-sign-algorithm" in query:
            auth = {name: values[0] for name, values in query.items() if name.startswith("q-")}
        else:
            raw = headers.get("authorization", "")
            auth = {name: values[0] for name, values in parse_qs(raw, keep_blank_values=True).items()}
        if auth.get("q-sign-algorithm") != "sha1" or not auth.get("q-signature"):
            return self._error(
                403, "AccessDenied", "The request is not signed (q-sign-algorithm=sha1).", path
            )
        secret_key = self.config.credentials.get(auth.get("q-ak", ""))
        if secret_key is None:
            return self._error(
                403, "InvalidAccessKeyId", "The access key Id format you provided is invalid.", path
            )
        key_time = auth.get("q-key-time", "")
        sign_time = auth.get("q-sign-time", key_time)
        try:
            begins, ends = (int(part) for part in key_time.split(";"))
        except ValueError:
            return self._error(403, "AccessDenied", "q-key-time is malformed.", path)
        if not begins <= time.time() <= ends:
            return self._error(403, "AccessDenied", "Request has expired.", path)
        header_names = [name for name in auth.get("q-header-list", "").split(";") if name]
        param_names = [name for name in auth.get("q-url-param-list", "").split(";") if name]
        lowered_query = {
            name.lower(): values[0] for name, values in query.items() if not name.startswith("q-")
        }
        params = {name: lowered_query.get(name, "") for name in param_names}
        host = headers.get("host", "")
        # A presigned URL made for CosConfig(IP=, Port=) signs the host without its port.
        for host_value in dict.fromkeys([host, host.split(":")[0]]):
            signed_headers = {
                name: host_value if name == "host" else headers.get(name, "") for name in header_names
            }
            expected = cos_signature(
                secret_key=secret_key,
                method=method,
                path=unquote(path) or "/",
                params=params,
                headers=signed_headers,
                sign_time=sign_time,
                key_time=key_time,
            )
            if hmac.compare_digest(expected, auth["q-signature"].lower()):
                return None
        return self._error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            path,
        )

    @staticmethod
    def _error(status: int, code: str, message: str, resource: str) -> Reply:
        request_id = new_request_id()
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{code}</Code><Message>{escape(message)}</Message><Resource>{escape(resource)}</Resource>"
            f"<RequestId>{request_id}</RequestId><TraceId>{request_id}</TraceId></Error>"
        )
        return Reply(
            status, {"Content-Type": "application/xml", "x-cos-request-id": request_id, **CORS}, body.encode()
        )
