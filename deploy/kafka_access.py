"""Users, topics and ACLs of the secured broker, derived from contracts/topics.py (idempotent).

    python -m deploy.kafka_access apply --bootstrap HOST:PORT --users-file FILE [--replication N]
                                        [--prefix RUN_PREFIX] [--enterprise ID ...]
    python -m deploy.kafka_access enterprise ID [--prefix RUN_PREFIX]   onboard one enterprise and
                                        print its client settings (needs CRAFTSMAN_KAFKA_* of the admin)

`deploy/kafka.sh up` runs `apply` with the admin principal after the brokers serve. A test or
demo run that puts its topics under a prefix (CRAFTSMAN_TOPIC_PREFIX) runs `apply --prefix` so
its services' principals may use that run's topics and groups.

What each principal may do (everything else is denied: allow.everyone.if.no.acl.found=false):
- a service (registry, competitions, training, rewards): WRITE its own events topic; READ the
  public topics it consumes and WRITE their dead-letter topics; use consumer groups named
  `<service>.*`; the inbound consumers (registry, competitions) also READ every enterprise's
  inbound topic and WRITE its dead-letter topic.
- an enterprise (`ent-<id>`): WRITE only `craftsman.inbound.hr.<id>`; READ the public topics and
  its own inbound dead-letter topic (to see what was refused and why); groups `ent-<id>.*`.
- the dashboard (read-only): READ every public topic and WRITE their dead-letter topics; groups
  `dashboard.*`; DESCRIBE the services' groups (their committed offsets: the lag it shows).
- `admin` is the super user (brokers, and this tool).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from chassis.kafka_security import KafkaCredentials, confluent_config
from contracts.topics import (
    ALL_EVENT_TOPICS,
    CONSUMED_TOPICS,
    INBOUND_CONSUMERS,
    INBOUND_HR,
    TOPIC_OF_PRODUCER,
    dead_letter_topic,
    enterprise_principal,
    inbound_topic,
)
from deploy import topics

ADMIN = "admin"
SERVICES: tuple[str, ...] = tuple(TOPIC_OF_PRODUCER)
DASHBOARD = "dashboard"
SCRAM_ITERATIONS = 8192


@dataclass(frozen=True, slots=True)
class Grant:
    """One ALLOW ACL: `principal` may do `operation` on a topic or group named (or prefixed) `name`."""

    principal: str
    operation: str  # READ, WRITE, DESCRIBE
    resource: str  # TOPIC, GROUP
    name: str
    prefixed: bool = False


def service_grants(service: str, prefix: str = "", group_prefix: str | None = None) -> list[Grant]:
    grants = [Grant(service, "WRITE", "TOPIC", prefix + TOPIC_OF_PRODUCER[service])]
    for topic in CONSUMED_TOPICS[service]:
        grants.append(Grant(service, "READ", "TOPIC", prefix + topic))
        grants.append(Grant(service, "WRITE", "TOPIC", prefix + dead_letter_topic(topic)))
    if service in INBOUND_CONSUMERS:  # a pattern subscription: every enterprise's inbound topic
        grants.append(Grant(service, "READ", "TOPIC", f"{prefix}{INBOUND_HR}.", prefixed=True))
    groups = prefix if group_prefix is None else group_prefix
    grants.append(Grant(service, "READ", "GROUP", f"{groups}{service}.", prefixed=True))
    return grants


def dashboard_grants(prefix: str = "", group_prefix: str | None = None) -> list[Grant]:
    groups = prefix if group_prefix is None else group_prefix
    grants = [Grant(DASHBOARD, "READ", "GROUP", f"{groups}{DASHBOARD}.", prefixed=True)]
    for topic in CONSUMED_TOPICS[DASHBOARD]:
        grants.append(Grant(DASHBOARD, "READ", "TOPIC", prefix + topic))
        grants.append(Grant(DASHBOARD, "WRITE", "TOPIC", prefix + dead_letter_topic(topic)))
    grants += [
        Grant(DASHBOARD, "DESCRIBE", "GROUP", f"{groups}{service}.", prefixed=True) for service in SERVICES
    ]
    return grants


def enterprise_grants(enterprise_id: str, prefix: str = "", group_prefix: str | None = None) -> list[Grant]:
    user = enterprise_principal(enterprise_id)
    own = prefix + inbound_topic(enterprise_id)
    grants = [
        Grant(user, "WRITE", "TOPIC", own),
        Grant(user, "READ", "TOPIC", dead_letter_topic(own)),
        *[Grant(user, "READ", "TOPIC", prefix + topic) for topic in ALL_EVENT_TOPICS],
        Grant(
            user, "READ", "GROUP", f"{prefix if group_prefix is None else group_prefix}{user}.", prefixed=True
        ),
    ]
    # The owning services dead-letter this enterprise's bad records (and nothing else of its topic).
    grants += [Grant(service, "WRITE", "TOPIC", dead_letter_topic(own)) for service in INBOUND_CONSUMERS]
    return grants


def declared_topics(enterprises: Iterable[str], prefix: str = "") -> list[str]:
    return [topic.name for topic in topics.declared(prefix=prefix, enterprises=enterprises)]


def plan(
    enterprises: Iterable[str], prefix: str = "", group_prefix: str | None = None
) -> tuple[list[str], list[Grant]]:
    """The topics and ACLs of a run (prefix "" for the platform itself); consumer groups are
    named `<group_prefix><principal>.*` (group_prefix defaults to the topic prefix)."""
    enterprises = sorted(set(enterprises))
    grants = [grant for service in SERVICES for grant in service_grants(service, prefix, group_prefix)]
    grants += dashboard_grants(prefix, group_prefix)
    grants += [
        grant for enterprise in enterprises for grant in enterprise_grants(enterprise, prefix, group_prefix)
    ]
    return declared_topics(enterprises, prefix), grants


# ------------------------------------------------------------------ the users file


def read_users(path: Path) -> dict[str, str]:
    """`name=password` lines (written by deploy/kafka.sh and `enterprise`)."""
    users: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, password = line.strip().partition("=")
            if sep and name and not name.startswith("#"):
                users[name] = password
    return users


def ensure_user(path: Path, name: str) -> str:
    """The password of `name`, generated and stored on first use."""
    users = read_users(path)
    if name not in users:
        users[name] = secrets.token_hex(24)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a") as file:
            file.write(f"{name}={users[name]}\n")
    return users[name]


def enterprises_in(users: Mapping[str, str]) -> list[str]:
    return sorted(name.removeprefix("ent-") for name in users if name.startswith("ent-"))


def users_file_from_env() -> Path:
    configured = os.environ.get("CRAFTSMAN_KAFKA_USERS_FILE")
    if not configured:
        raise SystemExit("CRAFTSMAN_KAFKA_USERS_FILE is not set (source <state>/kafka-credentials.env)")
    return Path(configured)


def service_credentials(name: str, users_file: Path | None = None) -> KafkaCredentials:
    """The credentials of principal `name` on the transport this process is configured for."""
    mine = KafkaCredentials.from_environment()
    if not mine.uses_sasl:
        return mine
    users = read_users(users_file or users_file_from_env())
    if name not in users:
        raise KeyError(f"no Kafka user {name!r} in the users file; run deploy/kafka.sh provision")
    return mine.as_user(name, users[name])


def service_env(name: str) -> dict[str, str]:
    """CRAFTSMAN_KAFKA_* for a process that runs as principal `name` (empty on an open broker)."""
    credentials = service_credentials(name)
    if not credentials.uses_sasl:
        return {}
    assert credentials.username is not None and credentials.password is not None
    return {
        "CRAFTSMAN_KAFKA_SECURITY_PROTOCOL": credentials.security_protocol,
        "CRAFTSMAN_KAFKA_SASL_MECHANISM": credentials.sasl_mechanism,
        "CRAFTSMAN_KAFKA_USERNAME": credentials.username,
        "CRAFTSMAN_KAFKA_PASSWORD": credentials.password,
    }


# ------------------------------------------------------------------ applying


def admin_client(bootstrap: str, credentials: KafkaCredentials) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 4, **confluent_config(credentials)})


def _wait(futures: Mapping[Any, Future[Any]], *, tolerated: Sequence[int] = ()) -> None:
    for subject, future in futures.items():
        try:
            future.result(timeout=60)
        except KafkaException as error:
            kafka_error: KafkaError = error.args[0]
            if kafka_error.code() not in tolerated:
                raise RuntimeError(f"{subject}: {kafka_error.str()}") from error


def upsert_users(admin: AdminClient, users: Mapping[str, str]) -> None:
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
    alterations: list[Any] = [
        UserScramCredentialUpsertion(name, info, password.encode()) for name, password in users.items()
    ]
    if alterations:
        _wait(admin.alter_user_scram_credentials(alterations))


def create_acls(admin: AdminClient, grants: Sequence[Grant]) -> None:
    bindings = [
        AclBinding(
            ResourceType[grant.resource],
            grant.name,
            ResourcePatternType.PREFIXED if grant.prefixed else ResourcePatternType.LITERAL,
            f"User:{grant.principal}",
            "*",
            AclOperation[grant.operation],
            AclPermissionType.ALLOW,
        )
        for grant in grants
    ]
    if bindings:
        _wait(admin.create_acls(bindings))  # an ACL that exists already is not an error
        _await_visible(admin, bindings)


def _await_visible(admin: AdminClient, bindings: Sequence[AclBinding], timeout: float = 15.0) -> None:
    """The controller has the ACLs when create_acls answers; the brokers a moment later. Waiting for
    them here keeps a client that starts right after from being refused (and remembering it)."""
    wanted = set(bindings)
    anyone: Any = None  # librdkafka's wildcard; the stubs ask for a string
    everything = AclBindingFilter(
        ResourceType.ANY,
        anyone,
        ResourcePatternType.ANY,
        anyone,
        anyone,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    deadline = time.monotonic() + timeout
    while not wanted <= set(admin.describe_acls(everything).result(timeout=30)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"ACLs not visible on the brokers after {timeout:.0f} s")
        time.sleep(0.1)


def apply(
    bootstrap: str,
    admin_credentials: KafkaCredentials,
    users_file: Path,
    *,
    prefix: str = "",
    group_prefix: str | None = None,
    new_enterprises: Iterable[str] = (),
    replication: int = 1,
    only_named_enterprises: bool = False,
) -> list[Grant]:
    """Create every user of the users file, the declared topics and their ACLs; returns the ACLs.

    `only_named_enterprises`: the inbound topics and ACLs of the named enterprises only, not of
    every enterprise the users file ever onboarded (a run under its own prefix needs only its own;
    recreating them all under every prefix once filled a broker's heap)."""
    named = sorted(set(new_enterprises))
    for enterprise in named:
        ensure_user(users_file, enterprise_principal(enterprise))
    users = {name: password for name, password in read_users(users_file).items() if name != ADMIN}
    enterprises = named if only_named_enterprises else enterprises_in(users)
    _, grants = plan(enterprises, prefix, group_prefix)
    admin = admin_client(bootstrap, admin_credentials)
    if admin_credentials.uses_sasl:
        upsert_users(admin, users)
    # The topics and their settings are declared in deploy/topics.py; `replication` is the
    # cluster's size as kafka.sh knows it (3 brokers: replication 3, min.insync.replicas 2).
    topics.apply(admin, topics.declared(replication, prefix=prefix, enterprises=enterprises))
    if admin_credentials.uses_sasl:  # an open broker has no authorizer to tell
        create_acls(admin, grants)
    return grants


def provision_run(
    bootstrap: str, *, topic_prefix: str, group_prefix: str | None = None, enterprises: Iterable[str] = ()
) -> None:
    """The topics of a run under its own prefix, and the ACLs that let the services' principals use
    them, created with this process's (admin) credentials; nothing to do on an open broker."""
    admin = KafkaCredentials.from_environment()
    if admin.uses_sasl:
        apply(
            bootstrap,
            admin,
            users_file_from_env(),
            prefix=topic_prefix,
            group_prefix=group_prefix,
            new_enterprises=enterprises,
            only_named_enterprises=True,
        )


def _main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.kafka_access")
    commands = parser.add_subparsers(dest="command", required=True)
    applying = commands.add_parser("apply")
    applying.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    applying.add_argument("--users-file", type=Path, default=None)
    applying.add_argument("--replication", type=int, default=1)
    applying.add_argument("--prefix", default="")
    applying.add_argument("--enterprise", action="append", default=[])
    onboarding = commands.add_parser("enterprise")
    onboarding.add_argument("enterprise_id")
    onboarding.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    onboarding.add_argument("--prefix", default="")
    args = parser.parse_args(argv)
    if not args.bootstrap:
        parser.error("--bootstrap or KAFKA_BOOTSTRAP_SERVERS is needed")
    users_file: Path = getattr(args, "users_file", None) or users_file_from_env()
    admin = (
        KafkaCredentials("SASL_PLAINTEXT", "SCRAM-SHA-512", ADMIN, read_users(users_file)[ADMIN])
        if args.command == "apply"
        else KafkaCredentials.from_environment()
    )
    enterprises = args.enterprise if args.command == "apply" else [args.enterprise_id]
    grants = apply(
        args.bootstrap,
        admin,
        users_file,
        prefix=args.prefix,
        new_enterprises=enterprises,
        replication=getattr(args, "replication", 1),
    )
    if args.command == "enterprise":
        user = enterprise_principal(args.enterprise_id)
        print(f"KAFKA_BOOTSTRAP_SERVERS={args.bootstrap}")
        print(f"KAFKA_USERNAME={user}")
        print(f"KAFKA_PASSWORD={read_users(users_file)[user]}")
        print(f"KAFKA_INBOUND_TOPIC={args.prefix}{inbound_topic(args.enterprise_id)}")
    else:
        print(f"kafka_access: {len(grants)} ACLs in place", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
