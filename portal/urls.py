from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("domains/check/", views.check_domain, name="check_domain"),
    path("domains/", views.my_domains, name="my_domains"),
    path("requests/transfers/", views.my_transfers, name="my_transfers"),
    path("requests/cesje/", views.my_cesje, name="my_cesje"),
    # The account pages (login, language, registrant profiles) hang under the portal so
    # that the project's root URLconf stays as it is.
    path("", include("accounts.urls")),
    path("", include("transfers.urls")),
    path("", include("domains.urls")),
    path("", include("assignments.urls")),
    path("", include("callers.urls")),
    path("documents/", include("documents.urls")),
    path("", include("audit.urls")),
    path("", include("workflows.urls")),
]
