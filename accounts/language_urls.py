"""The language switch (mounted under /i18n/, where Django's own would be): the same URL and
name, so templates and clients do not change (accounts.views.language_switch)."""

from django.urls import path

from accounts import views

urlpatterns = [path("setlang/", views.language_switch, name="set_language")]
