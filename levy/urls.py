from django.urls import path

from levy import views

app_name = "levy"

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("staff/<int:year>/", views.staff_figures, name="staff_figures"),
]
