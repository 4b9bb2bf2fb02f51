"""Open311 bodies in XML and JSON: the XML as the spec shows it, the JSON its Spark-convention mapping.

Content types are exactly `text/xml` and `application/json`; both bodies are UTF-8.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

FORMATS = {"xml": "text/xml", "json": "application/json"}
# A list under this key holds elements of that name (<services><service>...</service></services>).
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any, tag: str) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner, key)
    elif isinstance(value, list):
        item = ITEMS.get(tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, item), inner, item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value, root)
    ET.indent(element)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode(
        "utf-8"
    )


def render(fmt: str, root: str, value: Any, *, status: int = 200) -> Response:
    """`root` names the XML root (services, service_requests, discovery, ...); JSON drops it."""
    body = json.dumps(value, ensure_ascii=False).encode("utf-8") if fmt == "json" else to_xml(root, value)
    return Response(content=body, status_code=status, headers={"content-type": FORMATS[fmt]})


def error(fmt: str, status: int, description: str) -> Response:
    return render(
        fmt if fmt in FORMATS else "xml",
        "errors",
        [{"code": status, "description": description}],
        status=status,
    )
