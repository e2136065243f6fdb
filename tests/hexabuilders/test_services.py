import pytest

from hexabuilders.errors import DomainError
from hexabuilders.services import actor_id, apply_transition
from partners.models import Partner
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_actor_id_is_none_for_system_jobs():
    assert actor_id(None) is None


def test_actor_id_returns_user_pk(staff_user):
    assert actor_id(staff_user) == staff_user.pk


def test_apply_transition_returns_previous_status():
    _partner, previous = apply_transition(
        PartnerFactory(), "activate", error_class=DomainError, refusal="%(name)s %(status)s"
    )
    assert previous == Partner.Status.APPLICANT


def test_apply_transition_saves_new_status():
    partner = PartnerFactory()
    apply_transition(partner, "activate", error_class=DomainError, refusal="%(name)s %(status)s")
    partner.refresh_from_db()
    assert partner.status == Partner.Status.ACTIVE


def test_apply_transition_raises_given_error_with_invalid_transition_code():
    partner = PartnerFactory(status=Partner.Status.TERMINATED)
    with pytest.raises(DomainError) as error:
        apply_transition(partner, "activate", error_class=DomainError, refusal="%(name)s")
    assert error.value.code == "invalid_transition"
