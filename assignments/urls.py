from django.urls import path

from . import views

app_name = "assignments"

# The paths are those assignments.emails puts in its messages.
urlpatterns = [
    path("cesje/new/", views.start, name="start"),
    path("cesje/<int:pk>/", views.detail, name="detail"),
    path("cesje/<int:pk>/join/", views.join, name="join"),
    path("cesje/<int:pk>/form/", views.current_form, name="form"),
    path("cesje/<int:pk>/form/new/", views.regenerate, name="regenerate"),
    path("cesje/<int:pk>/upload/", views.upload, name="upload"),
    path("cesje/<int:pk>/cancel/", views.cancel, name="cancel"),
    # The link in the invited party's e-mail; the token is the key, a login (or a new account) is needed too.
    path("cesje/invitation/<str:token>/", views.invitation, name="invitation"),
    # Someone invited who has no account creates one here; there is no other sign-up.
    path("cesje/invitation/<str:token>/account/", views.invitation_signup, name="invitation_signup"),
    path("staff/cesje/<int:pk>/", views.verify, name="verify"),
    path("staff/cesje/<int:pk>/checklist/", views.tick, name="tick"),
    path("staff/cesje/<int:pk>/approve/", views.approve, name="approve"),
    path("staff/cesje/<int:pk>/reject/", views.reject, name="reject"),
    path("staff/cesje/<int:pk>/correction/", views.correction, name="correction"),
    path("staff/cesje/<int:pk>/paper/", views.paper, name="paper"),
]
