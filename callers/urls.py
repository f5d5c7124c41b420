from django.urls import path

from . import views

app_name = "callers"

urlpatterns = [
    path("account/caller-code/new/", views.new_code, name="new_code"),
    path("staff/callers/", views.find, name="find"),
    path("staff/callers/log/", views.log, name="log"),
    path("staff/callers/session/", views.acting, name="acting"),
    path("staff/callers/session/transfer/", views.start_transfer, name="start_transfer"),
    path("staff/callers/session/cesja/", views.start_cesja, name="start_cesja"),
    path("staff/callers/session/resend/<str:kind>/<int:pk>/", views.resend, name="resend"),
    path("staff/callers/session/end/", views.end, name="end"),
    path("staff/callers/<int:pk>/", views.verify, name="verify"),
]
