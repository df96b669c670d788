"""``/__mock__/tenants``: create, list and delete tenants (core/tenants.py) on any provider port."""

from __future__ import annotations

from aiohttp import web

from .context import json_response
from .control import ControlError, base_url, control_error, describe, read_control_json
from .tenants import DEFAULT_TENANT, TENANTS, Tenant, TenantError, TenantRegistry


def add_tenant_routes(app: web.Application) -> None:
    app.router.add_post("/__mock__/tenants", create_tenant)
    app.router.add_get("/__mock__/tenants", list_tenants)
    app.router.add_delete("/__mock__/tenants/{tenant_id}", delete_tenant)


def _tenant_json(tenant: Tenant, url: str) -> dict[str, object]:
    return {**tenant.summary(), "config": describe(tenant.state, url)}


async def create_tenant(request: web.Request) -> web.Response:
    """A new tenant with its own fresh credentials (answered in "config", as GET /__mock__/config?tenant=ID)."""
    registry = request.app[TENANTS]
    try:
        spec = await read_control_json(request, default={})
        if not isinstance(spec, dict):
            raise ControlError("tenant body must be a JSON object")
        tenant = registry.create(spec)
    except (ControlError, TenantError, ValueError) as error:
        return control_error(str(error), status=409 if isinstance(error, TenantError) else 400)
    except NotImplementedError as error:
        return control_error(str(error), status=501)
    return json_response(_tenant_json(tenant, base_url(request)), status=201)


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


async def delete_tenant(request: web.Request) -> web.Response:
    """Delete a tenant: its credentials select the default tenant from now on."""
    tenant_id = request.match_info["tenant_id"]
    if not request.app[TENANTS].delete(tenant_id):
        return control_error(f"no tenant {tenant_id!r}", status=404)
    return json_response({"deleted": tenant_id})
