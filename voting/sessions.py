"""Session cookies: Flask's signed cookie sessions, made cheaper to open.

The cookie format is Flask's own (itsdangerous, HMAC-SHA1 under a key
derived from SECRET_KEY, a timestamp, zlib-compressed tagged JSON). What
changes is the work per request: Flask and itsdangerous build a serializer,
a signer and the derived key again for every request, and send signatures
through hmac's pure-Python path.

`SessionInterface.read` opens a cookie for the ballot route
(`ballots/route.py`), outside Flask's request handling. A cookie signed with
the current key, within its age, is checked with one HMAC call and decoded
without itsdangerous's layers; any other cookie (signed with a fallback key,
tagged values, anything unexpected) is opened by itsdangerous as Flask would
open it. The fast way accepts only what itsdangerous accepts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from voting import clock


class _Signer(TimestampSigner):
    # itsdangerous derives the signing key (an HMAC) again for every cookie.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[str | bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        found = self._derived.get(secret_key)
        if found is None:
            found = self._derived[secret_key] = super().derive_key(secret_key)
        return found


class _Serializer(URLSafeTimedSerializer):
    default_signer = _Signer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[str | bytes | None, _Signer] = {}

    def make_signer(self, salt: str | bytes | None = None) -> _Signer:
        found = self._signers.get(salt)
        if found is None:
            found = self._signers[salt] = super().make_signer(salt)
        return found


class SessionInterface(SecureCookieSessionInterface):
    # The same HMAC-SHA1 cookies, with OpenSSL's SHA-1 handed to hmac directly:
    # Flask's lazy wrapper sends every signature through hmac's pure-Python path.
    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._serializers: dict[tuple, _Serializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Flask builds a serializer for every request; it only changes with the keys.
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        found = self._serializers.get(keys)
        if found is None:
            found = self._serializers[keys] = _Serializer(
                list(keys), salt=self.salt, serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method})
        return found

    def read(self, app: Flask, cookie: str | None) -> dict[str, Any] | None:
        """The data of a session cookie, as `open_session` would find it, or
        None when it does not open (missing, tampered with, expired)."""
        serializer = self.get_signing_serializer(app)
        if not cookie or serializer is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        data = _fast_open(serializer.make_signer(serializer.salt), cookie, max_age)
        if data is None:
            try:
                data = serializer.loads(cookie, max_age=max_age)
            except BadSignature:
                return None
        return data if isinstance(data, dict) else None


def _b64(text: bytes) -> bytes:
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def _fast_open(signer: _Signer, cookie: str, max_age: int) -> Any:
    """itsdangerous's TimestampSigner check under the newest key, then the
    payload, for a cookie whose JSON holds no tagged values; None whenever
    any of that does not hold (the caller then asks itsdangerous)."""
    try:
        signed, _, signature = cookie.encode("ascii").rpartition(b".")
        expected = hmac.digest(signer.derive_key(), signed, hashlib.sha1)
        if not hmac.compare_digest(_b64(signature), expected):
            return None
        payload, _, stamp = signed.rpartition(b".")
        if not 0 <= int(clock.now().timestamp()) - int.from_bytes(_b64(stamp), "big") <= max_age:
            return None
        text = zlib.decompress(_b64(payload[1:])) if payload[:1] == b"." else _b64(payload)
        # Flask tags values JSON cannot hold as {" t": ...}: a key or string starting with a space.
        return None if b'" ' in text else json.loads(text)
    except (UnicodeError, ValueError, binascii.Error, zlib.error):
        return None
