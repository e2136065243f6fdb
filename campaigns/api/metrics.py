"""GET /api/v1/metrics/: the caller's own metrics for one campaign, as JSON or CSV.

The series comes from ``campaigns.selectors`` and its KPIs from ``campaigns.kpis``,
the same definitions the admin uses. The response contains only the caller's own
slice of a campaign it joined. Ad-platform figures (impressions, ad cost, CTR and
ROAS) belong to the whole campaign, so they are null here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, renderers, serializers
from rest_framework.response import Response

from campaigns import selectors
from campaigns.models import Campaign, Enrollment, MetricBucket
from campaigns.selectors import Granularity
from hexabuilders.api.views import PartnerScopedMixin

DEFAULT_DAYS = 30
# The maximum range in days per granularity, so one response stays small.
MAX_RANGE_DAYS = {
    Granularity.HOUR: 31,
    Granularity.DAY: 731,
    Granularity.WEEK: 3660,
    Granularity.MONTH: 3660,
}
COLUMNS = (
    "period_start",
    "clicks",
    "unique_clicks",
    "conversions",
    "revenue",
    "payout",
    "impressions",
    "ad_cost",
    "ctr",
    "conversion_rate",
    "epc",
    "cpa",
    "roas",
)


class MetricsQuerySerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text=_("Id of a campaign you joined."))
    date_from = serializers.DateField(
        required=False,
        help_text=_("First day, in the campaign's time zone. Default: 29 days before date_to."),
    )
    date_to = serializers.DateField(
        required=False, help_text=_("Last day, included. Default: today.")
    )
    granularity = serializers.ChoiceField(
        choices=[(value.value, value.value) for value in Granularity],
        default=Granularity.DAY.value,
        help_text=_("Length of each period: hour, day, week (from Monday) or month."),
    )

    def validate_campaign(self, value: int) -> Campaign:
        partner = self.context["partner"]
        joined = Enrollment.objects.filter(
            campaign_id=value, partner=partner, link__isnull=False
        ).select_related("campaign")
        enrollment = joined.first()
        if enrollment is None:
            raise serializers.ValidationError(
                _("No campaign %(id)s among the campaigns you joined.") % {"id": value}
            )
        return enrollment.campaign

    def validate(self, attrs):
        today = timezone.localdate()
        date_to = attrs.get("date_to") or today
        date_from = attrs.get("date_from") or date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise serializers.ValidationError(
                {"date_from": [_("date_from must be on or before date_to.")]}
            )
        granularity = Granularity(attrs["granularity"])
        max_days = MAX_RANGE_DAYS[granularity]
        if (date_to - date_from).days + 1 > max_days:
            raise serializers.ValidationError(
                {
                    "date_from": [
                        _(
                            "A range of at most %(days)s days is allowed with the %(granularity)s "
                            "granularity; shorten the range or pick a longer granularity."
                        )
                        % {"days": max_days, "granularity": granularity.value}
                    ]
                }
            )
        attrs.update(date_from=date_from, date_to=date_to, granularity=granularity)
        return attrs


class MetricPointSerializer(serializers.Serializer):
    period_start = serializers.DateTimeField(
        help_text=_("Start of the period, in the campaign's time zone.")
    )
    clicks = serializers.IntegerField()
    unique_clicks = serializers.IntegerField()
    conversions = serializers.IntegerField(help_text=_("Approved conversions, net of reversals."))
    revenue = serializers.DecimalField(max_digits=18, decimal_places=2)
    payout = serializers.DecimalField(max_digits=18, decimal_places=2)
    impressions = serializers.IntegerField(allow_null=True)
    ad_cost = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    ctr = serializers.DecimalField(
        max_digits=12, decimal_places=6, allow_null=True, help_text=_("Clicks per impression.")
    )
    conversion_rate = serializers.DecimalField(
        max_digits=12, decimal_places=6, allow_null=True, help_text=_("Conversions per click.")
    )
    epc = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text=_("Payout per click.")
    )
    cpa = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text=_("Payout per conversion.")
    )
    roas = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        allow_null=True,
        help_text=_("Revenue per unit of payout plus ad cost."),
    )


class MetricsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    currency = serializers.CharField()
    time_zone = serializers.CharField()
    granularity = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    totals = MetricPointSerializer(help_text=_("The whole range; period_start is its start."))
    results = MetricPointSerializer(many=True)


def _point(period_start: dt.datetime, totals) -> dict:
    return {"period_start": period_start, **totals.as_dict()}


class MetricsCSVRenderer(renderers.BaseRenderer):
    """The ``results`` of a metrics response as CSV: one row per period, a header row first."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in (data or {}).get("results", []):
            writer.writerow(["" if row.get(name) is None else row[name] for name in COLUMNS])
        return buffer.getvalue().encode(self.charset)


class MetricsView(PartnerScopedMixin, generics.GenericAPIView):
    """Clicks, conversions, money and KPIs of a campaign you joined, per period."""

    queryset = MetricBucket.objects.all()
    serializer_class = MetricsSerializer
    renderer_classes = [renderers.JSONRenderer, MetricsCSVRenderer]
    filter_backends = []
    pagination_class = None

    @extend_schema(
        parameters=[MetricsQuerySerializer],
        responses={
            (200, "application/json"): MetricsSerializer,
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description=_("The periods as CSV, with ?format=csv or /metrics.csv."),
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        query = MetricsQuerySerializer(data=request.query_params, context={"partner": self.partner})
        query.is_valid(raise_exception=True)
        campaign = query.validated_data["campaign"]
        date_from = query.validated_data["date_from"]
        date_to = query.validated_data["date_to"]
        granularity = query.validated_data["granularity"]

        series = selectors.metric_series(
            campaign=campaign,
            date_from=date_from,
            date_to=date_to,
            granularity=granularity,
            partner_id=self.partner.pk,
        )
        totals = selectors.metric_totals(
            campaign=campaign, date_from=date_from, date_to=date_to, partner_id=self.partner.pk
        )
        body = MetricsSerializer(
            {
                "campaign": campaign.pk,
                "currency": campaign.currency,
                "time_zone": selectors.campaign_zone().key,
                "granularity": granularity.value,
                "date_from": date_from,
                "date_to": date_to,
                "totals": _point(selectors.local_midnight(date_from), totals),
                "results": [_point(point.period_start, point.totals) for point in series],
            }
        ).data
        response = Response(body)
        if request.accepted_renderer.format == "csv":
            filename = f"metrics-{campaign.pk}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def handle_exception(self, exc):
        # Errors keep the JSON error shape even when CSV was requested.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)


metrics_view = MetricsView.as_view()

urlpatterns = [
    path("metrics/", metrics_view, name="metrics"),
    path("metrics.csv", metrics_view, {"format": "csv"}, name="metrics-csv"),
]
