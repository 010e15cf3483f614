"""The demo city: a deterministic plan of a city's year, and the drivers that play it."""

from __future__ import annotations

import os


def without_level_history() -> None:
    """The plan gives its workers the years at their level (demo/plan.py), but the drivers do
    not send that history to training yet: until they do, the services they start ask for no
    minimum years at the previous level (services/training/settings.py)."""
    os.environ.setdefault("CRAFTSMAN_TRAINING_YEARS_AT_PREVIOUS_LEVEL", "{}")
