"""The registry sandbox: an EPP server on loopback that behaves like a registry, for the demo
and the tests. ``server.SandboxServer`` runs it (RFC 5734), ``https.SandboxHttpsServer`` opens a
second door on the same store (EPP over HTTPS with a session cookie), ``door.SandboxDoor`` is
what the doors share, ``store.SandboxStore`` is its storage (and clock), ``seed.seed`` loads
``demo_data``; ``manage.py registry_sandbox`` drives all of it.

Nothing here imports Django, so the tests can start it before Django is set up."""
