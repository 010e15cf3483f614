from chassis.cli import service_cli
from services.competitions.service import SPEC

service_cli(SPEC)()
