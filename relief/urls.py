from django.urls import path

from relief import views

app_name = "relief"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("public/", views.public_index, name="public_index"),
    path("public/<int:year>/", views.public_list, name="public"),
]
