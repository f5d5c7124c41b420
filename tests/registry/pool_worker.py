"""A worker process for tests/registry/test_pool.py: Django on the test database, the registry
configured by the REGISTRY_* environment, commands sent through RegistryGateway as a Celery
worker would send them. Prints one line of JSON when done (or "ready" and waits, to be killed).

    python -m tests.registry.pool_worker --threads 2 --commands 50
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--commands", type=int, default=1, help="per thread")
    parser.add_argument("--domain", default="nowak-design.com")
    parser.add_argument("--start-at", type=float, default=0.0, help="wall-clock time to begin at")
    parser.add_argument("--hold", type=float, default=0.0, help="seconds to keep one session lent")
    parser.add_argument("--hang", action="store_true", help="keep a session lent until killed")
    parser.add_argument("--idle", action="store_true", help="keep the session idle in the pool until killed")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connections

    from registry.gateway import RegistryGateway

    if args.start_at:
        time.sleep(max(0.0, args.start_at - time.time()))
    report: dict = {"pid": os.getpid()}
    if args.hang:
        with RegistryGateway.from_settings() as gateway:
            gateway.domain_info(args.domain)
            print("ready", flush=True)
            time.sleep(3600)
    if args.idle:
        with RegistryGateway.from_settings() as gateway:
            gateway.domain_info(args.domain)
        print("ready", flush=True)
        time.sleep(3600)
    if args.hold:
        report["asked"] = time.time()
        with RegistryGateway.from_settings() as gateway:
            report["got"] = time.time()
            gateway.domain_info(args.domain)
            time.sleep(args.hold)
            gateway.domain_info(args.domain)
            report["done"] = time.time()
    errors: list[str] = []

    def work() -> None:
        try:
            for _ in range(args.commands):
                with RegistryGateway.from_settings() as gateway:
                    gateway.domain_info(args.domain)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    if not args.hold:
        threads = [threading.Thread(target=work) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    report["errors"] = errors
    print(json.dumps(report), flush=True)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
