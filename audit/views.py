"""The auditor's pages: find requests, read one request's whole record, export histories;
search the event-level history, read one event with its place in the hash chain, export it.

Every view is read-only (GET and HEAD only) and open to the history readers: auditors, and
supervisors who look into what their teams did.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from workflows.access import HISTORY_READERS, role_required
from workflows.models import HistoryEvent
from workflows.paging import CappedPaginator
from workflows.readable import readable_changes, readable_details

from . import exports, selectors
from .forms import HistorySearchForm, RequestSearchForm

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 25
# A PDF of more requests than this is a book nobody reads and a render that takes minutes;
# the CSV export has no such limit.
REPORT_LIMIT = 200


def _search(request: HttpRequest) -> tuple[RequestSearchForm, object]:
    form = RequestSearchForm(request.GET or None)
    return form, selectors.search_requests(form.filters())


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _filters_text(form: RequestSearchForm) -> str:
    if not form.is_bound or not form.is_valid():
        return ""
    parts = []
    for name, value in form.cleaned_data.items():
        if value in ("", None):
            continue
        field = form[name]
        shown = dict(field.field.choices).get(value, value) if hasattr(field.field, "choices") else value
        parts.append(f"{field.label}: {shown}")
    return "; ".join(parts)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@role_required(*HISTORY_READERS)
@require_safe
def search(request: HttpRequest, *, report_error: str = "", status: int = 200) -> HttpResponse:
    form, rows = _search(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(request)
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "page": page,
            "requests": selectors.load_requests(page.object_list),
            "query": query,
            "filtered": bool(query),
            "report_limit": REPORT_LIMIT,
            "report_error": report_error,
        },
        status=status,
    )


@role_required(*HISTORY_READERS)
@require_safe
def request_history(request: HttpRequest, ref: str) -> HttpResponse:
    row = selectors.request_by_ref(ref)
    record = selectors.request_record(row)
    return render(
        request,
        "audit/request.html",
        {"row": row, "record": record, "channel_label": selectors.channel_label},
    )


def _csv_response(lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    """A CSV file streamed from lines written by ``exports.csv_lines``."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _rows_lazily(union_rows, batch: int = 100):
    """Page through the search so that a CSV of thousands of requests never sits in memory."""
    paginator = Paginator(union_rows, batch)
    for number in paginator.page_range:
        yield from selectors.load_requests(paginator.page(number).object_list)


@role_required(*HISTORY_READERS)
@require_safe
def request_csv(request: HttpRequest, ref: str) -> StreamingHttpResponse:
    row = selectors.request_by_ref(ref)
    return _csv_response(exports.stream_csv([row]), f"history-{row.ref}-{_stamp()}.csv")


@role_required(*HISTORY_READERS)
@require_safe
def request_pdf(request: HttpRequest, ref: str) -> HttpResponse:
    row = selectors.request_by_ref(ref)
    pdf = exports.render_pdf([selectors.request_record(row)], user=request.user)
    return _pdf_response(pdf, f"history-{row.ref}-{_stamp()}.pdf")


@role_required(*HISTORY_READERS)
@require_safe
def search_csv(request: HttpRequest) -> StreamingHttpResponse:
    _form, rows = _search(request)
    return _csv_response(exports.stream_csv(_rows_lazily(rows)), f"histories-{_stamp()}.csv")


@role_required(*HISTORY_READERS)
@require_safe
def search_pdf(request: HttpRequest) -> HttpResponse:
    form, rows = _search(request)
    found = rows.count()
    if found > REPORT_LIMIT:
        message = _(
            "A PDF report holds at most %(limit)d requests and this search finds %(found)d. "
            "Narrow the search, or export it as CSV, which has no limit."
        ) % {"limit": REPORT_LIMIT, "found": found}
        return search(request, report_error=message, status=400)
    records = selectors.records_for(selectors.load_requests(rows))
    pdf = exports.render_pdf(records, user=request.user, filters_text=_filters_text(form))
    return _pdf_response(pdf, f"histories-{_stamp()}.pdf")


# --- the event-level history ------------------------------------------------------------


@role_required(*HISTORY_READERS)
@require_safe
def history_search(request: HttpRequest) -> HttpResponse:
    form = HistorySearchForm(request.GET or None)
    events = selectors.search_history(form.filters())
    page = CappedPaginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/history_search.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": bool(query)},
    )


@role_required(*HISTORY_READERS)
@require_safe
def history_event(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(HistoryEvent.objects.select_related("actor", "subject_type"), pk=pk)
    changes = readable_changes(event)
    return render(
        request,
        "audit/history_event.html",
        {
            "event": event,
            "changes": changes,
            "details": readable_details(event),
            "chain": selectors.check_event(event),
        },
    )


@role_required(*HISTORY_READERS)
@require_safe
def history_export(request: HttpRequest) -> StreamingHttpResponse:
    """The search result as CSV, every matching event, streamed so size does not matter."""
    events = selectors.search_history(HistorySearchForm(request.GET or None).filters())
    return _csv_response(exports.stream_history_csv(events), f"regflow-history-{_stamp()}.csv")
