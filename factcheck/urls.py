from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "factcheck desk"
admin.site.site_title = "factcheck"
admin.site.index_title = "Fact-check desk"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
