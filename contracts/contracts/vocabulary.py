"""The closed vocabularies of the domain (DESIGN.md section 7)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class SkillLevel(StrEnum):
    """China's eight-level vocational skill system (since 2022), lowest first."""

    APPRENTICE = "apprentice"  # 学徒工
    JUNIOR = "junior"  # 初级工
    INTERMEDIATE = "intermediate"  # 中级工
    SENIOR = "senior"  # 高级工
    TECHNICIAN = "technician"  # 技师
    SENIOR_TECHNICIAN = "senior_technician"  # 高级技师
    SPECIAL_TECHNICIAN = "special_technician"  # 特级技师
    CHIEF_TECHNICIAN = "chief_technician"  # 首席技师

    @property
    def order(self) -> int:
        return _SKILL_ORDER[self]


class TierRank(StrEnum):
    """The three enterprise tiers common to every enterprise; NONE is "not yet in a tier"."""

    NONE = "none"
    SEED = "seed"  # 种子工匠
    CRAFTSMAN = "craftsman"  # 工匠
    CHIEF = "chief"  # 首席工匠

    @property
    def order(self) -> int:
        return _TIER_ORDER[self]


# Looked up, not searched: `order` runs in the ladder's and the demo plan's inner loops.
_SKILL_ORDER: dict[SkillLevel, int] = {level: index for index, level in enumerate(SkillLevel)}
_TIER_ORDER: dict[TierRank, int] = {rank: index for index, rank in enumerate(TierRank)}

HeldTierRank = Literal[TierRank.SEED, TierRank.CRAFTSMAN, TierRank.CHIEF]
"""A tier a worker can actually hold."""

HELD_TIER_RANKS: tuple[TierRank, ...] = (TierRank.SEED, TierRank.CRAFTSMAN, TierRank.CHIEF)

DEFAULT_TIER_LABELS: dict[TierRank, str] = {
    TierRank.SEED: "种子工匠",
    TierRank.CRAFTSMAN: "工匠",
    TierRank.CHIEF: "首席工匠",
}


class TitleLevel(StrEnum):
    """Levels of selection, each chosen from the one below."""

    ENTERPRISE = "enterprise"
    COUNTY = "county"
    CITY = "city"  # 潍坊工匠
    CITY_GOLD = "city_gold"  # 潍坊金牌工匠
    PROVINCE = "province"  # 齐鲁工匠
    PROVINCE_GRAND = "province_grand"  # 齐鲁大工匠
    NATION = "nation"  # 大国工匠


class RegionKind(StrEnum):
    """Levels of the region tree: city → county or district → town."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    DISTRICT = "district"
    TOWN = "town"


class ReviewStage(StrEnum):
    """The review steps a nomination passes before a title is conferred."""

    SCREENING = "screening"
    EXPERT_REVIEW = "expert_review"
    SITE_INSPECTION = "site_inspection"
    PUBLICITY = "publicity"


class ReviewDecision(StrEnum):
    PASSED = "passed"
    REJECTED = "rejected"


class ContestLevel(StrEnum):
    ENTERPRISE = "enterprise"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    NATION = "nation"


class Medal(StrEnum):
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    EXCELLENCE = "excellence"  # medallion for excellence: WS >= 700 without a medal
    NONE = "none"


class CertificateIssuerKind(StrEnum):
    ENTERPRISE = "enterprise"  # an enterprise qualified to self-evaluate
    HR_BUREAU = "hr_bureau"


class MentorshipOutcome(StrEnum):
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


class SkillService(StrEnum):
    """The four skill services of "skills into enterprises" (送技入企)."""

    TRAINING = "training"
    EXCHANGE = "exchange"
    PROBLEM_SOLVING = "problem_solving"
    COOPERATION = "cooperation"


COMMON_POINT_CATEGORIES: tuple[str, ...] = (
    "work_results",  # 工作业绩
    "honours_awards",  # 荣誉奖励
    "activities",  # 参与活动: training, competitions, mentoring
    "volunteering",  # 志愿服务
)
"""The "4" of 4+X points; enterprises add their own "X" categories."""
