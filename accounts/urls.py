from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .models import Registrant

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.switch_language, name="switch_language"),
    path(
        "profiles/new/person/",
        views.registrant_create,
        {"kind": Registrant.Kind.PERSON},
        name="registrant_create_person",
    ),
    path(
        "profiles/new/organisation/",
        views.registrant_create,
        {"kind": Registrant.Kind.ORGANISATION},
        name="registrant_create_organisation",
    ),
    path("profiles/<int:pk>/edit/", views.registrant_edit, name="registrant_edit"),
]
