"""Domain names: stored as the A-label, shown as the U-label, and refused with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.models import Domain
from registry.names import parse_domain_name, to_unicode

IDN_ASCII = "xn--tyrower-k0a52e8r.pl"


def error_of(value: str, language: str = "en") -> ValidationError:
    # The message is put into words when the error is raised, in the language active then.
    with translation.override(language), pytest.raises(ValidationError) as caught:
        parse_domain_name(value)
    return caught.value


@pytest.mark.parametrize("typed", ["żółtyrower.pl", "Żółtyrower.PL", " żółtyrower.pl. ", IDN_ASCII])
def test_idn_in_either_form_gives_both_labels(typed: str) -> None:
    name = parse_domain_name(typed)
    assert name.ascii == IDN_ASCII
    assert name.unicode == "żółtyrower.pl"
    assert name.tld == "pl"


@pytest.mark.django_db
def test_idn_domain_is_stored_as_a_label_and_shown_as_u_label(tlds_and_registrars) -> None:
    domain = Domain(name="Żółtyrower.pl", tld=tlds_and_registrars.tlds["pl"], sponsor=tlds_and_registrars.us)
    domain.full_clean()
    domain.save()
    stored = Domain.objects.get()
    assert stored.name == IDN_ASCII
    assert stored.display_name == "żółtyrower.pl"
    assert str(stored) == "żółtyrower.pl"


@pytest.mark.django_db
def test_domain_whose_name_does_not_match_its_tld_is_refused(tlds_and_registrars) -> None:
    domain = Domain(name="example.com", tld=tlds_and_registrars.tlds["pl"], sponsor=tlds_and_registrars.us)
    with pytest.raises(ValidationError) as caught:
        domain.full_clean()
    assert "tld" in caught.value.message_dict


def test_label_of_63_characters_is_accepted() -> None:
    assert parse_domain_name("a" * 63 + ".pl").ascii == "a" * 63 + ".pl"


def test_label_longer_than_63_characters_is_refused() -> None:
    assert "a part is longer than 63 characters" in error_of("a" * 64 + ".pl").messages[0]


def test_name_of_253_characters_is_accepted() -> None:
    name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 58, "pl"])
    assert len(name) == 253
    assert parse_domain_name(name).ascii == name


def test_name_longer_than_253_characters_is_refused() -> None:
    name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 59, "pl"])
    assert len(name) == 254
    # Every label is within 63 characters: only the total length is wrong, and the message says so.
    message = error_of(name).messages[0]
    assert "253" in message
    assert "63" not in message


@pytest.mark.parametrize("value", ["-kowalski.pl", "kowalski-.pl", "ko--walski.pl"])
def test_hyphen_at_the_edge_of_a_label_is_refused(value: str) -> None:
    error = error_of(value)
    assert error.code == "invalid"
    assert "hyphen" in error.messages[0]
    assert "łącznikiem" in error_of(value, "pl").messages[0]


@pytest.mark.parametrize("value", ["ex@mple.pl", "exa_mple.pl", "☃.pl", "kow!alski.pl"])
def test_characters_not_allowed_in_domain_names_are_refused(value: str) -> None:
    assert error_of(value).messages == [
        f"“{value}” is not a valid domain name: it contains a character that is not allowed in domain names"
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("kowalski", "no_tld"),
        ("kow alski.pl", "invalid"),
        ("a..pl", "invalid"),
    ],
)
def test_other_malformed_names(value: str, code: str) -> None:
    assert error_of(value).code == code


def test_to_unicode_leaves_an_undecodable_name_as_it_is() -> None:
    assert to_unicode(IDN_ASCII) == "żółtyrower.pl"
    assert to_unicode("xn--abc.pl") == "xn--abc.pl"
