from django.urls import path, register_converter

from . import views


class RequestRefConverter:
    """A request of either kind: ``transfer-12`` or ``cesja-5``."""

    regex = r"(?:transfer|cesja)-[0-9]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RequestRefConverter, "request_ref")

app_name = "audit"

urlpatterns = [
    path("audit/requests/", views.search, name="search"),
    path("audit/requests/export.csv", views.search_csv, name="search_csv"),
    path("audit/requests/report.pdf", views.search_pdf, name="search_pdf"),
    path("audit/requests/<request_ref:ref>/", views.request_history, name="request"),
    path("audit/requests/<request_ref:ref>/history.csv", views.request_csv, name="request_csv"),
    path("audit/requests/<request_ref:ref>/history.pdf", views.request_pdf, name="request_pdf"),
    path("history/", views.history_search, name="history_search"),
    path("history/export.csv", views.history_export, name="history_export"),
    path("history/<int:pk>/", views.history_event, name="history_event"),
]
