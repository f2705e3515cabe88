"""Credentials never leave the fetcher: URLs and messages without user:password or secret
query parameters, for everything stored, logged or published."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# query parameters whose value is a secret (compared case-insensitively)
SECRET_PARAMS = ("password", "passwd", "pwd", "pass", "token", "access_token", "auth",
                 "api_key", "apikey", "secret", "client_secret", "access_key", "secret_key",
                 "session_token", "signature", "sig", "x-amz-signature", "x-amz-credential",
                 "x-amz-security-token")
HIDDEN = "***"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*:/{1,2})[^/?#\s@]*@")
_SECRET_QUERY = re.compile(r"(?i)([?&;](?:" + "|".join(map(re.escape, SECRET_PARAMS))
                           + r")=)[^&#\s]*")


def strip_credentials(url: str) -> str:
    """`url` without its user:password part and with secret query values hidden.

    >>> strip_credentials("https://user:secret@example.org/a.pdf?token=abc&x=1")
    'https://example.org/a.pdf?token=***&x=1'
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urllib accepts: clean it as text
        return scrub(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    return scrub(urlunsplit(parts))  # and a mistyped one inside (`http:/user:pw@host`)


def scrub(text: str) -> str:
    """Every URL in a free text (an error message) without credentials."""
    text = _USERINFO.sub(r"\1", text)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + HIDDEN, text)
