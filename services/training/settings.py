"""The training service's configuration (pydantic-settings, environment `CRAFTSMAN_TRAINING_*`).

The years at the previous level a certificate needs, as JSON by skill level:
    CRAFTSMAN_TRAINING_YEARS_AT_PREVIOUS_LEVEL='{"junior": 1, "intermediate": 2, "senior": 4, ...}'
and per occupation, overriding the levels it names:
    CRAFTSMAN_TRAINING_YEARS_BY_OCCUPATION='{"welder": {"senior": 5}}'
`{}` for the first means no minimum (e.g. a demo whose workers' level history is not recorded).
"""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.vocabulary import SkillLevel
from services.training.rules import DESIGN_YEARS_AT_PREVIOUS_LEVEL, TrainingRules


class TrainingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRAFTSMAN_TRAINING_", extra="ignore")

    years_at_previous_level: dict[SkillLevel, int] = Field(
        default_factory=lambda: dict(DESIGN_YEARS_AT_PREVIOUS_LEVEL),
        description="Years at the level below that a certificate at each level needs (DESIGN.md §7)",
    )
    years_by_occupation: dict[str, dict[SkillLevel, int]] = Field(
        default_factory=dict, description="Per occupation: levels whose years differ from the default"
    )

    def rules(self) -> TrainingRules:
        return TrainingRules(
            years_at_previous_level=self.years_by_occupation,
            default_years_at_previous_level=self.years_at_previous_level,
        )


@cache
def configured_rules() -> TrainingRules:
    """The rules as this process is configured (read once, at the first command that needs them)."""
    return TrainingSettings().rules()
