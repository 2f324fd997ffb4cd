from django.urls import path

from cuncun.orders import views

app_name = "orders"
urlpatterns = [
    path("sandbox-gateway/<str:token>/", views.sandbox_gateway, name="sandbox_gateway"),
]
