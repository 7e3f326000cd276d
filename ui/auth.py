"""Who may use the web app: ``CHARTER_AUTH`` ("user:password") turns on Gradio's login for every route
(the page, the API, uploads and file downloads), and serving beyond this machine without it is warned
about, because the app then answers, and accepts uploads from, anyone who can reach the port."""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the app on this machine."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name that may resolve anywhere: treat as exposed


def exposure_warning(host: str, has_auth: bool, share: bool = False) -> str | None:
    """The warning ``charter serve`` prints when the app is reachable from elsewhere without a login."""
    if has_auth or (is_loopback(host) and not share):
        return None
    where = "a public share link" if share else f"{host}, reachable from other machines"
    return (f"warning: serving on {where} without a login: anyone who reaches it can ask questions and add files. "
            "Set CHARTER_AUTH=user:password, or bind to 127.0.0.1.")
