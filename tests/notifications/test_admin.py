"""The outbox in the Django admin is read-only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.notifications.support import enqueue_ping, use_test_templates

pytestmark = pytest.mark.django_db


def test_administrators_can_read_the_outbox_but_not_change_it(
    client: Any, admin: Any, researcher1: Any, settings: Any
) -> None:
    use_test_templates(settings)
    if not admin.is_staff:
        pytest.skip("the demo administrator is not Django staff")
    notification = enqueue_ping(researcher1, "admin:view")
    client.force_login(admin)
    listing = client.get("/admin/notifications/notification/")
    assert listing.status_code == 200
    assert "admin:view" not in listing.content.decode()  # the key is not a column
    detail = client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    deleted = client.post(f"/admin/notifications/notification/{notification.pk}/delete/")
    assert deleted.status_code == 403
    notification.refresh_from_db()
