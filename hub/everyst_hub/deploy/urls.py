from django.urls import path

from . import views

urlpatterns = [
    path("install.sh", views.InstallScriptView.as_view()),
    path("downloads/<str:name>", views.DownloadView.as_view()),
]
