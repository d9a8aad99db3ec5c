"""Just enough of a browser for the benchmarks and `make prodcheck`."""

from __future__ import annotations

import http.cookies
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid


def run_clients(client, count: int) -> float:
    """Run client(index) for index in range(count), each in its own thread;
    returns the seconds they took together (the load loops of the page and
    submit benchmarks)."""
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


class Browser:
    """Just enough of a browser: cookies by hand (Secure cookies over plain HTTP,
    as behind a TLS-terminating load balancer), forms with CSRF tokens."""

    def __init__(self, host: str):
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, port, path, data=None, files=None):
        headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in (data or {}).items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                    f"\r\n\r\n{value}\r\n".encode()
                )
            for name, (filename, content) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            headers["Origin"] = f"https://{self.host}"
            headers["Referer"] = f"https://{self.host}{path}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=body, headers=headers
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return (
            response.status,
            response.headers,
            response.read().decode("utf-8", "replace"),
        )

    def csrf(self, html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def login(self, port: int, username: str, password: str) -> None:
        _status, _headers, page = self.request(port, "/accounts/login/")
        status, headers, _ = self.request(
            port,
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": self.csrf(page),
                "username": username,
                "password": password,
                "next": "/",
            },
        )
        if status != 302:
            raise RuntimeError(f"login as {username} failed ({status})")

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
