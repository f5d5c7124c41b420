"""The static files storage of a deployment: every collected file is also stored under a name
carrying a hash of its content, and pages link to those names, so browsers may keep them
for a year (WhiteNoise marks hashed names immutable) and a new release is fetched at once."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urldefrag

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, tolerant of a stylesheet that points at a file
    its package does not ship.

    viewflow ships a second copy of the Roboto stylesheet (under ``node_modules``) whose
    ``url()`` references name fonts that are not beside it; Django's manifest storage then
    stops ``collectstatic`` with a ValueError. A reference to a file that does not exist is
    left as written (it could never load, hashed or not); a reference to a file that exists
    is hashed as usual, and any other error still stops the collection."""

    def url_converter(self, name, hashed_files, template=None):
        convert = super().url_converter(name, hashed_files, template)

        def converter(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                target = self._referenced_name(name, matchobj.groupdict()["url"])
                if target is None or self.exists(target):
                    raise
                return matchobj.groupdict()["matched"]

        return converter

    @staticmethod
    def _referenced_name(source: str, url: str) -> str | None:
        """The static file ``url`` in ``source`` refers to, resolved as Django resolves it."""
        url_path, _fragment = urldefrag(url)
        if not url_path:
            return None
        if url_path.startswith("/"):
            if not url_path.startswith(settings.STATIC_URL):
                return None
            return unquote(url_path.removeprefix(settings.STATIC_URL))
        folder = posixpath.dirname(source.replace("\\", "/"))
        return unquote(posixpath.normpath(posixpath.join(folder, url_path)))
