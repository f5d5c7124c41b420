"""EPP result codes and their standard texts (RFC 5730, section 3)."""

from __future__ import annotations

from enum import IntEnum


class ResultCode(IntEnum):
    SUCCESS = 1000
    SUCCESS_PENDING = 1001
    SUCCESS_NO_MESSAGES = 1300
    SUCCESS_ACK_TO_DEQUEUE = 1301
    SUCCESS_ENDING_SESSION = 1500
    UNKNOWN_COMMAND = 2000
    COMMAND_SYNTAX_ERROR = 2001
    COMMAND_USE_ERROR = 2002
    REQUIRED_PARAMETER_MISSING = 2003
    PARAMETER_VALUE_RANGE_ERROR = 2004
    PARAMETER_VALUE_SYNTAX_ERROR = 2005
    UNIMPLEMENTED_PROTOCOL_VERSION = 2100
    UNIMPLEMENTED_COMMAND = 2101
    UNIMPLEMENTED_OPTION = 2102
    UNIMPLEMENTED_EXTENSION = 2103
    BILLING_FAILURE = 2104
    NOT_ELIGIBLE_FOR_RENEWAL = 2105
    NOT_ELIGIBLE_FOR_TRANSFER = 2106
    AUTHENTICATION_ERROR = 2200
    AUTHORIZATION_ERROR = 2201
    INVALID_AUTHORIZATION_INFORMATION = 2202
    OBJECT_PENDING_TRANSFER = 2300
    OBJECT_NOT_PENDING_TRANSFER = 2301
    OBJECT_EXISTS = 2302
    OBJECT_DOES_NOT_EXIST = 2303
    OBJECT_STATUS_PROHIBITS_OPERATION = 2304
    OBJECT_ASSOCIATION_PROHIBITS_OPERATION = 2305
    PARAMETER_VALUE_POLICY_ERROR = 2306
    UNIMPLEMENTED_OBJECT_SERVICE = 2307
    DATA_MANAGEMENT_POLICY_VIOLATION = 2308
    COMMAND_FAILED = 2400
    COMMAND_FAILED_CLOSING = 2500
    AUTHENTICATION_ERROR_CLOSING = 2501
    SESSION_LIMIT_EXCEEDED_CLOSING = 2502

    @property
    def standard_text(self) -> str:
        return STANDARD_TEXTS[self]

    @property
    def is_success(self) -> bool:
        return self < 2000

    @property
    def ends_session(self) -> bool:
        return self == ResultCode.SUCCESS_ENDING_SESSION or self >= 2500


STANDARD_TEXTS = {
    ResultCode.SUCCESS: "Command completed successfully",
    ResultCode.SUCCESS_PENDING: "Command completed successfully; action pending",
    ResultCode.SUCCESS_NO_MESSAGES: "Command completed successfully; no messages",
    ResultCode.SUCCESS_ACK_TO_DEQUEUE: "Command completed successfully; ack to dequeue",
    ResultCode.SUCCESS_ENDING_SESSION: "Command completed successfully; ending session",
    ResultCode.UNKNOWN_COMMAND: "Unknown command",
    ResultCode.COMMAND_SYNTAX_ERROR: "Command syntax error",
    ResultCode.COMMAND_USE_ERROR: "Command use error",
    ResultCode.REQUIRED_PARAMETER_MISSING: "Required parameter missing",
    ResultCode.PARAMETER_VALUE_RANGE_ERROR: "Parameter value range error",
    ResultCode.PARAMETER_VALUE_SYNTAX_ERROR: "Parameter value syntax error",
    ResultCode.UNIMPLEMENTED_PROTOCOL_VERSION: "Unimplemented protocol version",
    ResultCode.UNIMPLEMENTED_COMMAND: "Unimplemented command",
    ResultCode.UNIMPLEMENTED_OPTION: "Unimplemented option",
    ResultCode.UNIMPLEMENTED_EXTENSION: "Unimplemented extension",
    ResultCode.BILLING_FAILURE: "Billing failure",
    ResultCode.NOT_ELIGIBLE_FOR_RENEWAL: "Object is not eligible for renewal",
    ResultCode.NOT_ELIGIBLE_FOR_TRANSFER: "Object is not eligible for transfer",
    ResultCode.AUTHENTICATION_ERROR: "Authentication error",
    ResultCode.AUTHORIZATION_ERROR: "Authorization error",
    ResultCode.INVALID_AUTHORIZATION_INFORMATION: "Invalid authorization information",
    ResultCode.OBJECT_PENDING_TRANSFER: "Object pending transfer",
    ResultCode.OBJECT_NOT_PENDING_TRANSFER: "Object not pending transfer",
    ResultCode.OBJECT_EXISTS: "Object exists",
    ResultCode.OBJECT_DOES_NOT_EXIST: "Object does not exist",
    ResultCode.OBJECT_STATUS_PROHIBITS_OPERATION: "Object status prohibits operation",
    ResultCode.OBJECT_ASSOCIATION_PROHIBITS_OPERATION: "Object association prohibits operation",
    ResultCode.PARAMETER_VALUE_POLICY_ERROR: "Parameter value policy error",
    ResultCode.UNIMPLEMENTED_OBJECT_SERVICE: "Unimplemented object service",
    ResultCode.DATA_MANAGEMENT_POLICY_VIOLATION: "Data management policy violation",
    ResultCode.COMMAND_FAILED: "Command failed",
    ResultCode.COMMAND_FAILED_CLOSING: "Command failed; server closing connection",
    ResultCode.AUTHENTICATION_ERROR_CLOSING: "Authentication error; server closing connection",
    ResultCode.SESSION_LIMIT_EXCEEDED_CLOSING: "Session limit exceeded; server closing connection",
}
