from chassis.cli import service_cli
from services.registry.service import SPEC

service_cli(SPEC)()
