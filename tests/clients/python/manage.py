"""Drives the Python client of healthchecks.io (the `healthchecks-io`
package, unchanged) against a tower-ping server's Management API, for
tests/real_clients.rs:

    python3 tests/clients/python/manage.py API_URL RW_KEY RO_KEY CHECK_UUID

API_URL is the API's base (`http://127.0.0.1:PORT/api/`), CHECK_UUID a check
of the key's project that has pings and flips. Every call goes through the
client's own methods and models (pydantic), on API versions 1 and 3; what
each returned is printed as one JSON object, and the program exits with 1
(the traceback on stderr) if a call fails or an answer does not parse.
"""

import json
import sys

from healthchecks_io import Client
from healthchecks_io.schemas.checks import CheckCreate, CheckStatuses


def main() -> None:
    api_url, rw_key, ro_key, check_uuid = sys.argv[1:5]
    out = {}
    for version in (1, 3):
        rw = Client(api_key=rw_key, api_url=api_url, api_version=version)
        ro = Client(api_key=ro_key, api_url=api_url, api_version=version)
        v = f"v{version}"

        checks = rw.get_checks()
        out[f"{v}.get_checks"] = sorted(c.name for c in checks)
        tagged = rw.get_checks(tags=["prod"])
        out[f"{v}.get_checks.prod"] = sorted(c.name for c in tagged)
        readonly = ro.get_checks()
        out[f"{v}.get_checks.readonly.unique_keys"] = sorted(
            bool(c.unique_key) and c.uuid is None for c in readonly
        )

        one = rw.get_check(check_uuid)
        out[f"{v}.get_check"] = {
            "name": one.name,
            "status": one.status,
            "n_pings": one.n_pings,
            "uuid": one.uuid,
        }

        created = rw.create_check(
            CheckCreate(name=f"made by python {v}", tags="py", timeout=3600, grace=60, unique=["name"])
        )
        again = rw.create_check(
            CheckCreate(name=f"made by python {v}", tags="py again", timeout=3600, grace=60, unique=["name"])
        )
        out[f"{v}.create_check.unique"] = {
            "same": created.uuid == again.uuid,
            "tags": again.tags,
            "slug": again.slug,
        }
        updated = rw.update_check(
            created.uuid, CheckCreate(name=f"renamed by python {v}", timeout=7200, grace=120)
        )
        out[f"{v}.update_check"] = {"name": updated.name, "timeout": updated.timeout, "grace": updated.grace}
        paused = rw.pause_check(created.uuid)
        out[f"{v}.pause_check"] = paused.status
        deleted = rw.delete_check(created.uuid)
        out[f"{v}.delete_check"] = deleted.uuid == created.uuid

        pings = rw.get_check_pings(check_uuid)
        out[f"{v}.get_check_pings"] = [
            {"type": p.type, "n": p.number_of_pings, "duration": p.duration} for p in pings
        ]

        integrations = rw.get_integrations()
        out[f"{v}.get_integrations"] = [i.kind for i in integrations]

        # get_check_flips reads the bare list healthchecks' documentation
        # shows, where its code (and tower-ping) answer {"flips": [...]}:
        # read the answer with the client's own HTTP client and model.
        url = rw._get_api_request_url(f"checks/{check_uuid}/flips/")
        response = rw.check_response(rw._client.get(url))
        flips = [CheckStatuses(**flip) for flip in response.json()["flips"]]
        out[f"{v}.flips"] = [flip.up for flip in flips]

    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
