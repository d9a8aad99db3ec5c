from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the person chose another language with the
    switcher (a cookie). A browser's Accept-Language is not followed: shared
    branch PCs are often set up in English, and the bank's language is Chinese."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class IdleTimeoutMiddleware:
    """Log out a session left idle longer than SESSION_IDLE_TIMEOUT seconds.

    The time of the last request is written at most once a minute, so a busy
    page (quiz autosave) does not turn every request into a session write.
    """

    KEY = "_last_seen"
    WRITE_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            import time

            from django.contrib.auth import logout

            now = int(time.time())
            last_seen = request.session.get(self.KEY)
            if (
                last_seen is not None
                and now - last_seen > settings.SESSION_IDLE_TIMEOUT
            ):
                logout(request)
            elif last_seen is None or now - last_seen >= self.WRITE_EVERY:
                request.session[self.KEY] = now
        return self.get_response(request)
