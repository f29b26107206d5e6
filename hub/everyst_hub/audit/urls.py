from django.urls import path

from . import api

urlpatterns = [path("audit", api.AuditListView.as_view())]
