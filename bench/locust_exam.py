"""Locust users of the exam_burst benchmark (run by bench/exam_burst.py).

Each simulated taker arrives during the ramp, opens the quiz page, starts an
attempt, saves each answer at its own moment over the answering period (one
autosave per question, as the take page does), and submits inside the final
window. After each save it also requests the bare view, so the same run
measures the server's floor latency under the same load (the baseline).

Configuration by environment: EXAM_SESSIONS (file of session keys, one per
line), EXAM_QUIZ_PATH, EXAM_QUIZ_ID, EXAM_T0 (epoch of the start), EXAM_RAMP,
EXAM_ANSWER_SECONDS, EXAM_SUBMIT_WINDOW, EXAM_HOST.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from http.cookies import SimpleCookie

import gevent
from locust import HttpUser, task
from locust.exception import StopUser

with open(os.environ["EXAM_SESSIONS"]) as _handle:
    SESSIONS = [line.strip() for line in _handle if line.strip()]
QUIZ_PATH = os.environ["EXAM_QUIZ_PATH"]
QUIZ_ID = os.environ["EXAM_QUIZ_ID"]
T0 = float(os.environ["EXAM_T0"])
RAMP = float(os.environ["EXAM_RAMP"])
ANSWER_SECONDS = float(os.environ["EXAM_ANSWER_SECONDS"])
SUBMIT_WINDOW = float(os.environ["EXAM_SUBMIT_WINDOW"])
HOST = os.environ["EXAM_HOST"]
CHOICE = re.compile(r'name="answer-([^"]+)" value="(\d+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_next_session = iter(SESSIONS)


def _sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        gevent.sleep(delay)


class Taker(HttpUser):
    """One learner taking the exam once; cookies by hand, as behind a TLS load
    balancer (Secure cookies over plain HTTP, X-Forwarded-Proto: https)."""

    def on_start(self):
        self.cookies = {"sessionid": next(_next_session)}

    def headers(self, path: str, *, json_body: bool = False) -> dict:
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}{path}",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.token
        return headers

    def remember(self, response) -> None:
        for header in (
            response.raw.headers.getlist("Set-Cookie") if response.raw else []
        ):
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value

    def call(self, method, path, name, **kwargs):
        with self.client.request(
            method,
            path,
            name=name,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code >= 400 or response.status_code == 0:
                response.failure(f"{response.status_code}")
            else:
                response.success()
            self.remember(response)
            return response

    @task
    def take_the_exam(self):
        page = self.call("GET", QUIZ_PATH, "quiz page", headers=self.headers(QUIZ_PATH))
        self.token = TOKEN.search(page.text).group(1)
        start_path = f"/quiz/{QUIZ_ID}/start/"
        started = self.call(
            "POST",
            start_path,
            "start",
            data={"csrfmiddlewaretoken": self.token},
            headers=self.headers(start_path),
        )
        take_path = started.headers["Location"]
        take = self.call("GET", take_path, "take page", headers=self.headers(take_path))
        self.token = TOKEN.search(take.text).group(1)
        first_choice = {}
        for key, choice in CHOICE.findall(take.text):
            first_choice.setdefault(key, int(choice))
        answers_end = T0 + RAMP + ANSWER_SECONDS
        keys = list(first_choice)
        moments = sorted(random.uniform(time.time(), answers_end) for _ in keys)
        save_path = take_path + "answer/"
        for seq, (key, moment) in enumerate(zip(keys, moments, strict=True), start=1):
            _sleep_until(moment)
            body = {"question": key, "choices": [first_choice[key]], "seq": seq}
            self.call(
                "POST",
                save_path,
                "save",
                data=json.dumps(body),
                headers=self.headers(take_path, json_body=True),
            )
            self.call("GET", "/bench/bare", "bare", headers=self.headers("/bench/bare"))
        _sleep_until(answers_end + random.uniform(0, SUBMIT_WINDOW))
        submit_path = take_path + "submit/"
        self.call(
            "POST",
            submit_path,
            "submit",
            data={"csrfmiddlewaretoken": self.token},
            headers=self.headers(take_path),
        )
        raise StopUser()
