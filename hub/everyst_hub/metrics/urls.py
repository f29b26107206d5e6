from django.urls import path

from . import api

urlpatterns = [
    path("hosts/<str:host_id>/latest", api.LatestSampleView.as_view()),
    path("hosts/<str:host_id>/samples", api.SampleRangeView.as_view()),
    path("hosts/<str:host_id>/history", api.HistoryView.as_view()),
]
