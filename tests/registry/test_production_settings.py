"""Production never starts on the embedded defaults: without its database and registry
settings it refuses, naming what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "DATABASE_URL": "postgres://regflow@127.0.0.1:5432/regflow",
    "REGISTRY_HOST": "epp.example.pl",
    "REGISTRY_PORT": "700",
    "REGISTRY_CLIENT_ID": "regflow",
    "REGISTRY_PASSWORD": "secret",
    "REGISTRY_CA_FILE": "/etc/ssl/certs/ca-certificates.crt",
    # .pl is NASK's: its own endpoint, account and CA
    "REGISTRY_NASK_URL": "https://registry.dns.pl/registry/epp",
    "REGISTRY_NASK_CLIENT_ID": "regflow-pl",
    "REGISTRY_NASK_PASSWORD": "secret-pl",
    "REGISTRY_NASK_CA_FILE": "/etc/ssl/certs/ca-certificates.crt",
}


def settings_load(code: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in REQUIRED and not key.startswith("REGISTRY_") and key != "DATABASE_URL"
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY="x" * 50, **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_its_database_and_registry() -> None:
    refused = settings_load()
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    for name in REQUIRED:
        assert name in refused.stderr
    partly = settings_load(**{k: v for k, v in REQUIRED.items() if k != "REGISTRY_PASSWORD"})
    assert partly.returncode != 0 and "REGISTRY_PASSWORD" in partly.stderr
    assert "DATABASE_URL" not in partly.stderr.split("ImproperlyConfigured", 1)[1]


def test_production_starts_with_them() -> None:
    started = settings_load(**REQUIRED)
    assert started.returncode == 0, started.stderr[-2000:]


def test_over_https_production_wants_the_registrys_url_instead_of_host_and_port() -> None:
    over_https = {k: v for k, v in REQUIRED.items() if k not in ("REGISTRY_HOST", "REGISTRY_PORT")}
    refused = settings_load(REGISTRY_TRANSPORT="https", **over_https)
    assert refused.returncode != 0
    named = refused.stderr.split("ImproperlyConfigured", 1)[1]
    assert "REGISTRY_URL" in named and "REGISTRY_HOST" not in named
    started = settings_load(
        REGISTRY_TRANSPORT="https", REGISTRY_URL="https://registry.dns.pl/registry/epp", **over_https
    )
    assert started.returncode == 0, started.stderr[-2000:]


def test_without_pl_nask_settings_are_not_asked_for() -> None:
    rfc_only = {k: v for k, v in REQUIRED.items() if not k.startswith("REGISTRY_NASK_")}
    refused = settings_load(**rfc_only)
    assert refused.returncode != 0 and "REGISTRY_NASK_URL" in refused.stderr
    started = settings_load(REGISTRY_TLDS="com=rfc,net=rfc,eu=rfc", **rfc_only)
    assert started.returncode == 0, started.stderr[-2000:]


def test_production_links_to_content_hashed_static_files() -> None:
    started = settings_load(
        "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])", **REQUIRED
    )
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.strip().splitlines()[-1] == "config.staticfiles.HashedStaticFilesStorage"
