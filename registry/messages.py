"""What to tell people when a registry command did not go through: one clear, translatable
sentence per kind of outcome. Registry texts are English and technical; these are for
customers and back-office staff."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .epp import results as r

MESSAGES: dict[type[BaseException], Promise] = {
    r.RegistryError: _("Something went wrong while talking to the registry. Please try again later."),
    r.RegistryUnavailable: _(
        "The registry cannot be reached at the moment. Nothing was changed; "
        "please try again in a few minutes."
    ),
    r.CommandOutcomeUnknown: _(
        "The registry did not confirm the last command. We will check what happened at the registry "
        "before trying again, so nothing is done twice."
    ),
    r.ProtocolError: _(
        "The registry sent an answer we could not understand. Please report this to the technical team."
    ),
    r.ClientConfigurationError: _(
        "Our connection to the registry is not configured correctly. "
        "Please report this to the technical team."
    ),
    r.EppError: _("The registry refused the command."),
    r.CommandSyntaxOrParameterError: _(
        "The registry could not accept the data we sent. Please report this to the technical team."
    ),
    r.UnimplementedError: _("The registry does not offer this operation."),
    r.BillingFailure: _(
        "The registry refused the operation because of our account with the registry. "
        "Please contact the technical team."
    ),
    r.NotEligibleForRenewal: _("This domain cannot be renewed at the moment."),
    r.NotEligibleForTransfer: _(
        "The registry says this domain is not eligible for transfer at the moment "
        "(for example, it was registered or transferred too recently)."
    ),
    r.AuthenticationError: _(
        "We could not log in to the registry. Please report this to the technical team."
    ),
    r.AuthorizationError: _("The registry does not allow us to do this with this domain."),
    r.InvalidAuthInfo: _(
        "The transfer code (authinfo) is not correct. Check it, or ask the current registrar for a new one."
    ),
    r.ObjectPendingTransfer: _("A transfer of this domain is already in progress."),
    r.ObjectNotPendingTransfer: _("No transfer of this domain is in progress."),
    r.ObjectExists: _("This already exists at the registry."),
    r.ObjectDoesNotExist: _("The registry has no such domain or contact. Check the name."),
    r.StatusProhibitsOperation: _(
        "The domain's current status does not allow this: it may be locked against transfers, expired, "
        "being deleted, or registered or transferred too recently."
    ),
    r.AssociationProhibitsOperation: _(
        "This cannot be done while other records at the registry depend on it."
    ),
    r.ParameterPolicyError: _("The registry's rules do not allow this value."),
    r.DataManagementPolicyViolation: _("The registry's data policy does not allow this."),
    r.CommandFailed: _(
        "The registry could not carry out the command because of a fault on its side. Please try again later."
    ),
    r.SessionEnded: _("The registry closed the connection. Please try again in a few minutes."),
    r.SessionLimitExceeded: _(
        "The registry has too many connections from us open at the moment. Please try again in a few minutes."
    ),
    r.LoginRefused: _(
        "The registry does not let us in at the moment. Nothing was changed; we keep your request "
        "and send it as soon as the registry lets us in again."
    ),
    r.AuthenticationErrorSessionEnded: _(
        "We could not log in to the registry. Please report this to the technical team."
    ),
}

TRANSFER_STATUS_LABELS: dict[str, Promise] = {
    "pending": _("waiting for the current registrar"),
    "clientApproved": _("approved by the current registrar"),
    "clientRejected": _("rejected by the current registrar"),
    "clientCancelled": _("cancelled by the registrar that asked for it"),
    "serverApproved": _("approved by the registry after the waiting period"),
    "serverCancelled": _("cancelled by the registry"),
}


def message_for(outcome: BaseException | int) -> Promise:
    """The message for an exception raised by the EPP library, or for a stored 2xxx code."""
    if isinstance(outcome, int) and outcome < 2000:
        raise ValueError(f"{outcome} is a success code, not a refusal")
    error_class = r.error_class_for(outcome) if isinstance(outcome, int) else type(outcome)
    for cls in error_class.__mro__:
        if cls in MESSAGES:
            return MESSAGES[cls]
    return MESSAGES[r.RegistryError]
