from chassis.cli import service_cli
from services.training.service import SPEC

service_cli(SPEC)()
