"""Socket.IO rooms: live sessions, celebration events and presence."""
