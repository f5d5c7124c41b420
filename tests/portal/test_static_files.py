"""A deployment collects its static files under content-hashed names and its pages link to
them; viewflow's stylesheet that names fonts its package lacks does not stop the collection."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import User

HASHED_STORAGE = "config.staticfiles.HashedStaticFilesStorage"
# A copy of the Roboto stylesheet whose fonts are not beside it in viewflow's package.
ORPHAN_CSS = "viewflow/fonts/roboto/node_modules/roboto-fontface/css/roboto/roboto-fontface.css"
HASHED = re.compile(r"\.[0-9a-f]{12}\.")
# Only stylesheets are compressed here: brotli over viewflow's 150 MB of fonts and scripts
# takes minutes, and compressing one kind of file shows that the storage compresses.
NOT_COMPRESSED = ["js", "map", "svg", "ttf", "otf", "eot", "woff", "woff2", "png", "txt", "json", "html"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        STATIC_ROOT=root, STORAGES=_storages(), WHITENOISE_SKIP_COMPRESS_EXTENSIONS=NOT_COMPRESSED
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def _storages() -> dict:
    from django.conf import settings

    return {**settings.STORAGES, "staticfiles": {"BACKEND": HASHED_STORAGE}}


def test_collectstatic_writes_hashed_copies_and_a_manifest(collected: Path) -> None:
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    app_css = manifest["css/app.css"]
    assert HASHED.search(app_css) and (collected / app_css).is_file()
    # Compressed beside it, for WhiteNoise to serve to browsers that accept it.
    assert (collected / f"{app_css}.gz").is_file()
    # Fonts that exist are hashed inside the stylesheet that names them...
    roboto = (collected / manifest["viewflow/fonts/roboto/roboto-fontface.css"]).read_text()
    assert re.search(r"url\(\"\./Roboto-Thin\.[0-9a-f]{12}\.woff2\"\)", roboto)
    # ...and the references to fonts that do not exist are left as they were written.
    orphan = (collected / manifest[ORPHAN_CSS]).read_text()
    assert "url('./Roboto-Thin.woff2')" in orphan


def test_a_reference_to_a_missing_file_stays_and_the_others_are_hashed(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "css").mkdir(parents=True)
    (source / "css" / "broken.css").write_text("body { background: url('../img/gone.png'); }\n")
    (source / "css" / "fine.css").write_text("body { background: url('../img/here.png'); }\n")
    (source / "img").mkdir()
    (source / "img" / "here.png").write_bytes(b"\x89PNG")
    with override_settings(
        STATIC_ROOT=tmp_path / "out",
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES=_storages(),
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    # A missing file is not an error in itself: the reference stays, the file is still hashed.
    manifest = json.loads((tmp_path / "out" / "staticfiles.json").read_text())["paths"]
    assert "url('../img/gone.png')" in (tmp_path / "out" / manifest["css/broken.css"]).read_text()
    fine = (tmp_path / "out" / manifest["css/fine.css"]).read_text()
    assert re.search(r"url\(\"\.\./img/here\.[0-9a-f]{12}\.png\"\)", fine)


def test_pages_link_to_the_hashed_names(collected: Path, client, customer_a: User) -> None:
    with override_settings(STATIC_ROOT=collected, STORAGES=_storages()):
        app_css = staticfiles_storage.url("css/app.css")
        assert HASHED.search(app_css)
        login = client.get(reverse("login")).content.decode()
        client.force_login(customer_a)
        home = client.get(reverse("home")).content.decode()
    for page in (login, home):
        assert app_css in page
        assert re.search(r'src="[^"]*/js/app\.[0-9a-f]{12}\.js"', page)
        assert 'href="/static/css/app.css"' not in page
