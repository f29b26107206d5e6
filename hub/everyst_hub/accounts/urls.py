from django.urls import path

from . import api

urlpatterns = [
    path("auth/login", api.LoginView.as_view()),
    path("auth/refresh", api.RefreshView.as_view()),
    path("auth/logout", api.LogoutView.as_view()),
    path("auth/me", api.MeView.as_view()),
]
