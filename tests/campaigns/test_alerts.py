import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.core.management import call_command

from campaigns import services
from campaigns.alerts import detect_anomaly, evaluate_alerts, robust_z_score, spend_pace
from campaigns.models import Alert, AlertRule, Campaign, DailySpend
from hexabuilders.models import OutboxEvent
from tests.campaigns.metric_rows import add_bucket
from tests.factories import active_campaign_with_link

pytestmark = pytest.mark.django_db

# The hour under test; the job runs a few minutes after it ends.
HOUR = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
NOW = HOUR + dt.timedelta(hours=1, minutes=5)


def steady_counts(hours: int, *, mean: int = 100, spread: int = 10, seed: int = 7) -> list[int]:
    """Return a reproducible series that wobbles around ``mean``."""
    generator = random.Random(seed)
    return [mean + generator.randint(-spread, spread) for _ in range(hours)]


@pytest.fixture
def campaign_link():
    campaign, enrollment, link = active_campaign_with_link()
    return campaign, enrollment.partner


def write_series(campaign, partner, counts: list[int], *, last_hour=HOUR, metric="clicks"):
    """Store ``counts`` as the hourly series that ends at ``last_hour``."""
    first = last_hour - dt.timedelta(hours=len(counts) - 1)
    for index, count in enumerate(counts):
        add_bucket(campaign, partner, first + dt.timedelta(hours=index), **{metric: count})


def test_robust_z_score_of_median_is_zero():
    assert robust_z_score(5, [4, 5, 6]) == 0


def test_robust_z_score_ignores_earlier_spike():
    history = [100] * 10 + [101] * 10 + [99] * 10 + [5000]

    assert robust_z_score(103, history) < 3.5


def test_detect_anomaly_needs_day_of_history():
    assert detect_anomaly(1000, steady_counts(23)) is None


def test_detect_anomaly_flags_spike():
    assert detect_anomaly(400, steady_counts(48)) is not None


def test_detect_anomaly_flags_drop():
    assert detect_anomaly(0, steady_counts(48)).z_score < 0


def test_detect_anomaly_accepts_normal_value():
    assert detect_anomaly(104, steady_counts(48)) is None


def test_detect_anomaly_ignores_small_change_on_flat_series():
    assert detect_anomaly(3, [0] * 48) is None


def test_detect_anomaly_flags_burst_on_flat_series():
    assert detect_anomaly(50, [0] * 48) is not None


def test_evaluate_raises_anomaly_for_spike(campaign_link):
    campaign, partner = campaign_link
    write_series(campaign, partner, [*steady_counts(48), 400])

    evaluate_alerts(now=NOW)

    alert = Alert.objects.get(campaign=campaign, kind=Alert.Kind.ANOMALY)
    assert alert.metric == "clicks"
    assert alert.hour == HOUR
    assert alert.value == Decimal("400")


def test_evaluate_publishes_alert_raised(campaign_link):
    campaign, partner = campaign_link
    write_series(campaign, partner, [*steady_counts(48), 400])

    evaluate_alerts(now=NOW)

    event = OutboxEvent.objects.get(type="alert.raised")
    assert event.payload["campaign_id"] == campaign.pk
    assert event.payload["metric"] == "clicks"


def test_evaluate_twice_raises_once(campaign_link):
    campaign, partner = campaign_link
    write_series(campaign, partner, [*steady_counts(48), 400])

    evaluate_alerts(now=NOW)
    evaluate_alerts(now=NOW + dt.timedelta(minutes=30))

    assert Alert.objects.filter(campaign=campaign).count() == 1
    assert OutboxEvent.objects.filter(type="alert.raised").count() == 1


def test_evaluate_stays_quiet_on_steady_series(campaign_link):
    campaign, partner = campaign_link
    write_series(campaign, partner, steady_counts(49))

    evaluate_alerts(now=NOW)

    assert not Alert.objects.exists()


def test_evaluate_needs_history(campaign_link):
    campaign, partner = campaign_link
    write_series(campaign, partner, [*steady_counts(10), 900])

    evaluate_alerts(now=NOW)

    assert not Alert.objects.exists()


def test_evaluate_flags_conversion_drop(campaign_link):
    campaign, partner = campaign_link
    counts = [*steady_counts(30, mean=40, spread=4), 0]
    write_series(campaign, partner, counts, metric="conversions")

    evaluate_alerts(now=NOW)

    alert = Alert.objects.get(campaign=campaign)
    assert alert.metric == "conversions"
    assert alert.value < alert.expected


def test_evaluate_skips_paused_campaign(campaign_link):
    campaign, partner = campaign_link
    write_series(campaign, partner, [*steady_counts(48), 0])
    services.pause_campaign(campaign=campaign, actor=None)

    evaluate_alerts(now=NOW)

    assert not Alert.objects.exists()


def test_clicks_drop_rule_raises_threshold_alert(campaign_link):
    campaign, partner = campaign_link
    rule = AlertRule.objects.create(campaign=campaign, metric="clicks_drop", threshold=50)
    write_series(campaign, partner, [*[100] * 24, 30])

    evaluate_alerts(now=NOW)

    alert = Alert.objects.get(campaign=campaign, kind=Alert.Kind.THRESHOLD)
    assert alert.rule == rule
    assert alert.value == Decimal("30")


def test_clicks_drop_rule_quiet_within_threshold(campaign_link):
    campaign, partner = campaign_link
    AlertRule.objects.create(campaign=campaign, metric="clicks_drop", threshold=50)
    write_series(campaign, partner, [*[100] * 24, 60])

    evaluate_alerts(now=NOW)

    assert not Alert.objects.filter(kind=Alert.Kind.THRESHOLD).exists()


def test_inactive_rule_raises_nothing(campaign_link):
    campaign, partner = campaign_link
    AlertRule.objects.create(campaign=campaign, metric="clicks_drop", threshold=50, is_active=False)
    write_series(campaign, partner, [*[100] * 24, 10])

    evaluate_alerts(now=NOW)

    assert not Alert.objects.filter(kind=Alert.Kind.THRESHOLD).exists()


def test_conversion_rate_rule_raises_below_threshold(campaign_link):
    campaign, partner = campaign_link
    AlertRule.objects.create(campaign=campaign, metric="conversion_rate", threshold=2)
    add_bucket(campaign, partner, HOUR, clicks=200, conversions=1)

    evaluate_alerts(now=NOW)

    alert = Alert.objects.get(campaign=campaign, kind=Alert.Kind.THRESHOLD)
    assert alert.value == Decimal("0.5")


def test_conversion_rate_rule_needs_enough_clicks(campaign_link):
    campaign, partner = campaign_link
    AlertRule.objects.create(campaign=campaign, metric="conversion_rate", threshold=2)
    add_bucket(campaign, partner, HOUR, clicks=20, conversions=0)

    evaluate_alerts(now=NOW)

    assert not Alert.objects.exists()


def test_spend_pace_compares_daily_spend_with_even_pace(campaign_link):
    campaign, _partner = campaign_link
    Campaign.objects.filter(pk=campaign.pk).update(daily_budget=Decimal("1000"))
    campaign.refresh_from_db()
    # Noon in Bogotá: half the day has passed, so 500 would be on pace.
    noon = dt.datetime(2026, 11, 20, 17, tzinfo=dt.UTC)
    DailySpend.objects.create(
        campaign=campaign, scope="campaign", day=dt.date(2026, 11, 20), spent=Decimal("750")
    )

    assert spend_pace(campaign=campaign, at=noon) == Decimal("1.5")


def test_spend_pace_rule_raises_when_ahead(campaign_link):
    campaign, _partner = campaign_link
    Campaign.objects.filter(pk=campaign.pk).update(daily_budget=Decimal("1000"))
    AlertRule.objects.create(campaign=campaign, metric="spend_pace", threshold=Decimal("1.2"))
    DailySpend.objects.create(
        campaign=campaign, scope="campaign", day=dt.date(2026, 11, 20), spent=Decimal("900")
    )

    evaluate_alerts(now=NOW)

    assert Alert.objects.filter(metric="spend_pace").exists()


def test_spend_pace_without_budget_is_none(campaign_link):
    campaign, _partner = campaign_link

    assert spend_pace(campaign=campaign, at=NOW) is None


# Admin.


def test_admin_acknowledge_action_marks_alert(client, staff_user, campaign_link):
    campaign, partner = campaign_link
    write_series(campaign, partner, [*steady_counts(48), 400])
    evaluate_alerts(now=NOW)
    alert = Alert.objects.get()
    client.force_login(staff_user)

    client.post(
        "/admin/campaigns/alert/",
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )

    alert.refresh_from_db()
    assert alert.acknowledged_by == staff_user


def test_admin_lists_alerts(client, staff_user, campaign_link):
    client.force_login(staff_user)

    response = client.get("/admin/campaigns/alert/")

    assert response.status_code == 200


def test_alerts_command_reports_count(campaign_link):
    output = io.StringIO()

    call_command("evaluate_alerts", stdout=output)

    assert output.getvalue() == "0 alerts raised.\n"
