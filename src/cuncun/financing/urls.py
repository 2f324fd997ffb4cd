from django.urls import path

from cuncun.financing import views

app_name = "financing"
urlpatterns = [
    path("", views.home, name="home"),
    path("a/<str:reference>/", views.application, name="application"),
    path("a/<str:reference>/review/", views.review, name="review"),
    path("a/<str:reference>/answer/", views.answer, name="answer"),
    path("a/<str:reference>/repayment/", views.repayment, name="repayment"),
]
