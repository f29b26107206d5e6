from django.urls import path

from . import api

urlpatterns = [
    path("hosts/<str:host_id>/jobs", api.HostJobsView.as_view()),
    path("jobs", api.JobListView.as_view()),
    path("jobs/<str:job_id>", api.JobDetailView.as_view()),
    path("jobs/<str:job_id>/cancel", api.JobCancelView.as_view()),
    path("jobs/<str:job_id>/artifact", api.JobArtifactView.as_view()),
]
