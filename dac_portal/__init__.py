"""The DAC portal project package: settings, URL routes, Celery app and API plumbing."""

from .celery import app as celery_app

__all__ = ["celery_app"]
