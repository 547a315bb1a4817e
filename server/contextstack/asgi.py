"""Plain ASGI types, for the code that runs outside Litestar's request handling (the guard, the proxy's route).

Litestar's TypedDicts model its own scopes, not a raw server's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]
