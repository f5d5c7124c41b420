"""Parsing answers shaped like the RFC examples, independently of the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.epp.responses import parse_frame, parse_greeting, parse_response
from registry.epp.results import ProtocolError, error_for
from registry.epp.schema import frame_errors

GREETING = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <greeting>
    <svID>Example EPP server epp.example.com</svID>
    <svDate>2000-06-08T22:00:00.0Z</svDate>
    <svcMenu>
      <version>1.0</version>
      <lang>en</lang>
      <lang>fr</lang>
      <objURI>urn:ietf:params:xml:ns:obj1</objURI>
      <objURI>urn:ietf:params:xml:ns:obj2</objURI>
      <svcExtension><extURI>http://custom/obj1ext-1.0</extURI></svcExtension>
    </svcMenu>
    <dcp>
      <access><all/></access>
      <statement>
        <purpose><admin/><prov/></purpose>
        <recipient><ours/><public/></recipient>
        <retention><stated/></retention>
      </statement>
    </dcp>
  </greeting>
</epp>"""

POLL_TRANSFER = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <response>
    <result code="1301"><msg>Command completed successfully; ack to dequeue</msg></result>
    <msgQ count="5" id="12345">
      <qDate>2000-06-08T22:00:00.0Z</qDate>
      <msg>Transfer requested.</msg>
    </msgQ>
    <resData>
      <domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
        <domain:name>example.com</domain:name>
        <domain:trStatus>pending</domain:trStatus>
        <domain:reID>ClientX</domain:reID>
        <domain:reDate>2000-06-08T22:00:00.0Z</domain:reDate>
        <domain:acID>ClientY</domain:acID>
        <domain:acDate>2000-06-13T22:00:00.0Z</domain:acDate>
        <domain:exDate>2002-09-08T22:00:00.0Z</domain:exDate>
      </domain:trnData>
    </resData>
    <trID><clTRID>ABC-12345</clTRID><svTRID>54321-XYZ</svTRID></trID>
  </response>
</epp>"""

ERROR_WITH_VALUES = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <response>
    <result code="2004">
      <msg>Parameter value range error</msg>
      <value xmlns:obj="urn:ietf:params:xml:ns:obj"><obj:elem1>2525</obj:elem1></value>
    </result>
    <result code="2005">
      <msg>Parameter value syntax error</msg>
      <extValue>
        <value xmlns:obj="urn:ietf:params:xml:ns:obj"><obj:elem2>ex(ample</obj:elem2></value>
        <reason>Invalid character found.</reason>
      </extValue>
    </result>
    <trID><clTRID>ABC-12345</clTRID><svTRID>54321-XYZ</svTRID></trID>
  </response>
</epp>"""


def test_the_rfc_examples_are_schema_valid():
    assert frame_errors(POLL_TRANSFER) == []
    assert frame_errors(ERROR_WITH_VALUES) == []


def test_a_greeting():
    greeting = parse_greeting(GREETING)
    assert greeting.server_id == "Example EPP server epp.example.com"
    assert greeting.server_date == datetime(2000, 6, 8, 22, tzinfo=UTC)
    assert greeting.languages == ("en", "fr")
    assert greeting.object_uris == ("urn:ietf:params:xml:ns:obj1", "urn:ietf:params:xml:ns:obj2")
    assert greeting.supports("http://custom/obj1ext-1.0")


def test_a_poll_message_with_transfer_data():
    response = parse_response(POLL_TRANSFER)
    assert (response.code, response.trid.client, response.trid.server) == (1301, "ABC-12345", "54321-XYZ")
    assert response.msgq.count == 5 and response.msgq.id == "12345"
    assert response.msgq.queued_at == datetime(2000, 6, 8, 22, tzinfo=UTC)
    assert response.msgq.message == "Transfer requested."
    transfer = response.data
    assert (transfer.name, transfer.status, transfer.requested_by, transfer.action_by) == (
        "example.com",
        "pending",
        "ClientX",
        "ClientY",
    )
    assert transfer.is_pending and transfer.expires_at == datetime(2002, 9, 8, 22, tzinfo=UTC)


def test_several_results_with_values_and_reasons():
    response = parse_response(ERROR_WITH_VALUES)
    assert [r.code for r in response.results] == [2004, 2005]
    assert "2525" in response.results[0].values[0]
    [ext] = response.results[1].ext_values
    assert (ext.element, ext.value, ext.reason) == ("elem2", "ex(ample", "Invalid character found.")
    error = error_for(response)
    assert error.code == 2004 and error.reasons == ("Invalid character found.",)


@pytest.mark.parametrize(
    "document",
    [
        b'<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>',
        b'<other xmlns="urn:example"/>',
        b'<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><trID><svTRID>x-1</svTRID></trID>'
        b"</response></epp>",
    ],
)
def test_what_is_not_a_greeting_or_a_response_is_a_protocol_error(document):
    with pytest.raises(ProtocolError):
        parse_frame(document)
