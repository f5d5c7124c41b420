from django.contrib import admin
from django.urls import include, path

from accounts.forms import AdminLoginForm

# The admin logs in through the same form as the panel, with the username length enforced.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),
]
