"""How often a client may write to the sub-processor pages and API: the form and the API of one
action share a count (`privacy.ratelimit`)."""

from __future__ import annotations

from privacy.ratelimit import RateLimit

SUBSCRIPTIONS = RateLimit("subscriptions", "subscription_posts_per_minute", what="subscription requests")
OBJECTIONS = RateLimit("objections", "objections_per_minute", what="objections")
