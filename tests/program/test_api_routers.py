"""The API is one router per area (program/api/), and the move changed nothing a client
sees: the OpenAPI document has the same paths, methods, operation ids (generated clients
keep their method names), tags and schema names, in the same order, as
``api_operations.json``, written from the single-module API before the split. A change
to the API's surface must change that file too, on purpose."""

from __future__ import annotations

import json
from pathlib import Path

from program.api import api

EXPECTED = json.loads((Path(__file__).parent / "api_operations.json").read_text("utf-8"))


def _document() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def test_the_paths_and_operation_ids_are_the_ones_clients_know() -> None:
    document = _document()
    operations = [
        {"path": path, "method": method, "operationId": op["operationId"], "tags": op["tags"]}
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    ]
    assert operations == EXPECTED["paths"]
    assert sorted(document["components"]["schemas"]) == EXPECTED["components"]


def test_each_area_has_its_router() -> None:
    from program.api import account, assessments, diary, medication, my_data, sleep_window

    routers = {m.__name__.rsplit(".", 1)[-1]: m.router for m in
               (account, diary, sleep_window, medication, assessments, my_data)}  # fmt: skip
    owners = {
        op.view_func.__name__: area
        for area, router in routers.items()
        for path_view in router.path_operations.values()
        for op in path_view.operations
    }
    assert owners["create_entry"] == "diary"
    assert owners["taper_plan"] == "medication"
    assert owners["list_assessments"] == "assessments"
    assert owners["fhir_bundle"] == "my_data"
    # Every operation of the document is in one router, none twice.
    assert len(owners) == len(EXPECTED["paths"])
