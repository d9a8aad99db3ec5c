"""lesson_page and dashboard: requests/s for a logged-in learner under gunicorn
(2 workers, production settings) against a bare view answering a fixed response
from the same server, measured with wrk in the same run.

    python bench/pages.py [--courses 30] [--lessons 8] [--seconds 10]
                          [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from httpclient import Browser, run_clients  # noqa: E402
from server import HOST, Stack  # noqa: E402

GENERATE = r"""
from training import services
from training.models import CoursePage, LessonPage, TrainingHomePage
TEXT = "消费者享有知悉其购买、使用的商品或者接受的服务的真实情况的权利。" * 8
for c in range(CoursePage.objects.count(), COURSES):
    home = TrainingHomePage.objects.get()
    course = CoursePage(title=f"练习课程{c}", slug=f"bench-course-{c}", topic="other",
                        summary="基准测试课程", mandatory=True, due_days=30,
                        estimated_minutes=30, live=False)
    home.add_child(instance=course)
    course.save_revision().publish()
    for n in range(LESSONS):
        course = CoursePage.objects.get(pk=course.pk)
        lesson = LessonPage(title=f"第{n + 1}课", slug=f"lesson-{n}", live=False)
        lesson.body = [
            {"type": "heading", "value": {"text": f"第{n + 1}节", "level": "h2"}},
            {"type": "paragraph", "value": f"<p>{TEXT}</p>"},
            {"type": "law_article", "value": {
                "law_name": "中华人民共和国消费者权益保护法", "article": "第八条",
                "text": TEXT, "note": "知情权", "status": "verified", "source": ""}},
            {"type": "paragraph", "value": f"<p>{TEXT}</p>"},
        ]
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
services.assignments_sync_all()
print(LessonPage.objects.live().order_by("path").first().url)
"""


def load(url: str, cookie: str, seconds: int) -> float:
    """Requests/s that wrk (or, where wrk is missing, a small Python client)
    gets from `url` with 8 connections."""
    if shutil.which("wrk"):
        return wrk(url, cookie, seconds)
    return python_load(url, cookie, seconds)


def python_load(url: str, cookie: str, seconds: float, connections: int = 8) -> float:
    parsed = urllib.parse.urlparse(url)
    headers = {"Host": HOST, "X-Forwarded-Proto": "https", "Cookie": cookie}
    deadline = time.monotonic() + seconds
    counts = [0] * connections
    errors: list[str] = []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        while time.monotonic() < deadline:
            conn.request("GET", parsed.path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{response.status} {url}")
                return
            counts[index] += 1
        conn.close()

    seconds = run_clients(client, connections)
    if errors:
        raise SystemExit(errors[0])
    return round(sum(counts) / seconds, 2)


def wrk(url: str, cookie: str, seconds: int) -> float:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c8",
            f"-d{seconds}s",
            "-H",
            f"Host: {HOST}",
            "-H",
            "X-Forwarded-Proto: https",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"wrk saw errors for {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--courses", type=int, default=30)
    parser.add_argument("--lessons", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)
    with Stack(
        database=args.db, label="bench_pages", env={"DJANGO_ROOT_URLCONF": "bench.urls"}
    ) as stack:
        stack.manage("load_demo")
        lesson_path = (
            stack.python(
                GENERATE.replace("COURSES", str(args.courses)).replace(
                    "LESSONS", str(args.lessons)
                )
            )
            .strip()
            .splitlines()[-1]
        )
        port = stack.start_app(workers=2)
        browser = Browser(HOST)
        browser.login(port, "demo-learner", stack.password)
        for path in ("/", lesson_path, "/bench/bare"):
            status, _h, _b = browser.request(port, path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
        base = f"http://127.0.0.1:{port}"
        cookie = browser.cookie_header()
        bare = load(f"{base}/bench/bare", cookie, args.seconds)
        dashboard = load(f"{base}/", cookie, args.seconds)
        lesson = load(f"{base}{lesson_path}", cookie, args.seconds)
    results = [
        {
            "metric": f"dashboard_{args.db}",
            "value": dashboard,
            "baseline": bare,
            "ratio": round(dashboard / bare, 3),
            "unit": "requests/s",
        },
        {
            "metric": f"lesson_page_{args.db}",
            "value": lesson,
            "baseline": bare,
            "ratio": round(lesson / bare, 3),
            "unit": "requests/s",
        },
    ]
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    return results


SMOKE_ARGS = ["--courses", "5", "--lessons", "2", "--seconds", "1"]

if __name__ == "__main__":
    main()
