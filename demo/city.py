"""A demo city, after the Weifang source: enterprises, workers, a contest, a programme."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoEnterprise:
    enterprise_id: str
    name: str
    region_id: str
    industry: str
    tier_labels: dict[str, str]


@dataclass(frozen=True)
class DemoWorker:
    worker_id: str
    enterprise_id: str
    full_name: str
    trade: str
    skill_level: str
    nominated: bool
    raw_score: float


ENTERPRISES = (
    DemoEnterprise(
        "qingzhou-cigarette",
        "青州卷烟厂 Qingzhou cigarette factory",
        "qingzhou",
        "tobacco",
        {"seed": "种子工匠", "craftsman": "青烟工匠", "chief": "一甲工匠"},
    ),
    DemoEnterprise("weichai-power", "潍柴动力 Weichai Power", "kuiwen", "high-end equipment", {}),
    DemoEnterprise(
        "weifang-garment", "潍坊服装厂 Weifang garment works", "weicheng", "textiles and garments", {}
    ),
)

WORKERS = (
    DemoWorker(
        "wang-lei", "weichai-power", "王磊 Wang Lei", "industrial robot operator", "senior", True, 92.5
    ),
    DemoWorker(
        "li-na", "qingzhou-cigarette", "李娜 Li Na", "cigarette machine fitter", "technician", True, 88.0
    ),
    DemoWorker(
        "zhang-wei", "weichai-power", "张伟 Zhang Wei", "engine assembler", "intermediate", True, 79.5
    ),
    DemoWorker("chen-jing", "weifang-garment", "陈静 Chen Jing", "garment maker", "senior", True, 84.0),
    DemoWorker("liu-yang", "weifang-garment", "刘洋 Liu Yang", "pattern cutter", "junior", True, 71.0),
    DemoWorker(
        "zhao-min", "qingzhou-cigarette", "赵敏 Zhao Min", "quality inspector", "intermediate", False, 66.0
    ),
)

CONTEST = {
    "title": "潍坊市工业机器人系统操作职业技能竞赛 City industrial robot system operation contest",
    "trade": "industrial robot system operation",
    "level": "city",
    "organiser_id": "weifang-federation",
    "region_id": "weifang",
    "starts_on": "2026-10-12",
    "ends_on": "2026-10-14",
    "theory_weight": 0.3,
}

COURSE = {
    "course_id": "academy-robotics-101",
    "course_title": "Industrial robot programming (model-worker & craftsman academy)",
    "hours": 32,
    "completed_on": "2026-09-30",
    "provider": "潍坊市劳模工匠学院 Weifang model-worker & craftsman academy",
}

# A budget for four grants: all six workers reach the seed floor, so two show the budget rule.
PROGRAMME = {
    "name": "种子工匠晋级奖励 Seed craftsman promotion award",
    "sponsor_id": "weifang-federation",
    "budget": "32000.00",
    "grant_amount": "8000.00",
    "trigger": "tier:seed",
    "opened_on": "2026-01-01",
}
