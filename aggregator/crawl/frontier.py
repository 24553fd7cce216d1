"""The shared crawl frontier in Redis, made reliable: a popped request is never lost.

scrapy-redis pops a request out of Redis, so a worker that dies holding it takes it along.
Here a pop *moves* the request, atomically, from the source's queue (a sorted set by priority,
as scrapy-redis's ``PriorityQueue``) into its in-flight hash, tagged with the worker's id and
the request's score. The worker acknowledges it once Scrapy is completely done with it (its
response parsed, its items stored, the requests it led to queued). Every worker keeps a
heartbeat key that expires after a lease; whoever finds an in-flight request whose owner's
heartbeat has expired puts it back in the queue. A worker stopped on purpose drops its
heartbeat at once, so its requests go back without waiting for the lease.

Delivery is at least once: a worker that stalls longer than the lease (a blocked reactor) has
its requests handed to others and may fetch a page twice. Storing a page twice is harmless
(upserts), losing it is not.

Keys, for prefix ``P`` and spider ``S`` (every run on one Redis needs its own prefix):
``P:S:queue`` (zset), ``P:S:inflight`` (hash data -> "worker|score"), ``P:S:dupefilter``
(scrapy-redis's set of fingerprints), ``P:S:stats`` (hash worker -> JSON), ``P:alive:W``
(heartbeat), ``P:workers`` (hash worker -> JSON), ``P:run`` (hash), ``P:changed`` (set).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from scrapy import Request
from scrapy_redis.queue import Base

# Atomically take the best-scored request and record who holds it.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], top[1], ARGV[1] .. '|' .. top[2])
return top[1]
"""
# Forget a request only if this worker still holds it (it may have been handed to another).
_ACK = """
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held and string.sub(held, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""
# Put back every in-flight request whose holder's heartbeat is gone.
_REQUEUE = """
local moved = 0
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local held = all[i + 1]
  local sep = string.find(held, '|', 1, true)
  local owner = string.sub(held, 1, sep - 1)
  if redis.call('EXISTS', ARGV[1] .. owner) == 0 then
    redis.call('ZADD', KEYS[1], tonumber(string.sub(held, sep + 1)), all[i])
    redis.call('HDEL', KEYS[2], all[i])
    moved = moved + 1
  end
end
return moved
"""


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Keys:
    """The Redis key names of one distributed run."""

    prefix: str

    @property
    def run(self) -> str:
        return f"{self.prefix}:run"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def changed(self) -> str:
        return f"{self.prefix}:changed"

    @property
    def alive_prefix(self) -> str:
        return f"{self.prefix}:alive:"

    def alive(self, worker: str) -> str:
        return f"{self.alive_prefix}{worker}"

    def queue(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:queue"

    def inflight(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:inflight"

    def dupefilter(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:dupefilter"

    def stats(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:stats"

    def of_source(self, spider: str) -> list[str]:
        return [self.queue(spider), self.inflight(spider), self.dupefilter(spider),
                self.stats(spider)]


class Frontier:
    """One source's queue and in-flight requests, as raw (serialized) entries."""

    def __init__(self, server: redis.Redis, keys: Keys, spider: str) -> None:
        self.server, self.keys, self.spider = server, keys, spider
        self.queue_key, self.inflight_key = keys.queue(spider), keys.inflight(spider)
        self._pop = server.register_script(_POP)
        self._ack = server.register_script(_ACK)
        self._requeue = server.register_script(_REQUEUE)

    def push(self, data: bytes, priority: int) -> None:
        # The score is minus the priority (best first), as in scrapy-redis's PriorityQueue.
        self.server.zadd(self.queue_key, {data: -priority})

    def pop(self, worker: str) -> bytes | None:
        data = self._pop(keys=[self.queue_key, self.inflight_key], args=[worker])
        return bytes(data) if data else None

    def ack(self, entries: list[bytes], worker: str) -> None:
        if not entries:
            return
        pipe = self.server.pipeline(transaction=False)
        for data in entries:
            self._ack(keys=[self.inflight_key], args=[data, worker], client=pipe)
        pipe.execute()

    def requeue_dead(self) -> int:
        """Put back the in-flight requests of workers whose heartbeat expired."""
        return int(self._requeue(keys=[self.queue_key, self.inflight_key],
                                 args=[self.keys.alive_prefix]))

    def sizes(self) -> tuple[int, int]:
        """(queued, in flight), read together: a worker that moves a request from one to the
        other between two separate reads would make an unfinished frontier look empty."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zcard(self.queue_key)
        pipe.hlen(self.inflight_key)
        queued, inflight = pipe.execute()
        return int(queued), int(inflight)

    def drained(self) -> bool:
        return self.sizes() == (0, 0)


class ReliableQueue(Base):  # type: ignore[misc]
    """scrapy-redis's queue interface over :class:`Frontier`: ``pop`` records the request as
    held by this worker; :meth:`entry` gives back what to acknowledge."""

    def __init__(self, server: redis.Redis, spider: Any, key: str,
                 serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.keys = Keys(str(settings.get("AGGREGATOR_REDIS_PREFIX")))
        # One heartbeat per crawler: a worker process crawls every source, and one source's
        # crawl ending must not make the others' requests look abandoned.
        self.worker = f"{settings.get('AGGREGATOR_WORKER_ID')}.{spider.name}"
        self.frontier = Frontier(server, self.keys, spider.name)
        self._entries: dict[int, bytes] = {}  # id(request) -> its serialized form in Redis

    def __len__(self) -> int:
        return self.frontier.sizes()[0]

    def push(self, request: Request) -> None:
        self.frontier.push(self._encode_request(request), request.priority)

    def pop(self, timeout: int = 0) -> Request | None:
        data = self.frontier.pop(self.worker)
        if data is None:
            return None
        request: Request = self._decode_request(data)
        self._entries[id(request)] = data
        return request

    def take_entry(self, request: Request) -> bytes | None:
        """The Redis entry ``request`` was popped as (forgotten here; the caller acks it)."""
        return self._entries.pop(id(request), None)

    def clear(self) -> None:
        self.server.delete(self.frontier.queue_key, self.frontier.inflight_key)


def text(value: Any) -> str:
    """A Redis reply (bytes) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def to_json(stats: dict[str, Any]) -> str:
    """A crawler's stats as JSON (datetimes and other values as text)."""
    return json.dumps(stats, default=str, sort_keys=True)
