"""The import contracts of docs/adr/0021-layers.md: they see imports inside functions, and they fail."""

from __future__ import annotations

import ast
import importlib.util
import textwrap
from pathlib import Path

import grimp
import pytest
from scripts.import_contracts import AcyclicModulesContract, NoPrivateImportsContract, module_cycles


def _package(root: Path, name: str, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_tongbans_graph_holds_the_imports_made_inside_functions() -> None:
    # given the import graph of tongban, as lint-imports builds it
    graph = grimp.build_graph("tongban", cache_dir=None)

    # when we read the import of the cases API router, which tongban.api makes inside a function
    details = graph.get_import_details(importer="tongban.api", imported="tongban.cases.api")
    spec = importlib.util.find_spec("tongban.api")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    functions = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]

    # then it is in the graph, at a line inside a function
    assert details
    assert all(any(f.lineno < d["line_number"] <= (f.end_lineno or 0) for f in functions) for d in details)


def test_a_circle_closed_by_an_import_inside_a_function_is_found(toy: Path) -> None:
    # given two modules that import each other, one of them only inside a function
    _package(
        toy,
        "toy_circle",
        {
            "__init__.py": "",
            "a.py": "from toy_circle import b\n",
            "b.py": "def f():\n    from toy_circle import a\n    return a\n",
            "c.py": "from toy_circle import a\n",
        },
    )
    graph = grimp.build_graph("toy_circle", cache_dir=None)

    # when the circles are listed, and the contract checks the graph
    cycles = module_cycles(graph, set(graph.modules))
    check = AcyclicModulesContract(name="circles", session_options={}, contract_options={}).check(graph, verbose=False)

    # then the one circle is there, and the contract is broken
    assert cycles == [["toy_circle.a", "toy_circle.b"]]
    assert not check.kept


def test_an_ignored_import_breaks_the_circle(toy: Path) -> None:
    # given the same circle, with its function-level import named as a debt
    _package(
        toy,
        "toy_ignored",
        {
            "__init__.py": "",
            "a.py": "from toy_ignored import b\n",
            "b.py": "def f():\n    from toy_ignored import a\n    return a\n",
        },
    )
    graph = grimp.build_graph("toy_ignored", cache_dir=None)
    contract = AcyclicModulesContract(
        name="circles", session_options={}, contract_options={"ignore_imports": ["toy_ignored.b -> toy_ignored.a"]}
    )

    # when the contract checks the graph
    check = contract.check(graph, verbose=False)

    # then it is kept
    assert check.kept


def test_every_kind_of_private_use_across_modules_breaks_the_contract(toy: Path) -> None:
    # given a package whose modules take each other's private names in every way Python allows
    _package(
        toy,
        "toy_private",
        {
            "__init__.py": "",
            "lib.py": "_hidden = 1\nVISIBLE = 2\n__version__ = '1'\n\ndef _helper():\n    return _hidden\n",
            "sub/__init__.py": "",
            "sub/_impl.py": "X = 1\n",
            "sub/inside.py": "from toy_private.sub import _impl\nfrom . import _impl as again\n",
            "top.py": textwrap.dedent(
                """
                import toy_private.lib
                from toy_private import lib as library
                from toy_private.lib import VISIBLE, __version__
                from django.utils.translation import gettext as _

                def late():
                    from toy_private.lib import _helper
                    return _helper()

                def by_attribute():
                    return library._hidden + toy_private.lib._hidden

                def private_module():
                    from toy_private.sub._impl import X
                    return X
                """
            ),
        },
    )
    graph = grimp.build_graph("toy_private", cache_dir=None)

    # when the contract checks the package
    check = NoPrivateImportsContract(name="private", session_options={}, contract_options={}).check(
        graph, verbose=False
    )

    # then each private use from another module is reported with its line, and nothing else is
    assert not check.kept
    assert check.metadata["uses"] == [
        "toy_private.top (l.8) uses toy_private.lib._helper",
        "toy_private.top (l.12) uses toy_private.lib._hidden",
        "toy_private.top (l.15) uses toy_private.sub._impl",
    ]


def test_a_named_debt_is_allowed_and_a_stale_one_is_reported(toy: Path) -> None:
    # given a private use named as a debt, and a debt that no longer matches anything
    _package(
        toy,
        "toy_debt",
        {"__init__.py": "", "lib.py": "_hidden = 1\n", "top.py": "from toy_debt.lib import _hidden\n"},
    )
    graph = grimp.build_graph("toy_debt", cache_dir=None)
    debts = ["toy_debt.top -> toy_debt.lib._hidden"]

    # when the contract checks the package with the debt, then with a stale debt added
    kept = NoPrivateImportsContract(name="p", session_options={}, contract_options={"ignore_uses": debts}).check(
        graph, verbose=False
    )
    stale = NoPrivateImportsContract(
        name="p", session_options={}, contract_options={"ignore_uses": [*debts, "toy_debt.top -> toy_debt.lib._gone"]}
    ).check(graph, verbose=False)

    # then the first is kept and the second is broken, naming the stale debt
    assert kept.kept
    assert not stale.kept
    assert "toy_debt.lib._gone" in stale.metadata["uses"][0]
