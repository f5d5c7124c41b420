"""An EPP client (RFC 5730-5734) that knows nothing of Django.

    transport = TcpTlsTransport("epp.example", 700, ca_file="ca.pem")
    # or, as NASK serves it: HttpsTransport(url, ca_file=..., hello_frame=frames.hello())
    with EppClient(transport, client_id="regflow", password="...") as client:
        info = client.domain_info("example.pl").data

Commands are values (``commands``), frames are built with lxml (``frames``), checked against
the shipped XSDs (``schema``) and answers are parsed into dataclasses (``responses``,
``data``); refusals raise the ``EppError`` subclass for their result code (``results``).
"""

from .client import EppClient
from .commands import Command
from .framelog import FrameLog
from .https import HttpsTransport
from .results import (
    AuthenticationError,
    AuthorizationError,
    ClientConfigurationError,
    CommandOutcomeUnknown,
    CommandUseError,
    EppError,
    InvalidAuthInfo,
    LoginRefused,
    NotEligibleForTransfer,
    ObjectDoesNotExist,
    ObjectNotPendingTransfer,
    ObjectPendingTransfer,
    ProtocolError,
    RegistryError,
    RegistryUnavailable,
    Response,
    StatusProhibitsOperation,
    XmlRefused,
)
from .transport import TcpTlsTransport, Transport

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "ClientConfigurationError",
    "Command",
    "CommandOutcomeUnknown",
    "CommandUseError",
    "LoginRefused",
    "EppClient",
    "EppError",
    "FrameLog",
    "HttpsTransport",
    "InvalidAuthInfo",
    "NotEligibleForTransfer",
    "ObjectDoesNotExist",
    "ObjectNotPendingTransfer",
    "ObjectPendingTransfer",
    "ProtocolError",
    "RegistryError",
    "RegistryUnavailable",
    "Response",
    "StatusProhibitsOperation",
    "TcpTlsTransport",
    "Transport",
    "XmlRefused",
]
