"""The home page of each role, the customer's lists and the domain check: the pages that
draw on several apps. The auditor's home page is the history search, served by audit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts import selectors as account_selectors
from assignments import selectors as cesja_selectors
from audit import views as audit_views
from registry import selectors as domain_selectors
from transfers import selectors as transfer_selectors
from workflows import queues
from workflows.access import role_required
from workflows.roles import SUPERVISOR_PERMISSION, Role, Team, team_permission

from . import selectors
from .forms import DomainCheckForm, QueueFilterForm
from .resolution import WEEKS, resolution_charts

QUEUE_PAGE_SIZE = 25
REQUEST_PAGE_SIZE = 25
# The home page shows the first domains and requests of each kind and links to the full lists.
HOME_LIST_SIZE = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is."""
    role = request.user.role
    if role == Role.CUSTOMER:
        return customer_home(request)
    if role == Role.STAFF:
        return staff_home(request)
    if role == Role.SUPERVISOR:
        return supervisor_home(request)
    return audit_views.history_search(request)


@role_required(Role.CUSTOMER)
def customer_home(request: HttpRequest) -> HttpResponse:
    domains = domain_selectors.customer_domains(request.user)
    transfers = transfer_selectors.customer_transfers(request.user)
    cesje = cesja_selectors.customer_cesje(request.user)
    return render(
        request,
        "portal/home_customer.html",
        {
            "registrants": account_selectors.registrants_of(request.user),
            "domains": domain_selectors.domain_rows(domains[:HOME_LIST_SIZE]),
            "domain_count": domains.count(),
            "transfers": transfer_selectors.transfer_rows(transfers[:HOME_LIST_SIZE]),
            "transfer_count": transfers.count(),
            "cesje": cesja_selectors.cesja_rows(cesje[:HOME_LIST_SIZE], request.user),
            "cesja_count": cesje.count(),
            "check_form": DomainCheckForm(),
            "served_tlds": domain_selectors.served_tlds(),
        },
    )


def _page(request: HttpRequest, items) -> Page:
    return Paginator(items, REQUEST_PAGE_SIZE).get_page(request.GET.get("page"))


@role_required(Role.CUSTOMER)
@require_safe
def my_domains(request: HttpRequest) -> HttpResponse:
    """All the customer's domains, the soonest to expire first, a page at a time."""
    page = _page(request, domain_selectors.customer_domains(request.user))
    return render(
        request,
        "portal/my_domains.html",
        {"page": page, "domains": domain_selectors.domain_rows(page.object_list)},
    )


@role_required(Role.CUSTOMER)
@require_safe
def my_transfers(request: HttpRequest) -> HttpResponse:
    """All the customer's transfer requests, a page at a time."""
    page = _page(request, transfer_selectors.customer_transfers(request.user))
    return render(
        request,
        "portal/my_transfers.html",
        {"page": page, "transfers": transfer_selectors.transfer_rows(page.object_list)},
    )


@role_required(Role.CUSTOMER)
@require_safe
def my_cesje(request: HttpRequest) -> HttpResponse:
    """All the cesje the customer is a party to, a page at a time."""
    page = _page(request, cesja_selectors.customer_cesje(request.user))
    return render(
        request,
        "portal/my_cesje.html",
        {"page": page, "cesje": cesja_selectors.cesja_rows(page.object_list, request.user)},
    )


def _queues(request: HttpRequest) -> dict:
    user = request.user
    filter_form = QueueFilterForm(request.GET or None)
    filters = queues.parse_filters(request.GET)
    members = list(queues.team_members(user.team)) if user.team else []
    # the queue, the inbox and their rows all need the deadline table: read once per page
    table = queues.deadline_table()
    tasks = queues.team_tasks(user.team, filters, table=table) if user.team else queues.open_tasks().none()
    tasks = selectors.with_case_labels(tasks)
    page = Paginator(tasks, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    inbox = selectors.with_case_labels(queues.held_by(user, table))
    return {
        "queue": selectors.task_rows(page.object_list, table=table),
        "queue_page": page,
        "queue_query": query.urlencode(),
        "inbox": selectors.task_rows(inbox, table=table),
        "team_label": user.get_team_display(),
        "filter_form": filter_form,
        "filtered": bool(query),
        "members": members,
        "is_supervisor": user.has_perm(SUPERVISOR_PERMISSION),
        "next_url": request.get_full_path(),
    }


@role_required(Role.STAFF)
def staff_home(request: HttpRequest) -> HttpResponse:
    context = _queues(request)
    if request.user.has_perm(team_permission(Team.DOMAINS)):
        context["unprocessed_messages"] = transfer_selectors.unprocessed_poll_messages().count()
    return render(request, "portal/home_staff.html", context)


@role_required(Role.SUPERVISOR)
def supervisor_home(request: HttpRequest) -> HttpResponse:
    context = _queues(request)
    overdue = queues.overdue_counts()  # both workload tables show it
    teams = selectors.workload_by_team(overdue=overdue)
    context["teams"] = teams
    context["totals"] = {
        "waiting": sum(load.waiting for load in teams),
        "in_progress": sum(load.in_progress for load in teams),
        "overdue": sum(load.overdue for load in teams),
    }
    context["people"] = selectors.workload_by_person(overdue=overdue)
    context["resolution_charts"] = resolution_charts()
    context["resolution_weeks"] = WEEKS
    return render(request, "portal/home_supervisor.html", context)


@role_required(Role.CUSTOMER, Role.STAFF, Role.SUPERVISOR)
@require_safe
def check_domain(request: HttpRequest) -> HttpResponse:
    form = DomainCheckForm(request.GET if "name" in request.GET else None)
    result = None
    if form.is_bound and form.is_valid():
        name = form.cleaned_data["name"]
        domain = domain_selectors.find_domain(name)
        result = {
            "name": name,
            "domain": domain,
            "held_by_us": domain is not None and domain.sponsor.is_us,
            "is_yours": domain is not None
            and domain.registrant is not None
            and domain.registrant.account_id == request.user.pk,
        }
    return render(
        request,
        "portal/check_domain.html",
        {"check_form": form, "result": result, "served_tlds": domain_selectors.served_tlds()},
    )
