"""Forms of the customer panel: logging in, an invited person's new account, registrant
profiles and their representatives.

The rules themselves live in ``Registrant.clean()`` and ``accounts.identifiers``; these forms
only choose the fields for each kind of profile and show the model's messages next to them.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _
from stdnum.pl import nip, pesel, regon

from workflows.roles import Role

from .models import Registrant, Representative

ADDRESS_FIELDS = ("street", "postal_code", "city", "country")
CONTACT_FIELDS = ("email", "phone")
PERSON_FIELDS = ("first_name", "last_name", "pesel", *ADDRESS_FIELDS, *CONTACT_FIELDS)
ORGANISATION_FIELDS = (
    "name",
    "legal_form",
    "nip",
    "regon",
    "krs",
    "representation",
    *ADDRESS_FIELDS,
    *CONTACT_FIELDS,
)


class UsernameLengthMixin:
    """Enforces the username length: Django only sets the HTML attribute, and an overlong
    name would otherwise reach authenticate() and overflow the lockout records of
    django-axes (a database error on PostgreSQL)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(UsernameLengthMixin, AuthenticationForm):
    """The panel's login form."""


class AdminLoginForm(UsernameLengthMixin, AdminAuthenticationForm):
    """The admin's login form: the same length check, and staff status still required."""


def email_taken(email: str) -> bool:
    """Whether any account already uses this address (letter case aside)."""
    return get_user_model().objects.filter(email__iexact=(email or "").strip()).exists()


class InvitedSignUpForm(UserCreationForm):
    """A customer account for someone invited by e-mail: the address is the invited one,
    shown and never editable; the password passes Django's validators, which also compare
    it with the username, the names and the address. There is no open sign-up: only the
    invitation's page offers this form."""

    email = forms.EmailField(label=_("E-mail address"), disabled=True, required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name", "last_name", "language")

    def __init__(self, *args, email: str, **kwargs) -> None:
        kwargs.setdefault("instance", get_user_model()(email=email, role=Role.CUSTOMER))
        super().__init__(*args, **kwargs)
        self.invited_email = email
        self.fields["email"].initial = email
        self.fields["email"].help_text = _("The address the invitation was sent to; the account uses it.")
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        for name, autocomplete in (("first_name", "given-name"), ("last_name", "family-name")):
            self.fields[name].required = True
            self.fields[name].widget.attrs["autocomplete"] = autocomplete
        # Django's own help is a list, which does not fit a field's one line of help; the
        # validators themselves still speak, each in its own words, when a password fails.
        self.fields["password1"].help_text = _(
            "At least 8 characters, not only digits, not a common password and not like your "
            "name, username or address."
        )
        self.fields["language"].help_text = _("Language of the panel and of the e-mails we send you.")
        self.order_fields(
            ["email", "username", "first_name", "last_name", "password1", "password2", "language"]
        )
        for name in ("username", "first_name", "last_name", "password1", "password2"):
            self.fields[name].show_required = True

    def clean(self) -> dict:
        cleaned = super().clean()
        if email_taken(self.invited_email):
            raise forms.ValidationError(
                _("An account with the address %(email)s already exists: log in with it instead."),
                code="email_taken",
                params={"email": self.invited_email},
            )
        return cleaned


# People type identifiers with spaces, dashes or a "PL" prefix; the form accepts that much
# and hands the model the bare digits, whose own checks then say precisely what is wrong.
IDENTIFIER_INPUT_LENGTH = 32


def _compact_nip(value: str) -> str:
    compact = nip.compact(value)
    return compact[2:] if compact.upper().startswith("PL") else compact


_COMPACTORS = {
    "pesel": pesel.compact,
    "nip": _compact_nip,
    "regon": regon.compact,
    "krs": lambda value: "".join(ch for ch in value if ch not in " -"),
}


def _loosen_identifier(form: forms.ModelForm, name: str) -> None:
    """Replace the model's field by a plain one: the typed value may be longer than the
    column until it is compacted, and the model's own validators then check the result."""
    model_field = form.fields[name]
    form.fields[name] = forms.CharField(
        label=model_field.label,
        required=False,
        help_text=model_field.help_text,
        widget=forms.TextInput(
            attrs={"maxlength": IDENTIFIER_INPUT_LENGTH, "inputmode": "numeric", "autocomplete": "off"}
        ),
    )


def _drop_generic_length_errors(form: forms.ModelForm) -> None:
    # A too-long identifier gets both Django's generic "at most N characters" (from the
    # column) and the identifier's own message ("PESEL must have 11 digits."), which says
    # more. The column's check only ever sees a non-empty compacted value, so whatever
    # other message stands beside it is about the same mistake.
    for errors in form.errors.values():
        codes = [error.code for error in errors.as_data()]
        if "max_length" in codes and len(codes) > 1:
            errors.data = [error for error in errors.as_data() if error.code != "max_length"]


class RegistrantForm(forms.ModelForm):
    """One form class for both kinds; the kind is fixed on the instance before binding."""

    # Shown with an asterisk; the model says "required" itself so that every rule, including
    # the conditional ones (KRS for some legal forms), speaks through one place.
    REQUIRED = {
        Registrant.Kind.PERSON: {"first_name", "last_name", "pesel", *ADDRESS_FIELDS, "email"},
        Registrant.Kind.ORGANISATION: {
            "name",
            "legal_form",
            "nip",
            "regon",
            "representation",
            *ADDRESS_FIELDS,
            "email",
        },
    }

    class Meta:
        model = Registrant
        fields = ORGANISATION_FIELDS + ("first_name", "last_name", "pesel")

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.kind = kind
        wanted = PERSON_FIELDS if kind == Registrant.Kind.PERSON else ORGANISATION_FIELDS
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.order_fields(wanted)
        for name in _COMPACTORS:
            if name in self.fields:
                _loosen_identifier(self, name)
        for name in self.REQUIRED[kind]:
            self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].show_required = True
        if "krs" in self.fields:
            self.fields["krs"].help_text = _(
                "Only for partnerships, companies, cooperatives, foundations and associations."
            )
            self.fields["legal_form"].widget.attrs["data-krs-forms"] = " ".join(
                sorted(str(form) for form in Registrant.KRS_FORMS)
            )
        if "country" in self.fields:
            self.fields["country"].widget.attrs.update(size=2, autocomplete="country")
        if "postal_code" in self.fields:
            self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"

    def _clean_identifier(self, name: str) -> str:
        return _COMPACTORS[name](self.cleaned_data.get(name) or "")

    def clean_pesel(self) -> str:
        return self._clean_identifier("pesel")

    def clean_nip(self) -> str:
        return self._clean_identifier("nip")

    def clean_regon(self) -> str:
        return self._clean_identifier("regon")

    def clean_krs(self) -> str:
        return self._clean_identifier("krs")

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").upper()

    def _post_clean(self) -> None:
        super()._post_clean()
        _drop_generic_length_errors(self)


class RepresentativeForm(forms.ModelForm):
    class Meta:
        model = Representative
        fields = ("first_name", "last_name", "function", "pesel")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _loosen_identifier(self, "pesel")
        self.fields["pesel"].help_text = _("Optional; checked if given.")

    def clean_pesel(self) -> str:
        return pesel.compact(self.cleaned_data.get("pesel") or "")

    def _post_clean(self) -> None:
        super()._post_clean()
        _drop_generic_length_errors(self)


class BaseRepresentativeFormSet(BaseInlineFormSet):
    """The people who may sign for the organisation, e.g. a cesja form."""

    # Set by the view from the profile form before validation: how many people must sign
    # depends on the way the organisation is represented.
    representation: str = ""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept = 0
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            # An untouched extra row is the blank one offered for adding, not a person.
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept += 1
        if not kept:
            raise forms.ValidationError(
                _("Name at least one person who may represent the organisation."), code="too_few"
            )
        joint = {Registrant.Representation.JOINTLY, Registrant.Representation.ALL_PARTNERS}
        if self.representation in joint and kept < 2:
            raise forms.ValidationError(
                _("Joint representation needs at least two representatives."), code="too_few_joint"
            )


RepresentativeFormSet = inlineformset_factory(
    Registrant,
    Representative,
    form=RepresentativeForm,
    formset=BaseRepresentativeFormSet,
    extra=1,
    can_delete=True,
)
