"""WebSocket consumers of the platform itself."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings


class HealthConsumer(AsyncJsonWebsocketConsumer):
    """Reply to ``ping`` with ``pong`` after a round trip through the channel layer.

    Monitoring uses it to prove that the ASGI server, the WebSocket stack and the
    channel layer work end to end; it needs no session. The pong is sent to this
    socket's own channel, so one client's ping never reaches another socket.
    """

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.send_json({"type": "error", "detail": 'expected {"type": "ping"}'})
            return
        await self.channel_layer.send(self.channel_name, {"type": "health.pong"})

    async def health_pong(self, message) -> None:
        await self.send_json(
            {"type": "pong", "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"]}
        )
