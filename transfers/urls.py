from django.urls import path

from . import views

app_name = "transfers"

urlpatterns = [
    path("transfers/new/", views.start, name="start"),
    path("transfers/<int:pk>/", views.detail, name="detail"),
    path("transfers/<int:pk>/code/", views.resubmit, name="resubmit"),
    path("transfers/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("transfers/<int:pk>/approve/", views.approve, name="approve"),
    path("transfers/<int:pk>/resend/", views.resend_confirmation, name="resend"),
    path("transfers/<int:pk>/review/", views.review, name="review"),
    path("transfers/<int:pk>/reject/", views.reject, name="reject"),
    # The link in the registrant's e-mail; the token is the only key, no login.
    path("transfers/confirm/<str:token>/", views.confirm, name="confirm"),
]
