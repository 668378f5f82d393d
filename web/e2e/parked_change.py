"""The Ops browser test's parked change, made the way tests/integration/test_relay.py makes one:
data written around the API's validation (text in the number field "seats") cannot be indexed, so
the worker fails on it until it parks the change. `fix` then writes a valid value without an outbox
row of its own, so only a retry of the parked change brings the index up to date.

    python web/e2e/parked_change.py break|fix <contact_id>
"""

from __future__ import annotations

import sys
import uuid

from shared.db import make_engine, make_session_factory
from shared.models import Contact
from shared.outbox import record_change
from shared.settings import get_settings


def main(action: str, contact_id: str) -> None:
    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        with make_session_factory(engine)() as session, session.begin():
            contact = session.get(Contact, uuid.UUID(contact_id))
            if contact is None:
                raise SystemExit(f"no contact {contact_id}")
            if action == "break":
                contact.custom_fields = {**(contact.custom_fields or {}), "seats": "not a number"}
                session.flush()
                record_change(session, contact.workspace_id, contact.id, contact.version)
            elif action == "fix":
                contact.custom_fields = {**(contact.custom_fields or {}), "seats": 7}
            else:
                raise SystemExit(f"unknown action {action!r}")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
