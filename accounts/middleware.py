import time

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A logged-in user sees the panel in the language chosen in their account."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class SessionKeepAliveMiddleware:
    """A session ends after ``SESSION_COOKIE_AGE`` of inactivity without being written on every
    request: its expiry moves forward at most once every ``SESSION_REFRESH_EVERY`` seconds, so
    a busy page costs no session write and the inactivity limit is kept to within that margin."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_EVERY:
            # Marks the session modified: SessionMiddleware (outer) saves it with a new expiry.
            session[self.KEY] = now
        return response
