from django.urls import path

from . import api

urlpatterns = [
    path("hosts", api.HostListView.as_view()),
    path("hosts/<str:host_id>", api.HostDetailView.as_view()),
    path("agents/ca.pem", api.CaCertificateView.as_view()),
]
