"""Kubernetes manifests of the platform (Kustomize: base/ and overlays/), and the two tools
that keep them honest offline: `manifests` writes the per-service files from the services'
own wiring, `kustomize` renders an overlay (the subset of Kustomize these files use)."""
