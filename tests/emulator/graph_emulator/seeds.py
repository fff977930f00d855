"""Seeds: the built-in demo directory, and helpers tests use to build their own."""

import secrets
import uuid

NAMESPACE = uuid.UUID("3b1f8e52-6a0c-4d7e-9f21-5c8b7a6d4e30")

CONTOSO_TENANT_ID = "8f2c1c3e-5d4b-4c8a-9e77-2a6f0b1d3c55"
CONTOSO_DOMAIN = "contoso.onmicrosoft.com"
CONTOSO_APP_ID = "5a7d9e2b-1c3f-4b6a-8d0e-7f9a1b2c3d4e"
FABRIKAM_TENANT_ID = "c41e7a90-2b8d-4f3c-a15e-96d0b7e3f812"
FABRIKAM_DOMAIN = "fabrikam.onmicrosoft.com"
FABRIKAM_APP_ID = "d2b6f1a4-7e3c-4a95-b8d1-0c5e9f7a2b63"

# What a recycle-bin automation app is granted in the demo tenant.
AUTOMATION_ROLES = [
    "User.DeleteRestore.All",
    "User.Read.All",
    "Group.ReadWrite.All",
    "Application.ReadWrite.All",
    "AdministrativeUnit.ReadWrite.All",
    "Directory.Read.All",
]

FIRST = [
    "Adele",
    "Alex",
    "Allan",
    "Bianca",
    "Brian",
    "Cameron",
    "Christie",
    "Debra",
    "Diego",
    "Enrico",
    "Emily",
    "Grady",
    "Henrietta",
    "Irvin",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Patti",
    "Pradeep",
    "Raul",
    "Sakura",
    "Tomasz",
    "Wanjiru",
    "Yuki",
    "Zainab",
    "Oluwaseun",
    "Siobhan",
    "Mateo",
    "Ingrid",
    "Kwame",
]
LAST = [
    "Vance",
    "Wilber",
    "Deyoung",
    "Nguyen",
    "Kim",
    "Okafor",
    "Cline",
    "Berg",
    "Soto",
    "Rossi",
    "Braun",
    "Archie",
    "Cortez",
    "Sink",
    "Lopez",
    "Lauper",
    "Sherman",
    "Gu",
    "Holloway",
    "Robbins",
    "Bowen",
    "Caldwell",
    "Wilke",
    "Fernandez",
    "Gupta",
    "Silva",
    "Tanaka",
    "Nowak",
    "Mwangi",
    "Sato",
    "Ahmed",
    "Adeyemi",
    "O'Brien",
    "Garcia",
    "Larsen",
    "Mensah",
]
GROUPS = [
    ("Project Falcon", ["Unified"]),
    ("Finance Q3 close", ["Unified"]),
    ("Retail store managers", []),
    ("Contractors 2025", []),
    ("Marketing EMEA", ["Unified"]),
    ("VPN legacy users", []),
    ("Sales APAC", ["Unified"]),
    ("Lab admins", []),
    ("Hackathon 2026", ["Unified"]),
    ("Print operators", []),
]
APPS = [
    "Legacy HR connector",
    "Expense bot (retired)",
    "Test app - do not use",
    "Pipeline deployer staging",
    "Contoso mobile beta",
    "Old SIEM collector",
    "Intern project Kiwi",
    "Backup agent v1",
]
ADMINISTRATIVE_UNITS = ["Seattle office", "Contractors region"]


def object_id(*names):
    return str(uuid.uuid5(NAMESPACE, "/".join(names)))


def user(tenant_key, first, last, domain, deleted_days_ago=None, **extra):
    nickname = f"{first}.{last}".lower().replace("'", "")
    upn = f"{nickname}@{domain}"
    obj = {
        "type": "user",
        "id": object_id(tenant_key, "user", nickname),
        "displayName": f"{first} {last}",
        "givenName": first,
        "surname": last,
        "mailNickname": nickname.replace(".", ""),
        "userPrincipalName": upn,
        "mail": upn,
        "proxyAddresses": [f"SMTP:{upn}"],
    }
    if deleted_days_ago is not None:
        obj["deleted_days_ago"] = deleted_days_ago
    obj.update(extra)
    return obj


def group(tenant_key, name, group_types, deleted_days_ago=None):
    nickname = "".join(ch for ch in name.lower() if ch.isalnum())
    unified = "Unified" in group_types
    obj = {
        "type": "group",
        "id": object_id(tenant_key, "group", nickname),
        "displayName": name,
        "groupTypes": group_types,
        "mailEnabled": unified,
        "securityEnabled": not unified,
        "mailNickname": nickname,
        "mail": f"{nickname}@{CONTOSO_DOMAIN}" if unified else None,
    }
    if deleted_days_ago is not None:
        obj["deleted_days_ago"] = deleted_days_ago
    return obj


def application(tenant_key, name, deleted_days_ago=None, owner_ids=()):
    app_id = object_id(tenant_key, "appId", name)
    app = {
        "type": "application",
        "id": object_id(tenant_key, "application", name),
        "appId": app_id,
        "displayName": name,
        "ownerIds": list(owner_ids),
    }
    principal = {
        "type": "servicePrincipal",
        "id": object_id(tenant_key, "servicePrincipal", name),
        "appId": app_id,
        "appDisplayName": name,
        "displayName": name,
        "appOwnerOrganizationId": CONTOSO_TENANT_ID,
    }
    if deleted_days_ago is not None:
        app["deleted_days_ago"] = deleted_days_ago
        principal["deleted_days_ago"] = deleted_days_ago
    return [app, principal]


def administrative_unit(tenant_key, name, deleted_days_ago=None):
    obj = {"type": "administrativeUnit", "id": object_id(tenant_key, "administrativeUnit", name), "displayName": name}
    if deleted_days_ago is not None:
        obj["deleted_days_ago"] = deleted_days_ago
    return obj


def automation_app(client_id, secret, roles=None, certificates=(), name="Recycle bin automation"):
    return {
        "client_id": client_id,
        "display_name": name,
        "secrets": [secret] if secret else [],
        "certificates": list(certificates),
        "roles": list(AUTOMATION_ROLES if roles is None else roles),
    }


def contoso_objects():
    """A realistic bin: users, groups, apps with their service principals, administrative units,
    deleted between a few hours and 29 days ago, beside live objects."""
    objects = []
    for index, (first, last) in enumerate(zip(FIRST, LAST)):
        deleted = None if index % 6 == 5 else (index * 7) % 29 + 0.25
        objects.append(user("contoso", first, last, CONTOSO_DOMAIN, deleted))
    # A live user now holds the name a deleted user had: restoring that one conflicts.
    objects.append(
        user("contoso-live", "Adele", "Vance", CONTOSO_DOMAIN, None, id=object_id("contoso", "user", "adele.vance.2"))
    )
    for index, (name, types) in enumerate(GROUPS):
        deleted = None if index == 9 else (index * 5) % 29 + 0.5
        objects.append(group("contoso", name, types, deleted))
    owner = object_id("contoso", "user", "megan.bowen")
    for index, name in enumerate(APPS):
        deleted = None if index == 7 else (index * 4) % 29 + 1
        objects.extend(application("contoso", name, deleted, owner_ids=[owner]))
    for index, name in enumerate(ADMINISTRATIVE_UNITS):
        objects.append(administrative_unit("contoso", name, 3 + index * 10))
    return objects


def demo_seed(secret=None):
    """Two tenants, Contoso (the demo's) and Fabrikam, each with its own automation app."""
    return {
        "tenants": [
            {
                "id": CONTOSO_TENANT_ID,
                "domain": CONTOSO_DOMAIN,
                "domains": ["contoso.com"],
                "apps": [automation_app(CONTOSO_APP_ID, secret or secrets.token_urlsafe(24))],
                "objects": contoso_objects(),
            },
            {
                "id": FABRIKAM_TENANT_ID,
                "domain": FABRIKAM_DOMAIN,
                "apps": [automation_app(FABRIKAM_APP_ID, secrets.token_urlsafe(24))],
                "objects": [
                    user("fabrikam", first, last, FABRIKAM_DOMAIN, 2 + index * 3)
                    for index, (first, last) in enumerate(zip(FIRST[:6], LAST[6:12]))
                ],
            },
        ]
    }
