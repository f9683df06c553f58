"""Import-linter contracts that the tool does not ship (see docs/adr/0021-layers.md).

- ``acyclic_modules``: no circle of imports between modules, imports inside functions included.
- ``no_private_imports``: no module imports a name starting with ``_`` from another module, reaches
  ``module._name`` on a module it imported, or imports a private module (``_name.py``) from
  outside the package that holds it. Imports inside functions count as much as the others.

Both read grimp's graph (which holds the imports made inside functions: ``is_lazy`` in the import
details); the private-name check reads each module's source with ``ast`` because the graph knows
the modules, not the names taken from them.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.contracts.protected import ProtectedContract
from importlinter.domain import helpers


def _option(contract: Contract, name: str) -> Any:
    """A contract's parsed option (the class attribute is the field; the instance's is the value)."""
    return getattr(contract, name)


def _ignored(contract: Contract, graph: grimp.ImportGraph) -> contract_utils.ImportRemoval:
    return contract_utils.remove_ignored_imports_and_report(
        graph=graph,
        ignore_imports=_option(contract, "ignore_imports"),
        unmatched_alerting=_option(contract, "unmatched_ignore_imports_alerting"),
    )


def module_cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in modules) for m in modules}
    for start in sorted(modules):
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
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
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(found)


class AcyclicModulesContract(Contract):
    """No circle of imports between the modules of the root packages.

    Configuration options:
        - ignore_imports: imports to leave out of the graph (the debts, each one named).
        - unmatched_ignore_imports_alerting: "none", "warn" or "error" (default).
    """

    type_name = "acyclic_modules"

    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = _ignored(self, graph)
        cycles = module_cycles(graph, set(graph.modules))
        details = []
        for cycle in cycles:
            members = set(cycle)
            links = []
            for importer in cycle:
                for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
                    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                    links.append({"importer": importer, "imported": imported, "line_numbers": lines})
            details.append(links)
        return ContractCheck(
            kept=not cycles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": details},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for links in check.metadata["cycles"]:
            output.print_error("A circle of imports:")
            for link in links:
                lines = ", ".join(f"l.{n}" for n in link["line_numbers"])
                output.print_error(f"-   {link['importer']} -> {link['imported']} ({lines})", bold=False)
            output.new_line()


@dataclass(frozen=True, order=True)
class PrivateImport:
    importer: str
    line_number: int
    imported: str

    def __str__(self) -> str:
        return f"{self.importer} (l.{self.line_number}) uses {self.imported}"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"


def _parent(module: str) -> str:
    return module.rpartition(".")[0]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def module_source(module: str) -> tuple[Path, bool] | None:
    """The file of ``module`` and whether it is a package; None for a namespace package."""
    root, _, rest = module.partition(".")
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{root} is not a package")
    base = Path(next(iter(spec.submodule_search_locations)))
    parts = rest.split(".") if rest else []
    package = base.joinpath(*parts, "__init__.py")
    if package.exists():
        return package, True
    plain = base.joinpath(*parts[:-1], parts[-1] + ".py") if parts else None
    if plain is not None and plain.exists():
        return plain, False
    return None


def private_uses(
    module: str, source: str, *, is_package: bool, known: set[str], roots: set[str]
) -> Iterator[PrivateImport]:
    """The private names of other modules that ``module`` takes, given its source.

    ``known`` holds the modules of the graph (to tell a submodule from a name), ``roots`` the root
    packages (only their modules are checked as targets).
    """
    tree = ast.parse(source)
    package = module if is_package else _parent(module)
    aliases: dict[str, str] = {}

    def ours(target: str) -> bool:
        return target.partition(".")[0] in roots

    def private_module_use(target: str, line: int) -> Iterator[PrivateImport]:
        # A private module may be used from inside the package that holds it.
        parts = target.split(".")
        for depth, part in enumerate(parts):
            if _is_private(part):
                holder = ".".join(parts[:depth])
                if not _within(module, holder):
                    yield PrivateImport(module, line, ".".join(parts[: depth + 1]))
                return

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not ours(alias.name):
                    continue
                yield from private_module_use(alias.name, node.lineno)
                aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                source_module = f"{base}.{node.module}" if node.module else base
            else:
                source_module = node.module or ""
            if not ours(source_module):
                continue
            yield from private_module_use(source_module, node.lineno)
            for alias in node.names:
                full = f"{source_module}.{alias.name}"
                if full in known:
                    if _is_private(alias.name) and not _within(module, source_module):
                        yield PrivateImport(module, node.lineno, full)
                    aliases[alias.asname or alias.name] = full
                elif _is_private(alias.name) and source_module != module:
                    yield PrivateImport(module, node.lineno, full)

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            dotted = _dotted(node.value)
            if dotted is None:
                continue
            head, _, tail = dotted.partition(".")
            if dotted in aliases:
                target = aliases[dotted]
            elif head in aliases:
                target = f"{aliases[head]}.{tail}"
            else:
                continue
            if target in known and target != module:
                yield PrivateImport(module, node.lineno, f"{target}.{node.attr}")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


class NoPrivateImportsContract(Contract):
    """No module takes another module's private names (``_name``).

    Configuration options:
        - skip_importers: modules whose uses are not checked (e.g. generated migrations, which
          name the validators their models used when they were made).
        - ignore_uses: uses to allow, written ``importer -> imported.name`` (the debts).
        - unmatched_ignore_imports_alerting: "none", "warn" or "error" (default) for ignore_uses
          that match nothing.
    """

    type_name = "no_private_imports"

    skip_importers = fields.SetField(subfield=fields.ModuleExpressionField(), required=False)
    ignore_uses = fields.SetField(subfield=fields.StringField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        known = set(graph.modules)
        roots = {m.partition(".")[0] for m in known}
        skipped = {
            m.name for m in helpers.module_expressions_to_modules(graph, _option(self, "skip_importers") or set())
        }
        found: list[PrivateImport] = []
        for module in sorted(known - skipped):
            located = module_source(module)
            if located is None:
                continue
            path, is_package = located
            found.extend(
                private_uses(module, path.read_text(encoding="utf-8"), is_package=is_package, known=known, roots=roots)
            )
        allowed = {tuple(part.strip() for part in raw.split("->")) for raw in (_option(self, "ignore_uses") or set())}
        used: set[tuple[str, ...]] = set()
        broken = []
        for use in sorted(set(found)):
            key = (use.importer, use.imported)
            if key in allowed:
                used.add(key)
            else:
                broken.append(use)
        warnings = []
        unmatched = sorted(allowed - used)
        level = _option(self, "unmatched_ignore_imports_alerting")
        if unmatched and level != contract_utils.AlertLevel.NONE:
            text = ", ".join(" -> ".join(k) for k in unmatched)
            if level == contract_utils.AlertLevel.ERROR:
                return ContractCheck(kept=False, metadata={"uses": [f"ignore_uses that match nothing: {text}"]})
            warnings.append(f"ignore_uses that match nothing: {text}")
        return ContractCheck(
            kept=not broken,
            warnings=warnings,
            ignored_import_count=len(used),
            metadata={"uses": [str(u) for u in broken]},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["uses"]:
            output.print_error(f"-   {line}", bold=False)
        output.new_line()


class ProtectedIfPresentContract(ProtectedContract):
    """import-linter's ``protected`` contract, kept while the protected modules do not exist yet.

    (The fast-path package comes with issue 12; the contract holds from the first commit that
    adds it, without a second change to the configuration.)
    """

    type_name = "protected_if_present"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        expressions = _option(self, "protected_modules")
        if not any(str(e) in graph.modules or graph.find_matching_modules(str(e)) for e in expressions):
            return ContractCheck(kept=True, warnings=[f"{', '.join(map(str, expressions))}: not in the graph yet"])
        return super().check(graph, verbose)
