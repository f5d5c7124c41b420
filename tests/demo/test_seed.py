"""The demo seed: every role has a login, every profile is valid, a second run adds nothing."""

import pytest

from accounts.models import Registrant, User
from portal.demo import DEMO_PASSWORD, LOGINS, seed_demo
from registry.models import Domain, Registrar
from registry.sandbox import demo_data
from workflows.history import iter_chain_problems
from workflows.models import HistoryEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_every_role_a_login_and_is_safe_to_run_again():
    seed_demo()
    counts = (
        User.objects.count(),
        Registrant.objects.count(),
        Domain.objects.count(),
        HistoryEvent.objects.count(),
    )
    seed_demo()
    assert (
        User.objects.count(),
        Registrant.objects.count(),
        Domain.objects.count(),
        HistoryEvent.objects.count(),
    ) == counts

    roles = {(u.role, u.team) for u in User.objects.filter(username__in=[login.username for login in LOGINS])}
    assert {"customer", "staff", "supervisor", "auditor"} <= {role for role, _ in roles}
    assert {team for role, team in roles if role == "staff"} == {
        "domains",
        "servers",
        "websites",
        "billing",
        "technical",
    }
    assert User.objects.get(username="jan.kowalski").check_password(DEMO_PASSWORD)
    assert Registrar.us().client_id == demo_data.US
    for profile in Registrant.objects.all():
        profile.full_clean()
    ours = {d.name for d in demo_data.DOMAINS if d.sponsor == demo_data.US}
    assert set(Domain.objects.values_list("name", flat=True)) == ours
    assert list(iter_chain_problems()) == []


def test_demo_domains_belong_to_the_matching_customer():
    seed_demo()
    jan = User.objects.get(username="jan.kowalski")
    names = set(Domain.objects.of_account(jan).values_list("name", flat=True))
    assert names == {"kowalski.pl", "xn--tyrower-k0a52e8r.pl", "sklep-kowalski.pl"}
    assert Domain.objects.get(name="xn--tyrower-k0a52e8r.pl").display_name == "żółtyrower.pl"


def test_the_demo_starts_in_line_with_the_sandbox_registry(settings, tmp_path, registry_settings):
    """The seeded domains we hold read as the seeded registry holds them: the first
    comparison round of a fresh demo finds nothing for the domains team."""
    from domains.comparison import compare_round
    from domains.models import RegistryDifference
    from registry.sandbox.seed import seed
    from registry.sandbox.server import SandboxServer

    server = SandboxServer(tmp_path / "registry", tick_seconds=0.5)
    seed(server.store)
    server.start()
    try:
        settings.REGISTRY = {**registry_settings, "PORT": server.port, "CA_FILE": str(server.cert_path)}
        seed_demo()
        assert compare_round() == Domain.objects.held_by_us().count() > 0
        assert not RegistryDifference.objects.exists()
    finally:
        server.stop()
