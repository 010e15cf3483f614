"""Renders a Kustomize overlay offline: the subset of Kustomize that deploy/k8s uses.

kustomize is no PyPI or Debian package, so this small renderer builds the overlays for the
tests (tests/unit/test_deploy_k8s.py), which compare it with `kubectl kustomize` where
kubectl is installed. Supported: `resources` (files and directories with a kustomization),
`namespace`, `images` (newName, newTag) and `patches` (JSON 6902 operations, from a file or
inline, on the objects a `target` selects by kind and name). Anything else is refused, so a
kustomization that grows past this subset fails loudly instead of rendering wrong.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}


class UnsupportedKustomization(ValueError):
    pass


def build(directory: Path) -> list[Manifest]:
    """The objects of a kustomization directory, as `kustomize build` would give them."""
    kustomization: dict[str, Any] = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise UnsupportedKustomization(f"{directory}: {sorted(unknown)} not supported by this renderer")
    objects: list[Manifest] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            objects.extend(build(path))
        else:
            objects.extend(document for document in yaml.safe_load_all(path.read_text()) if document)
    for patch in kustomization.get("patches", []):
        apply_patch(objects, patch, directory)
    for image in kustomization.get("images", []):
        set_image(objects, image)
    if "namespace" in kustomization:
        for manifest in objects:
            if manifest["kind"] not in CLUSTER_SCOPED:
                manifest.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    return objects


def apply_patch(objects: list[Manifest], patch: dict[str, Any], directory: Path) -> None:
    text = (directory / patch["path"]).read_text() if "path" in patch else patch["patch"]
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise UnsupportedKustomization(f"{directory}: only JSON 6902 patches (a list of operations)")
    target = patch.get("target", {})
    selected = [manifest for manifest in objects if _selected(manifest, target)]
    if not selected:
        raise UnsupportedKustomization(f"{directory}: patch target {target} selects nothing")
    for manifest in selected:
        for operation in operations:
            _apply_operation(manifest, operation)


def _selected(manifest: Manifest, target: dict[str, str]) -> bool:
    return all(
        manifest.get("kind") == value if key == "kind" else manifest["metadata"].get("name") == value
        for key, value in target.items()
        if key in {"kind", "name"}
    )


def _apply_operation(manifest: Manifest, operation: dict[str, Any]) -> None:
    *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in operation["path"].split("/")[1:]]
    node: Any = manifest
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    op = operation["op"]
    if op not in {"add", "replace", "remove"}:
        raise UnsupportedKustomization(f"JSON patch operation {op!r}")
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if op == "add":
            node.insert(index, copy.deepcopy(operation["value"]))
        elif op == "replace":
            node[index] = copy.deepcopy(operation["value"])
        else:
            del node[index]
        return
    if op == "replace" and last not in node:
        raise KeyError(f"replace of a missing {operation['path']}")
    if op == "remove":
        del node[last]
    else:
        node[last] = copy.deepcopy(operation["value"])


def set_image(objects: list[Manifest], image: dict[str, str]) -> None:
    for manifest in objects:
        pod = manifest.get("spec", {}).get("template", {}).get("spec", {})
        for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                tag = image.get("newTag", tag)
                container["image"] = image.get("newName", name) + (f":{tag}" if tag else "")
