from django.urls import path

from . import api, tokens_api

urlpatterns = [
    path("auth/login", api.LoginView.as_view()),
    path("auth/refresh", api.RefreshView.as_view()),
    path("auth/logout", api.LogoutView.as_view()),
    path("auth/me", api.MeView.as_view()),
    path("auth/password", api.PasswordChangeView.as_view()),
    path("auth/api-tokens", tokens_api.ApiTokenListView.as_view()),
    path("auth/api-tokens/<int:api_token_id>", tokens_api.ApiTokenDetailView.as_view()),
    path("setup", api.SetupView.as_view()),
    path("users", api.UserListView.as_view()),
    path("users/<int:user_id>", api.UserDetailView.as_view()),
    path("users/<int:user_id>/password", api.UserPasswordView.as_view()),
    path("users/<int:user_id>/access", api.UserAccessView.as_view()),
    path("users/<int:user_id>/unlock", api.UserUnlockView.as_view()),
]
