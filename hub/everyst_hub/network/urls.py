from django.urls import path

from . import api

urlpatterns = [
    path("hosts/<str:host_id>/networks", api.HostNetworksView.as_view()),
    path("networks/<int:network_id>", api.NetworkDetailView.as_view()),
    path("networks/<int:network_id>/events", api.NetworkEventsView.as_view()),
    path("networks/<int:network_id>/scans", api.NetworkScansView.as_view()),
    path("networks/<int:network_id>/schedules", api.NetworkSchedulesView.as_view()),
    path("schedules/<int:schedule_id>", api.ScheduleDetailView.as_view()),
    path("devices/<int:device_id>", api.DeviceDetailView.as_view()),
]
