"""WebSocket routes of every app."""

from django.urls import path

from campaigns.consumers import CampaignLiveConsumer
from hexabuilders.consumers import HealthConsumer

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
    path("ws/campaigns/<int:campaign_id>/live/", CampaignLiveConsumer.as_asgi()),
]
