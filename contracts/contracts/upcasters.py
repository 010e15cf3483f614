"""The upcasters of every event type whose schema has changed."""

from __future__ import annotations

from contracts.upcasting import Payload, upcaster
from contracts.vocabulary import SkillLevel


@upcaster("WorkerRegistered", from_version=1)
def worker_registered_v1_to_v2(payload: Payload) -> Payload:
    """v2 renamed `name` to `full_name` and added `skill_level` and `hired_on`."""
    lifted = {field: value for field, value in payload.items() if field != "name"}
    lifted["full_name"] = payload["name"]
    # v1 never recorded a level; junior (初级工) is the lowest certified level,
    # so no worker is credited with more than we know.
    lifted["skill_level"] = SkillLevel.JUNIOR.value
    lifted["hired_on"] = None
    return lifted
