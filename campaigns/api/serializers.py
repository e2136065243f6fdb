"""Input and output serializers of the campaigns part of the partner API.

Output serializers never expose what a partner must not see: budgets, the
postback secret, IP hashes and fraud signals stay out. A conversion shows its
reason code, which is the one part of the fraud review partners may read.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns import budgets
from campaigns.models import Campaign, Click, Conversion, Enrollment, TrackingLink
from campaigns.selectors_partner import tracking_url
from hexabuilders.api.serializers import RejectUnknownFieldsMixin


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign as shown to a partner, with the caller's enrollment if there is one."""

    enrollment_status = serializers.ChoiceField(
        choices=Enrollment.Status.choices,
        read_only=True,
        allow_null=True,
        help_text=_("The caller's enrollment status, or null when the caller has not joined."),
    )
    is_enrolled = serializers.SerializerMethodField(
        help_text=_("Whether the caller's enrollment is approved, so its link counts.")
    )
    tracking_url = serializers.SerializerMethodField(
        help_text=_("The caller's tracking link, or null before the enrollment is approved.")
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "description",
            "goals",
            "starts_at",
            "ends_at",
            "currency",
            "landing_url",
            "payout_amount",
            "payout_percent",
            "attribution_window_days",
            "enrollment_status",
            "is_enrolled",
            "tracking_url",
        ]
        read_only_fields = fields

    def get_is_enrolled(self, campaign) -> bool:
        return campaign.enrollment_status == Enrollment.Status.APPROVED

    @extend_schema_field(OpenApiTypes.URI)
    def get_tracking_url(self, campaign) -> str | None:
        return tracking_url(campaign.link_code) if campaign.link_code else None


class PacingSerializer(serializers.Serializer):
    """The campaign's budget pacing as fractions, without the amounts."""

    budget_used_fraction = serializers.FloatField(
        allow_null=True,
        help_text=_("Share of the total budget spent, from 0 to 1; null without a total budget."),
    )
    elapsed_fraction = serializers.FloatField(
        allow_null=True,
        help_text=_("Share of the time from start to end that has passed; null without both."),
    )
    pace_ratio = serializers.FloatField(
        allow_null=True,
        help_text=_("Budget share spent divided by time share passed; above 1 it ends early."),
    )
    projected_exhaustion = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "When the budget runs out at the average spend so far; null when that is "
            "after the end date, or without a total budget or spend."
        ),
    )


class CampaignDetailSerializer(CampaignSerializer):
    """A campaign with its budget pacing, which the list leaves out to stay one query."""

    pacing = serializers.SerializerMethodField()

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "pacing"]
        read_only_fields = fields

    @extend_schema_field(PacingSerializer)
    def get_pacing(self, campaign) -> dict:
        figures = budgets.pacing(campaign)
        used = None
        if figures.cap:
            used = float(figures.spent / figures.cap)
        return PacingSerializer(
            {
                "budget_used_fraction": used,
                "elapsed_fraction": figures.elapsed_fraction,
                "pace_ratio": figures.pace_ratio,
                "projected_exhaustion": figures.projected_exhaustion,
            }
        ).data


class EnrollmentSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    tracking_url = serializers.SerializerMethodField(
        help_text=_("The tracking link, or null before the enrollment is approved.")
    )

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "status",
            "note",
            "created_at",
            "decided_at",
            "tracking_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_tracking_url(self, enrollment) -> str | None:
        link = getattr(enrollment, "link", None)
        return tracking_url(link.code) if link is not None else None


class EnrollmentRequestSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A request to join a campaign, which staff then approve or reject."""

    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), help_text=_("The id of the campaign to join.")
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("A message for the campaign's managers, such as where you will promote it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only campaigns the caller can see may be requested, so an id outside that
        # set reads as "does not exist" rather than revealing a hidden campaign.
        campaigns = self.context.get("visible_campaigns")
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns


class TrackingLinkSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="enrollment.campaign_id", read_only=True)
    campaign_name = serializers.CharField(source="enrollment.campaign.name", read_only=True)
    url = serializers.SerializerMethodField(help_text=_("The full tracking URL to share."))

    class Meta:
        model = TrackingLink
        fields = [
            "id",
            "code",
            "url",
            "campaign",
            "campaign_name",
            "destination_url",
            "sub_ids",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, link) -> str:
        return tracking_url(link.code)


class ClickSerializer(serializers.ModelSerializer):
    """A click on one of the caller's links, without its IP hash and user agent."""

    class Meta:
        model = Click
        fields = [
            "id",
            "created_at",
            "campaign",
            "link",
            "outcome",
            "device",
            "country",
            "language",
            "referrer_domain",
            "sub_ids",
            "is_bot",
            "is_unique",
            "is_billable",
        ]
        read_only_fields = fields


class ConversionSerializer(serializers.ModelSerializer):
    """A conversion credited to the caller, with the reason code of its status."""

    currency = serializers.CharField(source="campaign.currency", read_only=True)
    reason = serializers.CharField(
        source="get_reason_code_display",
        read_only=True,
        help_text=_("The reason code in words, in the request's language."),
    )

    class Meta:
        model = Conversion
        fields = [
            "id",
            "campaign",
            "click",
            "transaction_id",
            "amount",
            "currency",
            "payout",
            "status",
            "reason_code",
            "reason",
            "created_at",
            "reversed_at",
        ]
        read_only_fields = fields
