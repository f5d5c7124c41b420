"""Downloading stored documents. Always as an attachment and never rendered by the browser:
what a customer sent is opened by staff in their own viewer, never as a page of our site."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from . import events
from .models import GeneratedDocument, ReceivedDocument

# Letters (any alphabet), digits and a few marks; anything else in a download name becomes _.
UNSAFE_FILENAME = re.compile(r"[^\w.\- ]+")


def may_see_documents(user, case: models.Model) -> bool:
    """The case decides through ``documents_visible_to(user)``; a case that does not say
    shows its documents to back-office staff and auditors only."""
    hook = getattr(case, "documents_visible_to", None)
    if callable(hook):
        return bool(hook(user))
    return bool(user.is_back_office or user.is_auditor)


def _case_of(document: ReceivedDocument | GeneratedDocument) -> models.Model:
    try:
        return document.case_type.get_object_for_this_type(pk=document.case_id)
    except ObjectDoesNotExist:
        raise Http404 from None


def _attachment(request: HttpRequest, document, filename: str, content_type: str) -> FileResponse:
    case = _case_of(document)
    if not may_see_documents(request.user, case):
        # The same answer as for a document that does not exist: a number in a URL must not
        # tell anyone that some case has a document under it.
        raise Http404
    if request.method == "GET":  # a HEAD carries no content: nobody has read anything
        events.document_downloaded(request.user, document, case, filename)
    content = document.file.storage.open(document.file.name, "rb")
    response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it after all, it gets no scripts, no forms, no same-origin access.
    response["Content-Security-Policy"] = "sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _safe_filename(stem: str, extension: str) -> str:
    cleaned = UNSAFE_FILENAME.sub("_", stem).strip(" ._")[:100]
    return f"{cleaned or 'document'}.{extension}"


@require_safe
@login_required
def download_received(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(ReceivedDocument.objects.select_related("case_type"), pk=pk)
    # The sender's name, with the extension of what the content turned out to be.
    extension = PurePosixPath(document.file.name).suffix.lstrip(".") or "bin"
    stem = PurePosixPath(document.original_name).stem if document.original_name else ""
    return _attachment(request, document, _safe_filename(stem, extension), document.content_type)


@require_safe
@login_required
def download_generated(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(GeneratedDocument.objects.select_related("case_type"), pk=pk)
    extension = PurePosixPath(document.file.name).suffix.lstrip(".") or "pdf"
    content_type = "application/pdf" if extension == "pdf" else "application/octet-stream"
    return _attachment(request, document, _safe_filename(document.number, extension), content_type)
