"""WebSocket consumers of the platform itself."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings


class HealthConsumer(AsyncJsonWebsocketConsumer):
    """Answer ``ping`` with ``pong`` and a round trip through the channel layer.

    Monitoring uses it to prove that the ASGI server, the WebSocket stack and the
    channel layer work end to end; it needs no session.
    """

    group_name = "health"

    async def connect(self) -> None:
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if content.get("type") != "ping":
            await self.send_json({"type": "error", "detail": 'expected {"type": "ping"}'})
            return
        await self.channel_layer.group_send(
            self.group_name, {"type": "health.pong", "reply_to": self.channel_name}
        )

    async def health_pong(self, message) -> None:
        if message["reply_to"] == self.channel_name:
            await self.send_json(
                {"type": "pong", "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"]}
            )
