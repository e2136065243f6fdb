import pytest

from hexabuilders.models import HandlerDelivery
from partners import services
from partners.models import Partner


@pytest.mark.django_db(transaction=True)
def test_create_partner_dispatches_event():
    partner = services.create_partner(
        actor=None,
        legal_name="Bancolombia S.A.",
        kind="reseller",
        country="CO",
        tax_id="890.903.938-8",
        phone="604 510 9000",
    )
    assert Partner.objects.get(pk=partner.pk).tax_id == "8909039388"
    assert HandlerDelivery.objects.count() == 0
