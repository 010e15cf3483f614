from chassis.cli import service_cli
from services.dashboard.service import SPEC

service_cli(SPEC)()
