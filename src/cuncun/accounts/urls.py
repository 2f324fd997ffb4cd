from django.contrib.auth import views as auth_views
from django.urls import path

from cuncun.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.sign_up, name="signup"),
    path("me/", views.me, name="me"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.new_account, name="new"),
    path("manage/<int:pk>/", views.account, name="account"),
    path(
        "manage/<int:pk>/<str:action>/",
        views.account_action,
        name="action",
    ),
]
