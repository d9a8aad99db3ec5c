"""Client address for login throttling.

Only REMOTE_ADDR is trusted unless TRUSTED_PROXY_COUNT says how many proxies in
front of us append to X-Forwarded-For; then the address those proxies saw is
taken, counting from the right, so a client cannot choose its own address by
sending the header itself.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote_addr
    return forwarded[-proxies]
