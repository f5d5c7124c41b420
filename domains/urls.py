from django.urls import path

from . import views

app_name = "domains"

urlpatterns = [
    path("domains/<int:pk>/authinfo/", views.authinfo, name="authinfo"),
    path("domains/<int:pk>/authinfo/issued/", views.authinfo_issued, name="authinfo_issued"),
    path("domains/<int:pk>/lock/", views.lock, name="lock"),
    path("domains/<int:pk>/registrant/confirm/", views.ask_confirmation, name="ask_confirmation"),
    path("staff/domains/differences/<int:pk>/", views.difference, name="difference"),
    path("staff/domains/registry-messages/", views.registry_messages, name="registry_messages"),
    path("staff/domains/registry-messages/<int:pk>/", views.registry_message, name="registry_message"),
    path("domains/registrant/<str:token>/", views.confirm_registrant, name="confirm_registrant"),
]
