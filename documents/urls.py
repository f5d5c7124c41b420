from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("received/<int:pk>/", views.download_received, name="download_received"),
    path("generated/<int:pk>/", views.download_generated, name="download_generated"),
]
