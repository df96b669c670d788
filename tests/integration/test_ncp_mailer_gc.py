"""ncp-mailer keeps its requests and mails as tuples the garbage collector stops tracking (issue 16, item 1).

A full store (message_capacity mails) of tracked objects lengthens every full collection: the
latency tail. Counted here through the real app over HTTP, like bench/tail.py measure_gc_objects.
"""

from __future__ import annotations

import gc
import http.client
import json

from sealmail.conformance.clients.ncp_mailer import now_ms, signed_headers
from sealmail.mockservers.core import ServerThread, create_app
from sealmail.mockservers.providers.ncp_mailer import NcpMailerModel, spec

URI = "/api/v1/mails"
WARM, COUNT = 30, 600


def _body(n: int) -> bytes:
    mail = {
        "senderAddress": "sender@example.com", "senderName": "Sealmail", "title": f"Order #{n} for ${{name}}",
        "body": f"<p>Hello ${{name}}, parcel {n} ${{missing}}</p>", "parameters": {"shop": "S"},
        "recipients": [{"address": f"user{n}@example.org", "name": f"User {n}", "type": "R", "parameters": {"name": f"U{n}"}},
                       {"address": f"cc{n}@example.org", "name": None, "type": "C"}],
    }
    return json.dumps(mail).encode()


def test_an_accepted_request_leaves_almost_no_gc_tracked_objects() -> None:
    with ServerThread("test-ncp-mailer-gc") as thread:
        running = thread.start(create_app("ncp-mailer"))
        model: NcpMailerModel = running.state.model
        connection = http.client.HTTPConnection(running.host, running.port, timeout=30)

        def send(first: int, count: int) -> list[int]:
            statuses = []
            for n in range(first, first + count):
                headers = signed_headers("POST", URI, spec.DEFAULT_ACCESS_KEY, spec.DEFAULT_SECRET_KEY, now_ms())
                connection.request("POST", URI, body=_body(n), headers={**headers, "Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)
            return statuses

        try:
            assert set(send(0, WARM)) == {201}  # warm caches, lazy imports, the connection's objects
            gc.collect()
            before = len(gc.get_objects())
            assert set(send(WARM, COUNT)) == {201}
            for _ in range(3):  # the collector untracks nested tuples one level per pass
                gc.collect()
            per_request = (len(gc.get_objects()) - before) / COUNT
        finally:
            connection.close()
        assert per_request < 0.5, f"{per_request:.2f} GC-tracked objects left per accepted request"
        # White box: one untracked tuple per request and per mail, a status override included.
        overridden = model.set_mail_status(model.mails()[-1].mail_id, "F")
        for _ in range(5):  # a recipient's parameters nest 4 deep; a pass may meet a tuple before its items
            gc.collect()
        assert not any(gc.is_tracked(record) for record in (*model._requests.values(), *model._mails.values()))
        assert model.mail("KR", overridden.mail_id).status(0) == "F"  # type: ignore[union-attr]
        # Each request made two mails (individual): all still readable, rebuilt from the stored tuples.
        requests = model.requests()
        assert len(requests) == WARM + COUNT and len(model.mails()) == 2 * (WARM + COUNT)
        last = requests[-1].mails[0]
        assert last.title == f"Order #{WARM + COUNT - 1} for U{WARM + COUNT - 1}" and last.unfilled == ("missing",)
        assert last.recipients[0].parameters == {"name": f"U{WARM + COUNT - 1}"} and last.status(now_ms()) == "S"
