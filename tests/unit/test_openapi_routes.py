"""docs/openapi.yaml, the API reference, describes exactly the routes of handlers/routes.py: each
route with every method its handler has, and nothing else. A new route, or a method added to a
handler, fails here until the reference describes it."""
import re

from tornado.web import RequestHandler

from handlers import routes
from handlers.base import ApiNotFoundHandler
from utils.api_reference import load_spec
from utils.assets import VERSIONED_PATH
from utils.errors import RET

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
# Routes that take a part of the path, and the reference's path for each.
PATTERN_PATHS = {r"/api/docs/(.*)$": "/api/docs/{file}", r"/media/(.*)$": "/media/{key}", r"/(index\.html)?$": "/",
                 rf"/({VERSIONED_PATH})$": "/{path}", r"/(.*)$": "/{path}"}
SPEC = load_spec()


def spec_path(pattern):
    if pattern in PATTERN_PATHS:
        return PATTERN_PATHS[pattern]
    assert "(" not in pattern, f"{pattern}: add its path in the reference to PATTERN_PATHS"
    return re.sub(r"\\(.)", r"\1", pattern.removesuffix("$"))


def handler_methods(handler):
    return {method for method in METHODS if getattr(handler, method) is not getattr(RequestHandler, method)}


def routed_operations():
    """{reference path: {methods}} of every route but the envelope's 404 for unknown /api/ paths
    (described in the reference's introduction)."""
    operations = {}
    for pattern, handler, *_ in routes.routes("static", "media"):
        if handler is not ApiNotFoundHandler:
            operations.setdefault(spec_path(pattern), set()).update(handler_methods(handler))
    return operations


def spec_operations():
    return {path: {method for method in item if method in METHODS} for path, item in SPEC["paths"].items()}


def test_the_reference_describes_every_route_and_method_and_no_other():
    routed, described = routed_operations(), spec_operations()
    assert sorted(set(routed) - set(described)) == [], "routes the reference does not describe"
    assert sorted(set(described) - set(routed)) == [], "paths of the reference that no route serves"
    for path, methods in routed.items():
        assert described[path] == methods, path


def resolved(node):
    """`node`, or the component its `$ref` names."""
    if "$ref" not in node:
        return node
    found = SPEC
    for part in node["$ref"].removeprefix("#/").split("/"):
        found = found[part]
    return found


def operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_is_named_tagged_and_answers_with_its_request_id():
    names = [operation["operationId"] for _, _, operation in operations()]
    assert len(names) == len(set(names))
    for path, method, operation in operations():
        assert operation["tags"] and operation["summary"], (path, method)
        for status, answer in operation["responses"].items():
            if status != "304":
                assert "X-Request-Id" in resolved(answer)["headers"], (path, method, status)


def test_every_json_answer_has_an_example():
    for path, method, operation in operations():
        for status, answer in operation["responses"].items():
            json_content = resolved(answer).get("content", {}).get("application/json")
            if json_content and path != "/api/openapi.json":
                assert "example" in json_content or "examples" in json_content, (path, method, status)


# Writes that carry no XSRF token: the payment gateway's notification, whose signature is its proof.
SIGNED_WRITES = {"/api/pay/notify"}


def test_every_write_asks_for_the_xsrf_token():
    for path, method, operation in operations():
        if method == "post" and path in SIGNED_WRITES:
            assert operation["security"] == [], path
        elif method == "post":
            assert operation["security"], path
            assert all({"xsrfHeader", "xsrfCookie"} <= set(need) for need in operation["security"]), path


def errcodes_named(node):
    """Every errcode an `enum` under `errcode` lists, anywhere in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "errcode" and isinstance(value, dict) and "enum" in value:
                yield from value["enum"]
            yield from errcodes_named(value)
    elif isinstance(node, list):
        for item in node:
            yield from errcodes_named(item)


def test_the_error_codes_are_the_services():
    codes = {value for name, value in vars(RET).items() if name.isupper() and value != RET.OK}
    assert set(SPEC["components"]["schemas"]["Errcode"]["enum"]) == codes
    assert set(errcodes_named(SPEC["paths"])) <= codes
