from django.urls import path

from cuncun.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:ref>/", views.browse, name="unit"),
]
