from django.urls import path

from . import views

app_name = "queues"

urlpatterns = [
    path("tasks/<int:pk>/claim/", views.claim, name="claim"),
    path("tasks/<int:pk>/release/", views.release, name="release"),
    path("tasks/<int:pk>/reassign/", views.reassign, name="reassign"),
]
