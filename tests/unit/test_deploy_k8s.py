"""deploy/k8s, checked offline: each overlay rendered (deploy/k8s/kustomize.py, compared with
`kubectl kustomize` where kubectl is installed), every built-in object validated against the
Kubernetes schemas of the `kubernetes-validate` package (strict: unknown fields fail), the
KEDA and Prometheus-operator objects against their CRDs' schemas (vendored in
tests/unit/deploy_schemas/), and the rules ops teams rely on checked one by one."""

from __future__ import annotations

import asyncio
import copy
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from deploy.k8s import kustomize, manifests
from deploy.topics import PARTITIONS

OVERLAYS = ("local", "production")
KUBERNETES = "1.32"
SCHEMAS = Path(__file__).parent / "deploy_schemas"
CRDS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda.sh_scaledobjects.yaml",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda.sh_triggerauthentications.yaml",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "monitoring.coreos.com_prometheusrules.yaml",
}
METRICS = {
    "craftsman_http_requests_total",
    "craftsman_http_request_duration_seconds",
    "craftsman_events_appended_total",
    "craftsman_relay_lag_events",
    "craftsman_relay_published_total",
    "craftsman_consumer_lag_records",
    "craftsman_consumer_processing_seconds",
    "craftsman_duplicates_absorbed_total",
    "craftsman_dead_letters_total",
}

Manifest = dict[str, Any]


def rendered(overlay: str) -> list[Manifest]:
    return kustomize.build(manifests.K8S / "overlays" / overlay)


def of_kind(objects: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {manifest["metadata"]["name"]: manifest for manifest in objects if manifest["kind"] == kind}


def closed(schema: Any) -> Any:
    """The CRD schema as the API server applies it: fields it does not declare are pruned, so
    here they are an error (a misspelt field would otherwise pass unnoticed)."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: closed(value) for key, value in schema.items()}
    open_ended = "additionalProperties" in schema or schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in schema and not open_ended:
        strict["additionalProperties"] = False
    return strict


def crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    crd = yaml.safe_load((SCHEMAS / CRDS[(api_version, kind)]).read_text())
    version = api_version.split("/")[1]
    (served,) = [entry for entry in crd["spec"]["versions"] if entry["name"] == version]
    return jsonschema.Draft7Validator(closed(served["schema"]["openAPIV3Schema"]))


def problems(manifest: Manifest) -> list[str]:
    key = (manifest["apiVersion"], manifest["kind"])
    if key in CRDS:
        return [
            f"{'/'.join(map(str, error.path))}: {error.message}"
            for error in crd_validator(*key).iter_errors(manifest)
        ]
    try:
        kubernetes_validate.validate(manifest, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'/'.join(map(str, error.path))}: {error.message}"]
    return []


@pytest.fixture(scope="module")
def workloads() -> dict[str, manifests.Workload]:
    """The services as their code wires them (consumer groups from their subscriptions)."""
    return {workload.name: workload for workload in asyncio.run(manifests.workloads())}


def test_the_generated_manifests_are_up_to_date(workloads: dict[str, manifests.Workload]) -> None:
    expected = manifests.generated_files(list(workloads.values()))
    stale = [path.name for path, text in expected.items() if path.read_text() != text]
    assert not stale, f"run `python -m deploy.k8s generate`: {stale} differ"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates_against_its_schema(overlay: str) -> None:
    objects = rendered(overlay)
    assert len(objects) > 20
    found = {f"{m['kind']}/{m['metadata']['name']}": problems(m) for m in objects}
    assert not {name: errors for name, errors in found.items() if errors}


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("Deployment", ("spec", "template", "spec", "containers", 0, "readinesProbe"), {}),
        ("Deployment", ("spec", "replicas"), "two"),
        ("ScaledObject", ("spec", "maxReplicaCount"), "six"),
        ("ScaledObject", ("spec", "triggerz"), []),
        ("PrometheusRule", ("spec", "groups", 0, "rules", 0, "expresion"), "up"),
    ],
)
def test_the_validation_catches_a_mistake(kind: str, path: tuple[str | int, ...], value: Any) -> None:
    broken = copy.deepcopy(next(m for m in rendered("production") if m["kind"] == kind))
    node: Any = broken
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    assert problems(broken)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_renderer_agrees_with_kubectl_kustomize(overlay: str) -> None:
    directory = manifests.K8S / "overlays" / overlay
    output = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=True
    )
    theirs = [document for document in yaml.safe_load_all(output.stdout) if document]

    def by_name(objects: list[Manifest]) -> dict[tuple[str, str], Manifest]:
        return {(m["kind"], m["metadata"]["name"]): m for m in objects}

    assert by_name(rendered(overlay)) == by_name(theirs)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_a_deployment_service_budget_and_one_autoscaler(
    overlay: str, workloads: dict[str, manifests.Workload]
) -> None:
    objects = rendered(overlay)
    names = set(workloads)
    deployments = of_kind(objects, "Deployment")
    assert set(deployments) == names
    assert set(of_kind(objects, "Service")) == names
    assert set(of_kind(objects, "PodDisruptionBudget")) == names
    autoscaled = Counter(
        target
        for target in [
            *(
                hpa["spec"]["scaleTargetRef"]["name"]
                for hpa in of_kind(objects, "HorizontalPodAutoscaler").values()
            ),
            *(so["spec"]["scaleTargetRef"]["name"] for so in of_kind(objects, "ScaledObject").values()),
        ]
    )
    assert autoscaled == Counter(names), "exactly one autoscaler (HPA or KEDA's) per Deployment"
    for name, deployment in deployments.items():
        pods = deployment["spec"]["template"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pods["metadata"]["labels"].items()
        assert of_kind(objects, "Service")[name]["spec"]["selector"] == selector
        assert of_kind(objects, "PodDisruptionBudget")[name]["spec"]["selector"]["matchLabels"] == selector
        assert deployment["metadata"]["namespace"] == f"craftsman{'-local' if overlay == 'local' else ''}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_probed_limited_and_not_root(overlay: str) -> None:
    for deployment in of_kind(rendered(overlay), "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] >= 1000
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert ":" in container["image"], "the overlay pins a tag"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_and_configuration_come_from_objects_that_exist(overlay: str) -> None:
    objects = rendered(overlay)
    config_maps, secrets = of_kind(objects, "ConfigMap"), of_kind(objects, "Secret")
    for deployment in of_kind(objects, "Deployment").values():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        sources = container["envFrom"]
        assert any("configMapRef" in source for source in sources)
        for source in sources:
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in config_maps
            else:
                secret = secrets[source["secretRef"]["name"]]
                assert not {"DATABASE_URL", "CRAFTSMAN_KAFKA_PASSWORD"} & set(
                    config_maps["craftsman-config"]["data"]
                )
                assert secret["type"] == "Opaque"
        own = secrets[f"{deployment['metadata']['name']}-secrets"]["stringData"]
        assert {"DATABASE_URL", "CRAFTSMAN_KAFKA_USERNAME", "CRAFTSMAN_KAFKA_PASSWORD"} <= set(own)
        assert not [
            env for env in container.get("env", []) if "PASSWORD" in env["name"] or "SECRET" in env["name"]
        ]
    for authentication in of_kind(objects, "TriggerAuthentication").values():
        for reference in authentication["spec"]["secretTargetRef"]:
            assert reference["key"] in secrets[reference["name"]]["stringData"]


def test_keda_scales_on_the_lag_of_every_consumer_group_with_cpu_as_fallback(
    workloads: dict[str, manifests.Workload],
) -> None:
    objects = rendered("production")
    for name, scaled in of_kind(objects, "ScaledObject").items():
        spec = scaled["spec"]
        groups = [t["metadata"]["consumerGroup"] for t in spec["triggers"] if t["type"] == "kafka"]
        assert groups == list(workloads[name].consumer_groups) and groups
        assert [t["type"] for t in spec["triggers"]][-1] == "cpu"
        assert spec["maxReplicaCount"] <= PARTITIONS, "replicas beyond the partitions would idle"
        assert spec["minReplicaCount"] >= 2, "a PodDisruptionBudget of 1 unavailable keeps one up"
        for trigger in spec["triggers"]:
            if trigger["type"] == "kafka":
                assert trigger["authenticationRef"]["name"] in of_kind(objects, "TriggerAuthentication")
                assert trigger["metadata"]["allowIdleConsumers"] == "false"
    for hpa in of_kind(rendered("local"), "HorizontalPodAutoscaler").values():
        assert hpa["spec"]["maxReplicas"] <= PARTITIONS


def test_the_alert_rules_use_only_the_metrics_the_services_export() -> None:
    (rules,) = of_kind(rendered("production"), "PrometheusRule").values()
    expressions = [rule["expr"] for group in rules["spec"]["groups"] for rule in group["rules"]]
    used = {
        re.sub(r"_(bucket|sum|count)$", "", name)
        for e in expressions
        for name in re.findall(r"craftsman_\w+", e)
    }
    assert used == METRICS
    assert all(
        rule["alert"] and rule["labels"]["severity"] for g in rules["spec"]["groups"] for rule in g["rules"]
    )
