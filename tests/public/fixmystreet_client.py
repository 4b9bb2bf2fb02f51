"""FixMyStreet's Open311 client, reproduced in Python for the end-to-end test.

Follows mysociety/fixmystreet perl-lib/Open311.pm: XML only; `services.xml`, `services/CODE.xml`,
`requests.xml` (GET with `service_request_id` comma-joined or `start_date`/`end_date`; POST form-encoded
with `api_key` added), `tokens/TOKEN.xml`; responses read the way its XML::Simple settings read them
(ForceArray and GroupTags for services/service, attributes/attribute, values/value,
service_requests/request, errors/error; empty elements become undef/None); the request parameters are
built like `_populate_service_request_params` (the name split by `split_name`, coordinates truncated to
six decimals, the non-UK description "title\\n\\ndetail\\n\\nurl\\n", extra fields as attribute[name]).
No maintained Python Open311 client on PyPI can file requests, hence this reproduction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

import httpx

GROUP_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
}
FORCE_ARRAY = set(GROUP_TAGS.values())


def _simple(element: ET.Element) -> Any:
    """XML::Simple with KeyAttr => {}, SuppressEmpty => undef, ForceArray and GroupTags as above."""
    kids = list(element)
    if not kids:
        text = element.text
        return text if text is not None and text.strip() != "" else None
    out: dict[str, Any] = {}
    for kid in kids:
        value = _simple(kid)
        if kid.tag in GROUP_TAGS:  # <values><value/>...</values> -> values: [...]
            inner = value if isinstance(value, dict) else {}
            value = inner.get(GROUP_TAGS[kid.tag], [])
            out[kid.tag] = value
            continue
        if kid.tag in FORCE_ARRAY:
            out.setdefault(kid.tag, []).append(value)
        elif kid.tag in out:
            previous = out[kid.tag]
            out[kid.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[kid.tag] = value
    return out


def split_name(name: str | None) -> tuple[str, str]:
    if not name:
        return "", ""
    match = re.search(r"(\w+)(?:\.?\s+(.+))?", name)
    if not match:
        return "", ""
    return match.group(1) or "", match.group(2) or ""


def truncate_coordinate(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


@dataclass
class Problem:
    """The fields of a FixMyStreet problem that the client sends."""

    title: str
    detail: str
    name: str
    latitude: float
    longitude: float
    phone: str | None = None
    email: str | None = None
    extra_fields: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Open311:
    endpoint: str
    api_key: str | None = None
    jurisdiction: str | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))
    error: str = ""
    success: bool = False

    def get_service_list(self) -> dict[str, Any] | None:
        return self._get_xml_object(self._get("services.xml"))

    def get_service_meta_info(self, service_id: str) -> dict[str, Any] | None:
        return self._get_xml_object(self._get(f"services/{service_id}.xml"))

    def send_service_request(self, problem: Problem, extra: dict[str, Any], service_code: str) -> str | int:
        params = self._populate_service_request_params(problem, extra, service_code)
        response = self._post("requests.xml", params)
        if response:
            obj = self._get_xml_object(response)
            if obj:
                request = (obj.get("request") or [{}])[0]
                if request.get("service_request_id"):
                    return request["service_request_id"]
                if request.get("token"):
                    return self.get_service_request_id_from_token(request["token"])
        return 0

    def _populate_service_request_params(
        self, problem: Problem, extra: dict[str, Any], service_code: str
    ) -> dict[str, str]:
        description = f"{problem.title}\n\n{problem.detail}\n\n{extra.get('url', '')}\n"
        first, last = split_name(problem.name)
        params = {
            "description": description,
            "service_code": service_code,
            "first_name": first,
            "last_name": last,
        }
        if problem.phone:
            params["phone"] = problem.phone
        if problem.email:
            params["email"] = problem.email
        params["lat"] = truncate_coordinate(problem.latitude)
        params["long"] = truncate_coordinate(problem.longitude)
        if extra.get("image_url"):
            params["media_url"] = extra["image_url"]
        for attr in problem.extra_fields:
            name = attr["name"]
            if name in ("first_name", "last_name"):
                if attr.get("value"):
                    params[name] = attr["value"]
                if name == "first_name":
                    continue
            params[f"attribute[{name.removeprefix('fms_extra_')}]"] = attr["value"]
        return params

    def get_service_requests(self, args: dict[str, Any]) -> dict[str, Any] | None:
        params: dict[str, str] = {}
        if args.get("report_ids"):
            params["service_request_id"] = ",".join(args.pop("report_ids"))
        params |= args
        return self._get_xml_object(self._get("requests.xml", params))

    def get_service_request_id_from_token(self, token: str) -> str | int:
        obj = self._get_xml_object(self._get(f"tokens/{token}.xml"))
        if obj and obj.get("request") and obj["request"][0].get("service_request_id"):
            return obj["request"][0]["service_request_id"]
        return 0

    @staticmethod
    def map_state(incoming: str) -> str:
        state = incoming.lower().replace("_", " ")
        states = {
            "fixed": "fixed - council",
            "not councils responsibility": "not responsible",
            "no further action": "unable to fix",
            "open": "confirmed",
            "closed": "fixed - council",
        }
        return states.get(state, state)

    def _request(self, method: str, path: str, params: dict[str, str] | None = None) -> str | None:
        params = dict(params or {})
        if self.jurisdiction:
            params["jurisdiction_id"] = self.jurisdiction
        if method == "POST" and self.api_key:
            params["api_key"] = self.api_key
        url = self.endpoint + path
        get = method == "GET"
        response = self.http.get(url, params=params) if get else self.http.post(url, data=params)
        if response.is_success:
            self.success = True
            return response.text
        self.success = False
        self.error = f"request failed: {response.status_code}\nerror: {self._process_error(response.text)}\n"
        return None

    def _get(self, path: str, params: dict[str, str] | None = None) -> str | None:
        return self._request("GET", path, params)

    def _post(self, path: str, params: dict[str, str]) -> str | None:
        return self._request("POST", path, params)

    def _process_error(self, error: str) -> str:
        obj = self._get_xml_object(error)
        message = ""
        if isinstance(obj, dict) and "error" in obj:
            for item in obj["error"]:
                message += f"{item.get('code') or '???'}: {item.get('description') or 'unknown error'}\n"
        return message or "unknown error"

    @staticmethod
    def _get_xml_object(xml: str | None) -> dict[str, Any] | None:
        if not xml:
            return None
        try:
            root = ET.fromstring(xml.encode("utf-8"))
        except ET.ParseError:
            return None
        value = _simple(root)
        return value if isinstance(value, dict) else {}
