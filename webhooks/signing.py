"""Standard Webhooks 1.0 signing: `whsec_` secrets and the three `webhook-*` headers, via `standardwebhooks`."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def signature_header(msg_id: str, at: datetime, body: str, secrets_in_use: list[str]) -> str:
    """`v1,<sig>` per secret, space-separated: during a rotation both the new and the old secret sign."""
    moment = at.astimezone(UTC)
    return " ".join(Webhook(secret).sign(msg_id, moment, body) for secret in secrets_in_use)


def headers(msg_id: str, at: datetime, body: str, secrets_in_use: list[str]) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "CNR-Console-Webhooks/1.0",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature_header(msg_id, at, body, secrets_in_use),
    }
