"""Which regions a view covers: the region tree, a caller's reach, and a filter's region set. Pure.

The tree comes from RegionRegistered (city → county or district → town); an enterprise may sit
in a region the dashboard has not heard of yet, which then stands for itself alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chassis.auth import Principal, Role
from chassis.errors import Forbidden

COUNTY_KINDS = frozenset({"county", "district"})


@dataclass(frozen=True, slots=True)
class RegionNode:
    region_id: str
    name: str
    kind: str
    parent_id: str | None


class RegionTree:
    def __init__(self, nodes: Iterable[RegionNode]) -> None:
        self.nodes: Mapping[str, RegionNode] = {node.region_id: node for node in nodes}
        children: dict[str, list[str]] = {}
        for node in self.nodes.values():
            if node.parent_id is not None:
                children.setdefault(node.parent_id, []).append(node.region_id)
        self._children = children

    def under(self, region_id: str) -> frozenset[str]:
        """The region and every region below it."""
        found, todo = {region_id}, [region_id]
        while todo:
            for child in self._children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return frozenset(found)

    def county_of(self, region_id: str) -> str:
        """The county or district a region lies in (itself when it is one, or is unknown)."""
        seen: set[str] = set()
        current = self.nodes.get(region_id)
        while current is not None and current.region_id not in seen:
            if current.kind in COUNTY_KINDS:
                return current.region_id
            seen.add(current.region_id)
            current = self.nodes.get(current.parent_id or "")
        return region_id

    def name_of(self, region_id: str) -> str:
        node = self.nodes.get(region_id)
        return node.name if node is not None else region_id


def regions_in_view(tree: RegionTree, principal: Principal, region_id: str | None) -> frozenset[str] | None:
    """The regions a view may show: None for the whole city (no filter), else a set.

    The city union sees everything and may narrow to any region; a county union sees its own
    region (the default) or a region inside it, and asking for one outside is a 403.
    """
    if principal.role is Role.COUNTY_UNION:
        assert principal.region_id is not None  # a county principal always has one
        reach = tree.under(principal.region_id)
        if region_id is None:
            return reach
        if region_id not in reach:
            raise Forbidden(f"region {region_id} is outside the county union's region")
        return tree.under(region_id)
    return None if region_id is None else tree.under(region_id)
