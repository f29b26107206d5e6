from django.urls import path

from . import admin_api, api, groups_api

urlpatterns = [
    path("hosts", api.HostListView.as_view()),
    path("hosts/<str:host_id>", api.HostDetailView.as_view()),
    path("hosts/<str:host_id>/replace-agent", admin_api.HostAgentReplacementView.as_view()),
    path("agents", admin_api.AgentListView.as_view()),
    path("agents/ca.pem", api.CaCertificateView.as_view()),
    path("agents/<str:agent_id>/revoke", admin_api.AgentRevokeView.as_view()),
    path("enrollment-tokens", admin_api.EnrollmentTokenListView.as_view()),
    path("enrollment-tokens/<int:token_id>", admin_api.EnrollmentTokenDetailView.as_view()),
    path("host-groups", groups_api.HostGroupListView.as_view()),
    path("host-groups/<int:group_id>", groups_api.HostGroupDetailView.as_view()),
    path("host-groups/<int:group_id>/hosts", groups_api.HostGroupHostsView.as_view()),
]
