# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The directory the integration tests start from: who exists, who is in the recycle bin, which apps sign in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import functools
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from graph_emulator.seeds import application, automation_app, group, user

TENANT_ID = "0c9e2f4a-6b1d-4e8f-a2c3-5d7e9f1b3a6c"
DOMAIN = "contoso-test.onmicrosoft.com"
CLIENT_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
READER_CLIENT_ID = "b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e"
CERT_CLIENT_ID = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"
OTHER_TENANT_ID = "f5e4d3c2-b1a0-4f9e-8d7c-6b5a4f3e2d1c"
OTHER_CLIENT_ID = "e9d8c7b6-a5f4-4e3d-9c2b-1a0f9e8d7c6b"
CERT_PASSWORD = "pfx-passphrase-for-tests"

ALICE = user("test", "Alice", "Archer", DOMAIN, 3)
BOB = user("test", "Bob", "Baker", DOMAIN, 10)
CAROL_LIVE = user("test", "Carol", "Cruz", DOMAIN, None)
OLD_APP, OLD_APP_SP = application("test", "Old payroll connector", 5)
LIVE_APP, LIVE_APP_SP = application("test", "Current payroll connector", None)
DELETED_GROUP = group("test", "Project Heron", ["Unified"], 7)
DELETED_AU = {
    "type": "administrativeUnit",
    "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "displayName": "Closed office",
    "deleted_days_ago": 4,
}
OTHER_TENANT_USER = user("other", "Olga", "Other", "other-test.onmicrosoft.com", 2)

ALL_DELETED = [ALICE, BOB, OLD_APP, OLD_APP_SP, DELETED_GROUP, DELETED_AU]


@functools.lru_cache(maxsize=1)
def _certificate():
    """An RSA key and a self-signed certificate for the certificate sign-in tests, made once per run."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graphops recycle bin tests")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def write_certificates(directory):
    """Write the test certificate as PEM (key and certificate) and as a password-protected PFX."""
    key, cert = _certificate()
    directory.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ) + cert.public_bytes(serialization.Encoding.PEM)
    (directory / "app.pem").write_bytes(pem)
    pfx = pkcs12.serialize_key_and_certificates(
        b"app", key, cert, None, serialization.BestAvailableEncryption(CERT_PASSWORD.encode())
    )
    (directory / "app.pfx").write_bytes(pfx)
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def test_seed(secret, certificates_dir=None):
    certificate = write_certificates(certificates_dir) if certificates_dir else None
    return {
        "tenants": [
            {
                "id": TENANT_ID,
                "domain": DOMAIN,
                "apps": [
                    automation_app(CLIENT_ID, secret),
                    automation_app(
                        READER_CLIENT_ID,
                        secret,
                        roles=["User.Read.All", "Application.Read.All", "Directory.Read.All"],
                        name="Recycle bin reader",
                    ),
                    automation_app(CERT_CLIENT_ID, None, certificates=[certificate] if certificate else []),
                ],
                "objects": [
                    ALICE,
                    BOB,
                    CAROL_LIVE,
                    OLD_APP,
                    OLD_APP_SP,
                    LIVE_APP,
                    LIVE_APP_SP,
                    DELETED_GROUP,
                    DELETED_AU,
                ],
            },
            {
                "id": OTHER_TENANT_ID,
                "domain": "other-test.onmicrosoft.com",
                "apps": [automation_app(OTHER_CLIENT_ID, secret)],
                "objects": [OTHER_TENANT_USER],
            },
        ]
    }


test_seed.__test__ = False


OWNED_BY_CLIENT_ID = "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a"
OWNER = user("test", "Owen", "Owner", DOMAIN, None)
CONFLICTING_USER = user("test", "Dana", "Dupont", DOMAIN, 1, proxyAddresses=["SMTP:dana@contoso-test.com"])
# A live user who took both the name and the mail address of the deleted Dana Dupont.
HOLDER = user(
    "test-live",
    "Dana",
    "Dupont",
    DOMAIN,
    None,
    id="e1e2e3e4-0000-4000-8000-000000000001",
    proxyAddresses=["smtp:dana@contoso-test.com"],
)
QUOTED = user("test", "Siobhan", "O'Brien", DOMAIN, 6)


def owned_by_principal(client_id):
    """The service principal id the emulator gives an app without one in the seed."""
    return str(uuid.uuid5(uuid.UUID(TENANT_ID), "sp:%s" % client_id.lower()))


def bulk_seed(secret, users=0, old_users=0, apps=0, owned_apps=0, extra=()):
    """The test tenant with many more deleted items: `old_users` deleted 10 to 20 days ago, `users` 1 to 5
    days ago, `apps` applications (with service principals) of which the first `owned_apps` are owned by
    the OwnedBy app."""
    seed = test_seed(secret)
    tenant = seed["tenants"][0]
    tenant["apps"].append(
        automation_app(
            OWNED_BY_CLIENT_ID,
            secret,
            roles=["Application.ReadWrite.OwnedBy", "Application.Read.All"],
            name="Owned-by automation",
        )
    )
    objects = tenant["objects"]
    for index in range(old_users):
        objects.append(user("old", "Old", "User%04d" % index, DOMAIN, 10 + index % 10))
    for index in range(users):
        objects.append(user("new", "New", "User%04d" % index, DOMAIN, 1 + index % 5))
    owner = owned_by_principal(OWNED_BY_CLIENT_ID)
    for index in range(apps):
        app, principal = application("bulk", "Bulk app %04d" % index, 3 + index % 20)
        if index < owned_apps:
            app["ownerIds"] = [owner, OWNER["id"]]
        objects.extend([app, principal])
    objects.extend([OWNER, CONFLICTING_USER, HOLDER, QUOTED])
    objects.extend(extra)
    return seed


bulk_seed.__test__ = False


WORKLOAD_CLIENT_ID = "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b"
MI_SYSTEM_ID = "a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6e"
MI_USER_ID = "b0c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4f"
FEDERATED_SUBJECT = "repo:contoso/identity-gitops:ref:refs/heads/main"


def credentials_seed(secret):
    """The test tenant with an app that trusts a CI system's tokens and two managed identities."""
    seed = test_seed(secret)
    apps = seed["tenants"][0]["apps"]
    workload = automation_app(WORKLOAD_CLIENT_ID, None, name="GitOps pipeline")
    # The issuer is the emulator's own; tests set it once the emulator's address is known.
    workload["federated_credentials"] = []
    system = automation_app(MI_SYSTEM_ID, None, name="AWX node (system-assigned)")
    system["managed_identity"] = "system"
    assigned = automation_app(MI_USER_ID, None, name="runner identity (user-assigned)")
    assigned["managed_identity"] = "user"
    apps.extend([workload, system, assigned])
    return seed


credentials_seed.__test__ = False
