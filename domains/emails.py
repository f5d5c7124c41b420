"""E-mail about a domain we hold, in the language of the person it goes to. The only code that
ever goes out by mail is one we issued, to the registrant of a domain we hold."""

from __future__ import annotations

import logging

from workflows.mail import TemplateMail, language_of

logger = logging.getLogger(__name__)

send = TemplateMail("domains/email", case_key="domain", noun="domain", logger=logger).send

__all__ = ["language_of", "send"]
