"""Outbox admin: read-only event and delivery lists, and the dead-letter Retry action."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from hexabuilders.models import HandlerDelivery, OutboxEvent
from tests.factories import UserFactory
from tests.hexabuilders.outbox_handlers import PINGED

pytestmark = pytest.mark.django_db

Status = HandlerDelivery.Status
HANDLER = "tests.hexabuilders.handlers.unregistered"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_event(aggregate_id: str = "7") -> OutboxEvent:
    return OutboxEvent.objects.create(
        type=PINGED.name,
        version=PINGED.version,
        aggregate_type=PINGED.aggregate_type,
        aggregate_id=aggregate_id,
        payload={"note": "hello"},
    )


def make_delivery(event: OutboxEvent, status: str, handler: str = HANDLER) -> HandlerDelivery:
    return HandlerDelivery.objects.create(
        event=event,
        handler=handler,
        status=status,
        attempts=8 if status == Status.DEAD else 1,
        last_error="Traceback (most recent call last):\nRuntimeError: downstream is down\n",
    )


def retry_action(client, *deliveries: HandlerDelivery):
    return client.post(
        reverse("admin:hexabuilders_deadletter_changelist"),
        {"action": "retry", "_selected_action": [delivery.pk for delivery in deliveries]},
        follow=True,
        **ENGLISH,
    )


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_event_list_searches_by_aggregate_id(client, staff_user):
    make_event("7")
    make_event("8")
    client.force_login(staff_user)

    response = client.get(reverse("admin:hexabuilders_outboxevent_changelist"), {"q": "8"})

    assert response.status_code == 200
    assert [event.aggregate_id for event in response.context["cl"].result_list] == ["8"]


def test_event_list_searches_by_type_prefix(client, staff_user):
    make_event("7")
    client.force_login(staff_user)

    response = client.get(
        reverse("admin:hexabuilders_outboxevent_changelist"), {"q": "outbox_test."}
    )

    assert response.context["cl"].result_list.count() == 1


def test_event_list_filters_undispatched(client, staff_user):
    pending = make_event("7")
    dispatched = make_event("8")
    dispatched.dispatched_at = dispatched.occurred_at
    dispatched.save(update_fields=["dispatched_at"])
    client.force_login(staff_user)

    response = client.get(
        reverse("admin:hexabuilders_outboxevent_changelist"), {"dispatched": "no"}
    )

    assert list(response.context["cl"].result_list) == [pending]


def test_event_admin_has_no_add(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("admin:hexabuilders_outboxevent_add"))

    assert response.status_code == 403


def test_event_detail_shows_deliveries(client, staff_user):
    event = make_event()
    make_delivery(event, Status.RETRYING)
    client.force_login(staff_user)

    response = client.get(
        reverse("admin:hexabuilders_outboxevent_change", args=[event.pk]), **ENGLISH
    )
    content = response.content.decode()

    assert response.status_code == 200
    assert HANDLER in content
    assert "RuntimeError: downstream is down" in content
    assert 'name="_save"' not in content


def test_event_admin_rejects_non_staff(client):
    client.force_login(UserFactory(username="visitor"))

    response = client.get(reverse("admin:hexabuilders_outboxevent_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_dead_letter_list_shows_only_dead(client, staff_user):
    event = make_event()
    dead = make_delivery(event, Status.DEAD, handler="handlers.dead")
    make_delivery(event, Status.RETRYING, handler="handlers.retrying")
    client.force_login(staff_user)

    response = client.get(reverse("admin:hexabuilders_deadletter_changelist"))

    assert [delivery.pk for delivery in response.context["cl"].result_list] == [dead.pk]


def test_retry_action_requeues_dead_letter(client, staff_user, django_capture_on_commit_callbacks):
    dead = make_delivery(make_event(), Status.DEAD)
    client.force_login(staff_user)

    with django_capture_on_commit_callbacks() as callbacks:
        response = retry_action(client, dead)
    dead.refresh_from_db()

    assert response.status_code == 200
    assert "1 dead letter re-queued." in message_texts(response)
    assert dead.status == Status.PENDING
    assert dead.attempts == 0
    assert dead.next_attempt_at is not None
    assert len(callbacks) == 1


def test_retry_action_counts_each_dead_letter(client, staff_user):
    event = make_event()
    first = make_delivery(event, Status.DEAD, handler="handlers.first")
    second = make_delivery(event, Status.DEAD, handler="handlers.second")
    client.force_login(staff_user)

    response = retry_action(client, first, second)

    assert "2 dead letters re-queued." in message_texts(response)
    assert HandlerDelivery.objects.filter(status=Status.PENDING).count() == 2


def test_retry_action_requires_change_permission(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_deadletter"))
    dead = make_delivery(make_event(), Status.DEAD)
    client.force_login(viewer)

    listing = client.get(reverse("admin:hexabuilders_deadletter_changelist"))
    response = retry_action(client, dead)
    dead.refresh_from_db()

    assert listing.status_code == 200
    assert listing.context["action_form"] is None
    assert response.status_code == 200
    assert dead.status == Status.DEAD
    assert dead.attempts == 8
