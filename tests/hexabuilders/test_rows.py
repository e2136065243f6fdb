"""The lean single-row reads and inserts used on the postback path."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign, Conversion
from hexabuilders import rows
from tests.factories import active_campaign_with_link

pytestmark = pytest.mark.django_db


def _conversion(campaign, transaction_id="T-1"):
    return Conversion(
        campaign=campaign,
        transaction_id=transaction_id,
        amount=Decimal("10.00"),
        original_amount=Decimal("10.00"),
        original_currency=campaign.currency,
        status=Conversion.Status.APPROVED,
        request_fingerprint="f" * 64,
    )


def test_get_matches_orm_row():
    campaign, _enrollment, _link = active_campaign_with_link()

    loaded = rows.get(Campaign, campaign.pk)

    assert [getattr(loaded, f.attname) for f in Campaign._meta.concrete_fields] == [
        getattr(Campaign.objects.get(pk=campaign.pk), f.attname)
        for f in Campaign._meta.concrete_fields
    ]


def test_get_unknown_pk_returns_none():
    assert rows.get(Campaign, 987654321) is None


def test_get_instance_saves_as_an_existing_row():
    campaign, _enrollment, _link = active_campaign_with_link()
    loaded = rows.get(Campaign, campaign.pk)

    loaded.name = "Renamed"
    loaded.save(update_fields=["name"])

    assert Campaign.objects.get(pk=campaign.pk).name == "Renamed"


def test_insert_sets_the_generated_pk():
    campaign, _enrollment, _link = active_campaign_with_link()
    conversion = _conversion(campaign)

    rows.insert([conversion])

    assert Conversion.objects.get(pk=conversion.pk).transaction_id == "T-1"


def test_insert_unless_conflict_skips_a_repeat():
    campaign, _enrollment, _link = active_campaign_with_link()
    rows.insert([_conversion(campaign)], unless_conflict_on=("campaign_id", "transaction_id"))

    written = rows.insert(
        [_conversion(campaign)], unless_conflict_on=("campaign_id", "transaction_id")
    )

    assert written is False


def test_insert_unless_conflict_keeps_the_first_row():
    campaign, _enrollment, _link = active_campaign_with_link()
    first = _conversion(campaign)
    rows.insert([first], unless_conflict_on=("campaign_id", "transaction_id"))
    repeat = _conversion(campaign)
    repeat.amount = Decimal("99.00")

    rows.insert([repeat], unless_conflict_on=("campaign_id", "transaction_id"))

    assert Conversion.objects.get(campaign=campaign).amount == Decimal("10.00")


def test_insert_uses_one_statement():
    campaign, _enrollment, _link = active_campaign_with_link()

    with CaptureQueriesContext(connection) as queries:
        rows.insert([_conversion(campaign)])

    assert len(queries) == 1


def test_insert_several_rows_without_pk_is_refused():
    campaign, _enrollment, _link = active_campaign_with_link()

    with pytest.raises(ValueError, match="one at a time"):
        rows.insert([_conversion(campaign, "T-1"), _conversion(campaign, "T-2")])
