"""Which failures are outages of a backing service rather than bugs."""

from __future__ import annotations

import redis
from sqlalchemy.exc import DBAPIError

from voting.extensions import RedisNotConfigured


def is_infrastructure_error(err: BaseException) -> bool:
    if isinstance(err, (redis.ConnectionError, redis.TimeoutError, RedisNotConfigured)):
        return True
    return isinstance(err, DBAPIError) and bool(err.connection_invalidated)
