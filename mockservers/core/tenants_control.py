"""``/__mock__/tenants``: create, list and delete tenants (core/tenants.py) on any provider port."""

from __future__ import annotations

import asyncio

from aiohttp import web

from .context import json_response
from .control import ControlError, base_url, control_error, describe, read_control_json
from .control_schemas import CONFIG
from .control_spec import INTEGER, STRING, add_control_route, array, control_call, obj
from .tenants import DEFAULT_TENANT, TENANTS, Tenant, TenantError, TenantRegistry

TENANT_SUMMARY = obj({"id": STRING, "created_ms": INTEGER, "requests": INTEGER, "messages": INTEGER, "in_flight": INTEGER},
                     required=("id", "created_ms", "requests", "messages", "in_flight"))
TENANT = {**TENANT_SUMMARY, "properties": {**TENANT_SUMMARY["properties"], "config": CONFIG},
          "required": [*TENANT_SUMMARY["required"], "config"]}
TENANT_REQUEST = obj({
    "private_key_pem": {"type": "string", "description": "stayprivate: bring the company's key pair"},
    "public_key_pem": {"type": "string", "description": "stayprivate: register only the company's public key"},
})
TENANTS_LIST = obj({"default": STRING, "tenants": array(TENANT_SUMMARY), "created": INTEGER, "evicted": INTEGER,
                    "max_tenants": INTEGER, "max_bytes": INTEGER},
                   required=("default", "tenants", "created", "evicted", "max_tenants", "max_bytes"))


def add_tenant_routes(app: web.Application) -> None:
    for handler in (create_tenant, list_tenants, delete_tenant):
        add_control_route(app, handler)


def _tenant_json(tenant: Tenant, url: str) -> dict[str, object]:
    return {**tenant.summary(), "config": describe(tenant.state, url)}


@control_call(
    "POST", "/__mock__/tenants", request=TENANT_REQUEST, responses={201: TENANT},
    errors={400: "a field this provider does not take, or a key it refuses", 409: "every tenant busy at the bound"},
    example_request={},
)
async def create_tenant(request: web.Request) -> web.Response:
    """A new tenant with its own fresh credentials (answered in "config", as GET /__mock__/config?tenant=ID)."""
    registry = request.app[TENANTS]
    try:
        spec = await read_control_json(request, default={})
        if not isinstance(spec, dict):
            raise ControlError("tenant body must be a JSON object")
        # Off the loop: a tenant's fresh credentials may be a new RSA key (stayprivate, ~0.1 s), which
        # stalled every mock on the shared loop for each tenant created.
        tenant = await asyncio.to_thread(registry.create, spec)
    except (ControlError, TenantError, ValueError) as error:
        return control_error(str(error), status=409 if isinstance(error, TenantError) else 400)
    except NotImplementedError as error:
        return control_error(str(error), status=501)
    return json_response(_tenant_json(tenant, base_url(request)), status=201)


@control_call("GET", "/__mock__/tenants", responses={200: TENANTS_LIST})
async def list_tenants(request: web.Request) -> web.Response:
    """Every tenant with its counts, and how many were created and evicted."""
    registry: TenantRegistry = request.app[TENANTS]
    return json_response(
        {
            "default": DEFAULT_TENANT,
            "tenants": [t.summary() for t in registry.tenants()],
            "created": registry.created,
            "evicted": registry.evicted,
            "max_tenants": registry.max_tenants,
            "max_bytes": registry.max_bytes,
        }
    )


@control_call("DELETE", "/__mock__/tenants/{tenant_id}", responses={200: obj({"deleted": STRING}, required=("deleted",))},
              errors={404: "no such tenant"})
async def delete_tenant(request: web.Request) -> web.Response:
    """Delete a tenant: its credentials select the default tenant from now on."""
    tenant_id = request.match_info["tenant_id"]
    if not request.app[TENANTS].delete(tenant_id):
        return control_error(f"no tenant {tenant_id!r}", status=404)
    return json_response({"deleted": tenant_id})
