"""The CPSV-AP 3.2.0 export validates against the published SHACL shapes, without the network."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from tongban.catalog import cpsv
from tongban.catalog.services import item_withdraw
from tongban.catalog.tests.builders import demo_like_catalog
from tongban.core.errors import NotFound

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")]

CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
DCT = Namespace("http://purl.org/dc/terms/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")


@pytest.fixture(scope="module")
def shapes(standards_dir: Path) -> Graph:
    return Graph().parse(standards_dir / "cpsv-ap-3.2.0" / "cpsv-ap-SHACL.ttl", format="turtle")


def to_graph(doc: dict[str, Any]) -> Graph:
    # The context is inline: parsing must not need (or try) the network.
    return Graph().parse(data=json.dumps(doc, ensure_ascii=False), format="json-ld")


def conforms(doc: dict[str, Any], shapes: Graph) -> tuple[bool, str]:
    ok, _graph, text = validate(to_graph(doc), shacl_graph=shapes, inference="none", allow_warnings=False)
    return bool(ok), str(text)


def node(doc: dict[str, Any], type_: str) -> dict[str, Any]:
    for n in doc["@graph"]:
        types = n["@type"] if isinstance(n["@type"], list) else [n["@type"]]
        if type_ in types:
            found: dict[str, Any] = n
            return found
    raise AssertionError(f"no {type_} in the export")


def test_export_of_a_demo_like_catalog_conforms_to_the_shapes(shapes: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a catalog with every element filled in, in two regions, and no network
    demo_like_catalog()

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the export must not need the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    # when it is exported
    doc = cpsv.export_catalog()
    # then the context is inline (no URL to fetch) and the document conforms to CPSV-AP 3.2.0
    assert isinstance(doc["@context"], dict)
    assert all(isinstance(v, str) and v.endswith(("#", "/")) for v in doc["@context"].values())
    ok, report = conforms(doc, shapes)
    assert ok, report
    # and it says what the catalog holds
    g = to_graph(doc)
    services = set(g.subjects(RDF.type, CPSV.PublicService))
    assert len(services) == 3
    food = URIRef(cpsv.service_iri("120000-SCJG-0001"))
    assert g.value(food, DCT.identifier) == Literal("120000-SCJG-0001")
    assert Literal("食品经营许可（新办）", lang="zh") in set(g.objects(food, DCT.title))
    assert Literal("Test service", lang="en") in set(g.objects(food, DCT.title))
    assert g.value(food, CV.processingTime) == Literal("P5D", datatype=XSD.duration)
    assert len(set(g.objects(food, CPSV.hasInput))) == 3
    assert len(set(g.objects(food, CV.holdsRequirement))) == 2
    assert len(set(g.objects(food, CV.hasChannel))) == 2
    assert len(set(g.objects(food, CV.hasLegalResource))) == 2
    cost = g.value(food, CV.hasCost)
    assert cost is not None and g.value(cost, CV.hasValue) == Literal(10.0, datatype=XSD.double)
    authority = g.value(food, CV.hasCompetentAuthority)
    assert authority is not None and (authority, RDF.type, CV.PublicOrganisation) in g
    event = g.value(food, CV.isGroupedBy)
    assert event is not None and (event, CV.hasRelatedService, food) in g


def test_region_filter_and_only_published_versions(shapes: Graph) -> None:
    items = demo_like_catalog()
    item_withdraw(actor=None, item=items[1], reason="测试撤销")
    doc = cpsv.export_catalog(region="120000")
    ids = {n["dct:identifier"] for n in doc["@graph"] if n["@type"] == "cpsv:PublicService"}
    assert ids == {"120000-SCJG-0001"}
    assert conforms(doc, shapes)[0]
    with pytest.raises(NotFound):
        cpsv.export_catalog(region="999999")


@pytest.mark.parametrize(
    ("type_", "prop"),
    [
        ("cpsv:PublicService", "dct:description"),
        ("cpsv:PublicService", "cv:hasCompetentAuthority"),
        ("cv:Channel", "dct:identifier"),
        ("cv:Evidence", "dct:title"),
        ("cv:PublicOrganisation", "dct:spatial"),
    ],
)
def test_removing_a_required_property_breaks_conformance(shapes: Graph, type_: str, prop: str) -> None:
    # given a conforming export
    demo_like_catalog()
    doc = copy.deepcopy(cpsv.export_catalog())
    # when a property the shapes require is removed from one node
    del node(doc, type_)[prop]
    # then the document no longer conforms, and the report names the property
    ok, report = conforms(doc, shapes)
    assert not ok
    assert "MinCount" in report


def test_a_processing_time_that_is_not_a_duration_breaks_conformance(shapes: Graph) -> None:
    demo_like_catalog()
    doc = cpsv.export_catalog()
    node(doc, "cpsv:PublicService")["cv:processingTime"] = "20 working days"
    assert not conforms(doc, shapes)[0]


def test_fee_amounts() -> None:
    assert cpsv.amount_value("10.00") == 10.0
    assert cpsv.amount_value("25元") == 25.0
    assert cpsv.amount_value("按面积收取") is None
