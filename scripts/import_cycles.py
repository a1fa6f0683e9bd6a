"""Print every import cycle among the project's modules, counting the imports made
inside functions too (grimp reads every import statement); exit 1 if there is one.

    .venv/bin/python scripts/import_cycles.py [package ...]    (default: turnero turnero_qt turnero_kiosk turnero_display)
"""
from __future__ import annotations

import sys

import grimp

PACKAGES = ("turnero", "turnero_qt", "turnero_kiosk", "turnero_display")


def cycles(graph, modules: list[str]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    inside = set(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & inside)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & inside))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main(packages: list[str]) -> int:
    graph = grimp.build_graph(*packages)
    modules = sorted(m for m in graph.modules if m.split(".")[0] in packages)
    found = cycles(graph, modules)
    for component in found:
        print(f"import cycle among {len(component)} modules:")
        for module in component:
            inside = sorted(graph.find_modules_directly_imported_by(module) & set(component))
            print(f"  {module} -> {', '.join(inside)}")
    print(f"{len(modules)} modules of {', '.join(packages)}: {len(found)} import cycles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(PACKAGES)))
