"""The directory: tenants, their app registrations and their directory objects, live or in the recycle bin."""

import base64
import copy
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from .messages import GraphError, format_datetime, parse_datetime

RETENTION = timedelta(days=30)
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

TYPE_DEFAULTS = {
    "user": {
        "accountEnabled": True,
        "businessPhones": [],
        "displayName": None,
        "givenName": None,
        "surname": None,
        "jobTitle": None,
        "department": None,
        "mail": None,
        "mailNickname": None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "userPrincipalName": None,
        "userType": "Member",
        "proxyAddresses": [],
    },
    "group": {
        "createdDateTime": None,
        "description": None,
        "displayName": None,
        "groupTypes": [],
        "mail": None,
        "mailEnabled": False,
        "mailNickname": None,
        "securityEnabled": True,
        "visibility": None,
        "proxyAddresses": [],
    },
    "application": {
        "appId": None,
        "createdDateTime": None,
        "displayName": None,
        "publisherDomain": None,
        "signInAudience": "AzureADMyOrg",
    },
    "servicePrincipal": {
        "accountEnabled": True,
        "appDisplayName": None,
        "appId": None,
        "appOwnerOrganizationId": None,
        "displayName": None,
        "servicePrincipalType": "Application",
    },
    "administrativeUnit": {
        "description": None,
        "displayName": None,
        "visibility": None,
    },
}

COLLECTIONS = {
    "user": "users",
    "group": "groups",
    "application": "applications",
    "servicePrincipal": "servicePrincipals",
    "administrativeUnit": "administrativeUnits",
}


def is_guid(value):
    return bool(GUID_RE.match(value or ""))


def type_of(obj):
    return obj["@odata.type"].rsplit(".", 1)[-1]


def resource_name(type_name):
    """The resource name Graph uses in query error messages, e.g. 'User'."""
    return type_name[0].upper() + type_name[1:]


def not_found(object_id):
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not present.",
    )


def conflict(prop):
    return GraphError(
        400,
        "Request_BadRequest",
        f"Another object with the same value for property {prop} already exists.",
        details=[{"code": "ObjectConflict", "target": prop}],
    )


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _proxy_key(address):
    return address.split(":", 1)[-1].lower()


@dataclass
class Certificate:
    sha1: str
    sha256: str
    public_key: object


@dataclass
class App:
    client_id: str
    display_name: str
    secrets: list
    certificates: list
    roles: list
    # Federated identity credentials: dicts of issuer, subject and audience a client assertion must match.
    federated: list = field(default_factory=list)
    # None for an app registration; "system" or "user" for a managed identity.
    managed_identity: str = None


@dataclass
class Record:
    obj: dict
    owner_ids: list = field(default_factory=list)
    original_upn: str = None
    original_security_enabled: bool = None

    @property
    def id(self):
        return self.obj["id"]

    @property
    def type(self):
        return type_of(self.obj)

    @property
    def deleted(self):
        return self.obj.get("deletedDateTime") is not None


@dataclass
class Tenant:
    id: str
    domain: str
    domains: list
    apps: dict
    records: dict

    def find_app(self, client_id):
        return self.apps.get((client_id or "").lower())

    def service_principal_id(self, client_id):
        for record in self.records.values():
            if record.type == "servicePrincipal" and (record.obj.get("appId") or "").lower() == client_id.lower():
                return record.id
        return str(uuid.uuid5(uuid.UUID(self.id), f"sp:{client_id.lower()}"))


def load_certificate(text):
    if not text.lstrip().startswith("-----BEGIN"):
        text = Path(text).read_text(encoding="ascii")
    cert = x509.load_pem_x509_certificate(text.encode("ascii"))
    der = cert.public_bytes(Encoding.DER)
    return Certificate(
        sha1=_b64url(hashlib.sha1(der).digest()),
        sha256=_b64url(hashlib.sha256(der).digest()),
        public_key=cert.public_key(),
    )


def load_seed(seed):
    """A seed is a dict, a path to a JSON file, or 'demo'/None for the built-in demo tenant."""
    if seed is None or seed == "demo":
        from .seeds import demo_seed

        return demo_seed()
    if isinstance(seed, (str, Path)):
        return json.loads(Path(seed).read_text(encoding="utf-8"))
    return copy.deepcopy(seed)


class Directory:
    """All tenants of one emulator; callers hold the emulator lock."""

    def __init__(self, seed, now):
        self._swept = None
        self.tenants = {}
        for spec in seed.get("tenants", []):
            tenant = self._load_tenant(spec, now)
            self.tenants[tenant.id] = tenant

    def _load_tenant(self, spec, now):
        tenant_id = spec["id"].lower()
        domain = spec.get("domain") or f"tenant{tenant_id[:8]}.onmicrosoft.com"
        domains = [domain] + [d for d in spec.get("domains", []) if d.lower() != domain.lower()]
        apps = {}
        for app in spec.get("apps", []):
            apps[app["client_id"].lower()] = App(
                client_id=app["client_id"].lower(),
                display_name=app.get("display_name") or app["client_id"],
                secrets=list(app.get("secrets", [])),
                certificates=[load_certificate(pem) for pem in app.get("certificates", [])],
                roles=list(app.get("roles", [])),
                federated=list(app.get("federated_credentials", [])),
                managed_identity=app.get("managed_identity"),
            )
        tenant = Tenant(id=tenant_id, domain=domain, domains=domains, apps=apps, records={})
        for obj in spec.get("objects", []):
            record = self._load_record(obj, now)
            tenant.records[record.id] = record
        return tenant

    def _load_record(self, spec, now):
        spec = dict(spec)
        type_name = spec.pop("@odata.type", None) or spec.pop("type", None)
        type_name = type_name.rsplit(".", 1)[-1]
        if type_name not in TYPE_DEFAULTS:
            raise ValueError(f"unsupported object type {type_name!r}")
        owner_ids = [o.lower() for o in spec.pop("ownerIds", [])]
        days_ago = spec.pop("deleted_days_ago", None)
        deleted = spec.pop("deletedDateTime", None)
        if days_ago is not None:
            deleted = format_datetime(now - timedelta(days=days_ago))
        elif deleted is not None:
            deleted = format_datetime(parse_datetime(deleted))

        obj = {"@odata.type": f"#microsoft.graph.{type_name}", "id": spec.pop("id").lower(), "deletedDateTime": None}
        obj.update(copy.deepcopy(TYPE_DEFAULTS[type_name]))
        obj.update(spec)
        record = Record(obj=obj, owner_ids=owner_ids)
        if deleted is not None:
            self._mark_deleted(record, deleted)
        return record

    def tenant(self, ref):
        """Finds a tenant by GUID or by any of its domains."""
        ref = (ref or "").lower()
        if ref in self.tenants:
            return self.tenants[ref]
        for tenant in self.tenants.values():
            if ref in (d.lower() for d in tenant.domains):
                return tenant
        return None

    def sweep(self, now):
        """Purges bin items past the 30-day retention window, at most once a second of the directory's clock."""
        if self._swept is not None and timedelta(0) <= now - self._swept < timedelta(seconds=1):
            return
        self._swept = now
        cutoff = now - RETENTION
        for tenant in self.tenants.values():
            for record in list(tenant.records.values()):
                if record.deleted and parse_datetime(record.obj["deletedDateTime"]) < cutoff:
                    del tenant.records[record.id]

    def records(self, tenant, deleted=None, type_name=None):
        found = [
            r
            for r in tenant.records.values()
            if (deleted is None or r.deleted == deleted) and (type_name is None or r.type == type_name)
        ]
        return sorted(found, key=lambda r: r.id)

    def find(self, tenant, object_id, deleted):
        record = tenant.records.get((object_id or "").lower())
        if record is None or record.deleted != deleted:
            return None
        return record

    def find_user(self, tenant, ref, deleted=False):
        """Users may also be addressed by userPrincipalName."""
        if is_guid(ref):
            record = self.find(tenant, ref, deleted)
            return record if record and record.type == "user" else None
        for record in tenant.records.values():
            upn = record.obj.get("userPrincipalName") or ""
            if record.type == "user" and record.deleted == deleted and upn.lower() == ref.lower():
                return record
        return None

    def soft_delete(self, tenant, record, now):
        deleted = [record]
        if record.type == "application":
            app_id = (record.obj.get("appId") or "").lower()
            deleted += [
                r
                for r in self.records(tenant, deleted=False, type_name="servicePrincipal")
                if app_id and (r.obj.get("appId") or "").lower() == app_id
            ]
        for item in deleted:
            self._mark_deleted(item, format_datetime(now))
        return deleted

    def _mark_deleted(self, record, when):
        record.obj["deletedDateTime"] = when
        if record.type == "user" and record.obj.get("userPrincipalName"):
            record.original_upn = record.obj["userPrincipalName"]
            record.obj["userPrincipalName"] = record.id.replace("-", "") + record.original_upn
        if record.type == "group" and not record.obj.get("groupTypes"):
            # Soft-deleted security groups report securityEnabled false until restored.
            record.original_security_enabled = record.obj.get("securityEnabled")
            record.obj["securityEnabled"] = False

    def purge(self, tenant, record):
        del tenant.records[record.id]

    def restore(self, tenant, record, new_upn=None, auto_reconcile=False):
        if record.type == "user":
            self._restore_user_identity(tenant, record, new_upn, auto_reconcile)
        if record.type == "group" and record.original_security_enabled is not None:
            record.obj["securityEnabled"] = record.original_security_enabled
            record.original_security_enabled = None
        record.obj["deletedDateTime"] = None
        return record

    def _restore_user_identity(self, tenant, record, new_upn, auto_reconcile):
        upn = new_upn or record.original_upn
        if new_upn:
            domain = new_upn.rsplit("@", 1)[-1].lower() if "@" in new_upn else ""
            if domain not in (d.lower() for d in tenant.domains):
                raise GraphError(
                    400,
                    "Request_BadRequest",
                    "The domain portion of the userPrincipalName property is invalid. "
                    "You must use one of the verified domain names in your organization.",
                    details=[{"code": "InvalidValue", "target": "userPrincipalName"}],
                )
        live = [r for r in tenant.records.values() if not r.deleted and r.id != record.id]
        if upn and any((r.obj.get("userPrincipalName") or "").lower() == upn.lower() for r in live):
            raise conflict("userPrincipalName")

        taken = {_proxy_key(a) for r in live for a in r.obj.get("proxyAddresses") or []}
        addresses = record.obj.get("proxyAddresses") or []
        clashing = [a for a in addresses if _proxy_key(a) in taken]
        if clashing and not auto_reconcile:
            raise conflict("proxyAddresses")

        record.obj["proxyAddresses"] = [a for a in addresses if a not in clashing]
        if upn:
            record.obj["userPrincipalName"] = upn
        record.original_upn = None
