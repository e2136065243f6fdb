import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from campaigns.models import AdSpend
from tests.api.conftest import key_client
from tests.campaigns.metric_rows import add_bucket
from tests.factories import PartnerFactory, active_campaign_with_link, issue_api_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/"
# 10:00 in Bogotá (UTC-5) on 2 November 2026.
MORNING = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def api(partner):
    return key_client(issue_api_key(partner, scope="read")[1])


@pytest.fixture
def campaign(partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner)
    return campaign


def _query(target, **params):
    values = {"campaign": target.pk, "date_from": "2026-11-01", "date_to": "2026-11-03"}
    values.update(params)
    return values


def test_metrics_route_names_resolve():
    assert reverse("campaigns-api:metrics") == URL
    assert reverse("campaigns-api:metrics-csv") == "/api/v1/metrics.csv"


def test_metrics_returns_one_point_per_day(api, campaign):
    response = api.get(URL, _query(campaign))

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_metrics_sums_own_buckets_by_local_day(api, partner, campaign):
    add_bucket(campaign, partner, MORNING, clicks=40, conversions=2, revenue="200", payout="20")
    add_bucket(campaign, partner, MORNING + dt.timedelta(hours=1), clicks=60, conversions=3)
    # 23:00 in Bogotá on 2 November is 04:00 UTC on the 3rd, still the 2nd locally.
    add_bucket(campaign, partner, dt.datetime(2026, 11, 3, 4, tzinfo=dt.UTC), clicks=5)

    response = api.get(URL, _query(campaign))

    second = response.json()["results"][1]
    assert second["period_start"] == "2026-11-02T00:00:00-05:00"
    assert second["clicks"] == 105
    assert second["conversions"] == 5


def test_metrics_computes_kpis(api, partner, campaign):
    add_bucket(campaign, partner, MORNING, clicks=200, conversions=4, revenue="400", payout="40")

    response = api.get(URL, _query(campaign))

    totals = response.json()["totals"]
    assert totals["conversion_rate"] == "0.020000"
    assert totals["epc"] == "0.20"
    assert totals["cpa"] == "10.00"


def test_metrics_kpis_are_null_without_clicks(api, campaign):
    response = api.get(URL, _query(campaign))

    totals = response.json()["totals"]
    assert totals["conversion_rate"] is None
    assert totals["epc"] is None


def test_metrics_hides_campaign_ad_spend_from_partner(api, campaign):
    AdSpend.objects.create(
        campaign=campaign,
        day=dt.date(2026, 11, 2),
        source="google",
        impressions=10000,
        cost="500",
        currency="COP",
    )

    response = api.get(URL, _query(campaign))

    assert response.json()["totals"]["impressions"] is None
    assert response.json()["totals"]["roas"] is None


def test_metrics_excludes_other_partners_buckets(api, partner, campaign):
    other = PartnerFactory(status="active")
    add_bucket(campaign, partner, MORNING, clicks=7)
    add_bucket(campaign, other, MORNING, clicks=1000)

    response = api.get(URL, _query(campaign))

    assert response.json()["totals"]["clicks"] == 7


def test_metrics_rejects_campaign_partner_did_not_join(api, other_partner):
    foreign, _enrollment, _link = active_campaign_with_link(other_partner)

    response = api.get(URL, _query(foreign))

    assert response.status_code == 400
    assert "campaign" in response.json()["error"]["fields"]


def test_metrics_hourly_has_24_points_a_day(api, campaign):
    response = api.get(URL, _query(campaign, granularity="hour", date_to="2026-11-01"))

    assert len(response.json()["results"]) == 24


def test_metrics_weekly_starts_on_monday(api, campaign):
    response = api.get(URL, _query(campaign, granularity="week"))

    starts = [row["period_start"] for row in response.json()["results"]]
    assert starts == ["2026-10-26T00:00:00-05:00", "2026-11-02T00:00:00-05:00"]


def test_metrics_monthly_groups_month(api, partner, campaign):
    add_bucket(campaign, partner, MORNING, clicks=3)
    add_bucket(campaign, partner, MORNING + dt.timedelta(days=10), clicks=4)

    response = api.get(URL, _query(campaign, granularity="month", date_to="2026-11-30"))

    assert response.json()["results"][0]["clicks"] == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"granularity": "minute"}, "granularity"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-11-05", "date_to": "2026-11-01"}, "date_from"),
        ({"granularity": "hour", "date_from": "2026-01-01", "date_to": "2026-11-01"}, "date_from"),
        ({"campaign": "abc"}, "campaign"),
    ],
)
def test_metrics_rejects_invalid_parameter(api, campaign, params, field):
    response = api.get(URL, _query(campaign, **params))

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_metrics_requires_campaign(api):
    response = api.get(URL)

    assert response.status_code == 400
    assert "campaign" in response.json()["error"]["fields"]


def test_metrics_requires_api_key(client, campaign):
    response = client.get(URL, _query(campaign))

    assert response.status_code in (401, 403)


def test_metrics_csv_by_format_parameter(api, partner, campaign):
    add_bucket(campaign, partner, MORNING, clicks=12, conversions=1, payout="6")

    response = api.get(URL, _query(campaign, format="csv"))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["period_start", "clicks", "unique_clicks"]
    assert rows[2][1] == "12"
    assert len(rows) == 4


def test_metrics_csv_by_suffix(api, campaign):
    response = api.get("/api/v1/metrics.csv", _query(campaign))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


def test_metrics_csv_error_keeps_json_shape(api, campaign):
    response = api.get("/api/v1/metrics.csv", _query(campaign, granularity="minute"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
