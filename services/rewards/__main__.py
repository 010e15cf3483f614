from chassis.cli import service_cli
from services.rewards.service import SPEC

service_cli(SPEC)()
