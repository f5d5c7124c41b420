"""Typed outcomes of EPP commands: the parsed response and the errors, keyed by result code.

Every exception here is safe to log and to show to staff: none carries a password or an
authInfo, because none is ever built from a frame we sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .codes import ResultCode

if TYPE_CHECKING:
    from .data import ResData


@dataclass(frozen=True)
class ExtValue:
    """A server's pointer at what was wrong: the offending element and why (RFC 5730 extValue)."""

    element: str  # local name of the element the server quoted, e.g. "name"
    value: str  # its text
    reason: str


@dataclass(frozen=True)
class Result:
    code: int
    message: str
    lang: str = "en"
    values: tuple[str, ...] = ()
    ext_values: tuple[ExtValue, ...] = ()

    @property
    def is_success(self) -> bool:
        return self.code < 2000


@dataclass(frozen=True)
class TransactionId:
    client: str | None
    server: str


@dataclass(frozen=True)
class MessageQueue:
    count: int
    id: str
    queued_at: datetime | None = None
    message: str | None = None


@dataclass(frozen=True)
class Response:
    results: tuple[Result, ...]
    trid: TransactionId
    msgq: MessageQueue | None = None
    data: ResData | None = None
    # The frame as received, for a message that must be kept as it came (an unreadable poll
    # message). It may hold the registry's authInfo: never logged or shown unredacted
    # (``framelog.redact``), and left out of repr.
    frame: bytes = field(default=b"", repr=False, compare=False)

    @property
    def result(self) -> Result:
        return self.results[0]

    @property
    def code(self) -> int:
        return self.result.code

    @property
    def message(self) -> str:
        return self.result.message

    @property
    def is_success(self) -> bool:
        return self.result.is_success

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(ev.reason for r in self.results for ev in r.ext_values if ev.reason)


@dataclass(frozen=True)
class Greeting:
    server_id: str
    server_date: datetime
    versions: tuple[str, ...]
    languages: tuple[str, ...]
    object_uris: tuple[str, ...]
    extension_uris: tuple[str, ...] = field(default_factory=tuple)

    def supports(self, uri: str) -> bool:
        return uri in self.object_uris or uri in self.extension_uris


# ---------------------------------------------------------------------------- errors


class RegistryError(Exception):
    """Anything the EPP library raises on purpose."""


class RegistryUnavailable(RegistryError):
    """The registry could not be reached, or stopped answering: a connection failure or a
    timeout. Nothing is known to have happened at the registry unless the subclass says so."""


class CommandOutcomeUnknown(RegistryUnavailable):
    """The command was sent but its answer was lost: it may or may not have been executed.
    Find out (e.g. with a transfer query) before sending it again."""

    def __init__(self, message: str, *, cl_trid: str = "") -> None:
        super().__init__(message)
        self.cl_trid = cl_trid

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),), {"cl_trid": self.cl_trid})


class LoginRefused(RegistryUnavailable):
    """The registry refused to log us in (2200, 2501, 2502, or any refusal at login): it is
    unavailable to us, which says nothing about the customer's request. Requests wait; the
    technical team is told (logged at ERROR)."""

    def __init__(self, message: str, *, code: int = 0) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),), {"code": self.code})


class ProtocolError(RegistryError):
    """The peer sent something that is not a valid EPP answer."""


class ResponseDataInvalid(ProtocolError):
    """The response's results, transaction IDs and message queue could be read, but not what
    it says (its resData, or its message queue's details). ``response`` is what could be read,
    without ``data``: enough to acknowledge a poll message that cannot be processed."""

    def __init__(self, message: str, *, response: Response | None = None) -> None:
        super().__init__(message)
        self.response = response

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),))


class XmlRefused(ProtocolError):
    """A document we refuse to parse (DOCTYPE, entities) or cannot parse."""


class FrameInvalid(ProtocolError):
    """A frame of ours that does not validate against the EPP schemas, and so was not sent."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("the frame does not match the EPP schemas: " + "; ".join(self.errors[:3]))


class ClientConfigurationError(RegistryError):
    """Our own settings make the command impossible (e.g. a password the registry cannot take)."""


class EppError(RegistryError):
    """The registry answered with a 2xxx result code."""

    default_code: int = 2400

    def __init__(
        self, response: Response | None = None, *, code: int | None = None, message: str = ""
    ) -> None:
        self.response = response
        self.code = response.code if response is not None else (code or self.default_code)
        self.registry_message = response.message if response is not None else message
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"{self.code} {self.registry_message}".strip()
        reasons = self.reasons
        return f"{text} ({'; '.join(reasons)})" if reasons else text

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.response.reasons if self.response is not None else ()

    @property
    def cl_trid(self) -> str | None:
        return self.response.trid.client if self.response is not None else None

    @property
    def sv_trid(self) -> str | None:
        return self.response.trid.server if self.response is not None else None

    def __reduce__(self) -> tuple[Any, ...]:
        # Celery and multiprocessing pickle exceptions; keep what is needed to rebuild one.
        return (_rebuild_error, (type(self), self.code, self.registry_message))


def _rebuild_error(cls: type[EppError], code: int, message: str) -> EppError:
    return cls(code=code, message=message)


class CommandSyntaxOrParameterError(EppError):
    """2001-2005: the frame or one of its values was refused as malformed."""

    default_code = 2001


class CommandSyntaxError(CommandSyntaxOrParameterError):
    default_code = 2001


class CommandUseError(CommandSyntaxOrParameterError):
    default_code = 2002


class RequiredParameterMissing(CommandSyntaxOrParameterError):
    default_code = 2003


class ParameterValueRangeError(CommandSyntaxOrParameterError):
    default_code = 2004


class ParameterValueSyntaxError(CommandSyntaxOrParameterError):
    default_code = 2005


class UnimplementedError(EppError):
    """2000, 2100-2103, 2307: the registry does not offer this."""

    default_code = 2101


class BillingFailure(EppError):
    default_code = 2104


class NotEligibleForRenewal(EppError):
    default_code = 2105


class NotEligibleForTransfer(EppError):
    default_code = 2106


class AuthenticationError(EppError):
    default_code = 2200


class AuthorizationError(EppError):
    default_code = 2201


class InvalidAuthInfo(AuthorizationError):
    default_code = 2202


class ObjectPendingTransfer(EppError):
    default_code = 2300


class ObjectNotPendingTransfer(EppError):
    default_code = 2301


class ObjectExists(EppError):
    default_code = 2302


class ObjectDoesNotExist(EppError):
    default_code = 2303


class StatusProhibitsOperation(EppError):
    default_code = 2304


class AssociationProhibitsOperation(EppError):
    default_code = 2305


class ParameterPolicyError(EppError):
    default_code = 2306


class DataManagementPolicyViolation(EppError):
    default_code = 2308


class CommandFailed(RegistryUnavailable, EppError):
    """2400: the registry failed on its side; nothing was done, and the same command may work
    a little later, so it is retried as an outage is."""

    default_code = 2400


class SessionEnded(EppError):
    """2500-2502: the registry closed the session after answering."""

    default_code = 2500


class AuthenticationErrorSessionEnded(SessionEnded, AuthenticationError):
    default_code = 2501


class SessionLimitExceeded(SessionEnded):
    default_code = 2502


ERRORS_BY_CODE: dict[int, type[EppError]] = {
    ResultCode.UNKNOWN_COMMAND: UnimplementedError,
    ResultCode.COMMAND_SYNTAX_ERROR: CommandSyntaxError,
    ResultCode.COMMAND_USE_ERROR: CommandUseError,
    ResultCode.REQUIRED_PARAMETER_MISSING: RequiredParameterMissing,
    ResultCode.PARAMETER_VALUE_RANGE_ERROR: ParameterValueRangeError,
    ResultCode.PARAMETER_VALUE_SYNTAX_ERROR: ParameterValueSyntaxError,
    ResultCode.UNIMPLEMENTED_PROTOCOL_VERSION: UnimplementedError,
    ResultCode.UNIMPLEMENTED_COMMAND: UnimplementedError,
    ResultCode.UNIMPLEMENTED_OPTION: UnimplementedError,
    ResultCode.UNIMPLEMENTED_EXTENSION: UnimplementedError,
    ResultCode.BILLING_FAILURE: BillingFailure,
    ResultCode.NOT_ELIGIBLE_FOR_RENEWAL: NotEligibleForRenewal,
    ResultCode.NOT_ELIGIBLE_FOR_TRANSFER: NotEligibleForTransfer,
    ResultCode.AUTHENTICATION_ERROR: AuthenticationError,
    ResultCode.AUTHORIZATION_ERROR: AuthorizationError,
    ResultCode.INVALID_AUTHORIZATION_INFORMATION: InvalidAuthInfo,
    ResultCode.OBJECT_PENDING_TRANSFER: ObjectPendingTransfer,
    ResultCode.OBJECT_NOT_PENDING_TRANSFER: ObjectNotPendingTransfer,
    ResultCode.OBJECT_EXISTS: ObjectExists,
    ResultCode.OBJECT_DOES_NOT_EXIST: ObjectDoesNotExist,
    ResultCode.OBJECT_STATUS_PROHIBITS_OPERATION: StatusProhibitsOperation,
    ResultCode.OBJECT_ASSOCIATION_PROHIBITS_OPERATION: AssociationProhibitsOperation,
    ResultCode.PARAMETER_VALUE_POLICY_ERROR: ParameterPolicyError,
    ResultCode.UNIMPLEMENTED_OBJECT_SERVICE: UnimplementedError,
    ResultCode.DATA_MANAGEMENT_POLICY_VIOLATION: DataManagementPolicyViolation,
    ResultCode.COMMAND_FAILED: CommandFailed,
    ResultCode.COMMAND_FAILED_CLOSING: SessionEnded,
    ResultCode.AUTHENTICATION_ERROR_CLOSING: AuthenticationErrorSessionEnded,
    ResultCode.SESSION_LIMIT_EXCEEDED_CLOSING: SessionLimitExceeded,
}


def error_class_for(code: int) -> type[EppError]:
    """The exception class for a 2xxx code; codes a registry invents fall back by range."""
    if code in ERRORS_BY_CODE:
        return ERRORS_BY_CODE[code]
    if 2000 <= code < 2100:
        return CommandSyntaxOrParameterError
    if 2500 <= code < 2600:
        return SessionEnded
    return EppError


def error_for(response: Response) -> EppError:
    return error_class_for(response.code)(response)


def error_for_code(code: int, message: str = "") -> EppError:
    """Rebuild an error from a stored code, e.g. when a retried command finds its old outcome."""
    return error_class_for(code)(code=code, message=message)
