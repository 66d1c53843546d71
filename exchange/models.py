"""Every area's models, imported together so migrations and create_all see the whole schema."""

from exchange.accounts import models as accounts
from exchange.enquiry import models as enquiry
from exchange.insights import models as insights
from exchange.moderation import models as moderation
from exchange.realtime import StreamCounter, StreamEvent
from exchange.rooms.events import models as events
from exchange.rooms.live import models as live
from exchange.space import models as space

__all__ = [
    "StreamCounter",
    "StreamEvent",
    "accounts",
    "enquiry",
    "events",
    "insights",
    "live",
    "moderation",
    "space",
]
