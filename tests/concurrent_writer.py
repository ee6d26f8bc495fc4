"""One of the writers of ``tests/test_concurrent_writers.py``: a separate process that, until its
deadline, creates contacts through the service (which reads for duplicates, then writes) and bumps
a counter setting (read, add one, write) in one transaction each. Prints a JSON line of what it did.

    python -m tests.concurrent_writer DB SECONDS NAME
"""

from __future__ import annotations

import json
import sys
import time
import traceback


def main(url: str, seconds: float, name: str) -> int:
    from desktop_crm.models.db import open_database
    from desktop_crm.services.sales.contacts import create_contact
    from desktop_crm.services.system import settings
    from desktop_crm.services.system.session import sign_in_for_tool
    from desktop_crm.sync import capture

    capture.install()
    counter = settings.declare("tests.concurrency_counter", 0)
    db = open_database(url)
    user = sign_in_for_tool()
    created = increments = 0
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            if n % 2:
                phone = f"+7 916 {ord(name[0]):03d}-{n // 100 % 100:02d}-{n % 100:02d}"
                create_contact({"last_name": f"Писатель {name}", "first_name": f"№{n}",
                                "mobile_phone": phone,
                                "private_email": f"{name}.{n}@example.com",
                                "birth_date": "1980-01-01"}, user.id)
                created += 1
            else:
                with db.atomic(), settings.snapshot():
                    counter.set(int(counter.get()) + 1)
                increments += 1
        except Exception as error:  # counted and reported: the test wants none
            failures.append(f"{type(error).__name__}: {error}")
            if len(failures) < 3:
                traceback.print_exc(file=sys.stderr)
    db.close()
    print(json.dumps({"name": name, "created": created, "increments": increments,
                      "failures": failures[:20], "failed": len(failures)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
