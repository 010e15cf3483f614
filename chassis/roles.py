"""Which roles a service process plays: `api`, `relay`, `consumers` (CRAFTSMAN_ROLES).

One process may play all three (the default, and what the demo runs), or ops may
run them apart and scale them separately: the HTTP loop then never waits behind a
relay batch or a projection. A process without `api` still answers /health and
/ready; one without `relay` leaves publishing to a sibling (one relay per database
holds the lease anyway); one without `consumers` joins no consumer group.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLE_NAMES = ("api", "relay", "consumers")


@dataclass(frozen=True, slots=True)
class Roles:
    api: bool = True
    relay: bool = True
    consumers: bool = True

    @classmethod
    def parse(cls, text: str) -> Roles:
        """`"api,relay"` → Roles(api=True, relay=True, consumers=False); an unknown name is an error."""
        names = {name.strip() for name in text.split(",") if name.strip()}
        unknown = names - set(ROLE_NAMES)
        if unknown or not names:
            raise ValueError(f"roles must be some of {', '.join(ROLE_NAMES)}, not {text!r}")
        return cls(api="api" in names, relay="relay" in names, consumers="consumers" in names)

    def __str__(self) -> str:
        return ",".join(name for name in ROLE_NAMES if getattr(self, name))
