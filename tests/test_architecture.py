"""The layers of DESIGN.md, checked on the real import graph (grimp, as import-linter uses).

A package imports only packages of lower layers; packages of one layer do not import each
other; no module takes part in an import cycle. The checker itself is tested on a graph with
an upward import and a cycle added, so it cannot pass by checking nothing.
"""

from __future__ import annotations

import grimp
import pytest

#: top to bottom; packages in one tuple are peers that must not import each other
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("api", "demo"),
    ("registry", "projections"),
    ("store", "sheets"),
    ("domain",),
)
PACKAGES = tuple(name for layer in LAYERS for name in layer)
LEVEL = {name: index for index, layer in enumerate(LAYERS) for name in layer}


def violations(graph: grimp.ImportGraph) -> list[str]:
    """Every import that breaks the layering, and every import cycle between modules."""
    found: list[str] = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            top_a, top_b = importer.split(".")[0], imported.split(".")[0]
            if top_a == top_b or top_b not in LEVEL:
                continue
            if LEVEL[top_b] <= LEVEL[top_a]:
                found.append(f"{importer} imports {imported}: {top_a} may not import {top_b}")
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported != module and graph.chain_exists(importer=imported, imported=module):
                found.append(f"import cycle: {module} -> {imported} -> ... -> {module}")
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False)


def test_every_package_is_in_the_graph(graph: grimp.ImportGraph) -> None:
    assert {module.split(".")[0] for module in graph.modules} == set(PACKAGES)


def test_layers_point_down_and_nothing_cycles(graph: grimp.ImportGraph) -> None:
    assert violations(graph) == []


def test_the_checker_finds_an_upward_import_a_peer_import_and_a_cycle() -> None:
    broken = grimp.build_graph(*PACKAGES, include_external_packages=False)
    broken.add_import(importer="domain.scoring", imported="store.settings")
    broken.add_import(importer="registry.application", imported="projections.store")
    broken.add_import(importer="store.events", imported="store.mapper")
    broken.add_import(importer="store.mapper", imported="store.events")
    found = violations(broken)
    assert any("domain.scoring imports store.settings" in line for line in found)
    assert any("registry.application imports projections.store" in line for line in found)
    assert any("import cycle: store.events -> store.mapper" in line for line in found)
