"""OAI-PMH 2.0 for harvesting archives: one record per published version, one set per dataset.

Metadata formats are ``oai_dc`` (Dublin Core) and ``oai_datacite`` (the DataCite 4.5 kernel in
the OpenAIRE ``oai_datacite`` wrapper), both made from the version's DataCite record. Resumption
tokens are stateless: the request's arguments and the next offset, encoded. Datestamps are the
moment a version last changed (publication, or a later status change).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import select

from astrobench.catalog.schema import VersionRow
from astrobench.catalog.store import Store
from astrobench.catalog.versions import Status

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
OAI_DATACITE = "http://schema.datacite.org/oai/oai-1.1/"
DATACITE = "http://datacite.org/schema/kernel-4"
FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
    "oai_datacite": ("http://schema.datacite.org/oai/oai-1.1/oai.xsd", OAI_DATACITE),
}
"""metadataPrefix -> (schema, namespace)."""
for prefix, uri in {"": OAI, "xsi": XSI, "oai_dc": OAI_DC, "dc": DC}.items():
    ET.register_namespace(prefix, uri)

VERBS: dict[str, tuple[set[str], set[str]]] = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}
"""verb -> (required, optional) arguments; the list verbs also take an exclusive resumptionToken."""
RESUMABLE = {"ListIdentifiers", "ListRecords", "ListSets"}
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class OaiError(Exception):
    """A protocol error: ``code`` is one of OAI-PMH's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Header:
    dataset: str
    version: str
    datestamp: datetime


@dataclass(frozen=True)
class ListRequest:
    """What a list verb asks for, carried from page to page by the resumption token."""

    prefix: str
    since: str | None = None
    until: str | None = None
    set: str | None = None
    offset: int = 0

    def token(self, offset: int) -> str:
        data = [self.prefix, self.since, self.until, self.set, offset]
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()

    @classmethod
    def from_token(cls, token: str) -> ListRequest:
        try:
            prefix, since, until, set_, offset = json.loads(base64.urlsafe_b64decode(token))
            return cls(str(prefix), since, until, set_, int(offset))
        except (ValueError, TypeError, binascii.Error) as error:
            raise OaiError(
                "badResumptionToken", f"resumptionToken {token!r} is not valid"
            ) from error


def check_arguments(arguments: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, or the protocol error that a request deserves."""
    repeated = sorted(k for k, v in arguments.items() if len(v) > 1)
    if repeated:
        raise OaiError("badArgument", f"arguments may not repeat: {', '.join(repeated)}")
    given = {k: v[0] for k, v in arguments.items()}
    verb = given.pop("verb", None)
    if verb not in VERBS:
        known = ", ".join(VERBS)
        raise OaiError("badVerb", f"verb {verb!r} is not an OAI-PMH verb; verbs: {known}")
    required, optional = VERBS[verb]
    if "resumptionToken" in given and verb in RESUMABLE:
        if len(given) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return verb, given
    unknown = sorted(set(given) - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional)) or "none"
        raise OaiError(
            "badArgument", f"{verb} does not take {', '.join(unknown)}; its arguments: {allowed}"
        )
    missing = sorted(required - set(given))
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}")
    return verb, given


def list_request(given: Mapping[str, str]) -> ListRequest:
    if "resumptionToken" in given:
        found = ListRequest.from_token(given["resumptionToken"])
    else:
        found = ListRequest(
            given["metadataPrefix"], given.get("from"), given.get("until"), given.get("set")
        )
    check_prefix(found.prefix)
    bounds = [b for b in (found.since, found.until) if b is not None]
    for bound in bounds:
        try:
            if not (_DAY.match(bound) or _SECOND.match(bound)):
                raise ValueError
            _after(bound)  # a real day and second, not 2020-13-01
        except (ValueError, OverflowError):
            raise OaiError(
                "badArgument", f"{bound!r} is not a UTC date in {GRANULARITY} or YYYY-MM-DD"
            ) from None
    if len(bounds) == 2 and len(bounds[0]) != len(bounds[1]):
        raise OaiError("badArgument", "from and until must have the same granularity")
    return found


def check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        offered = ", ".join(FORMATS)
        raise OaiError(
            "cannotDisseminateFormat",
            f"metadataPrefix {prefix!r} is not offered; formats: {offered}",
        )


def _start(bound: str) -> datetime:
    """The first moment a ``from`` or ``until`` value covers (naive UTC, as stored)."""
    return datetime.strptime(bound if _SECOND.match(bound) else bound + "T00:00:00Z", _FORMAT)


def _after(bound: str) -> datetime:
    """The first moment after everything an ``until`` value covers: a whole second or day."""
    return _start(bound) + (timedelta(seconds=1) if _SECOND.match(bound) else timedelta(days=1))


def headers(store: Store, request: ListRequest | None = None) -> list[Header]:
    """Every published version (within the request's set and dates), in a stable order."""
    query = select(VersionRow.dataset_id, VersionRow.version, VersionRow.updated).where(
        VersionRow.status != Status.DRAFT.value
    )
    if request is not None and request.set:
        query = query.where(VersionRow.dataset_id == request.set)
    if request is not None and request.since:
        query = query.where(VersionRow.updated >= _start(request.since))
    if request is not None and request.until:
        query = query.where(VersionRow.updated < _after(request.until))
    query = query.order_by(
        VersionRow.dataset_id, VersionRow.major, VersionRow.minor, VersionRow.patch
    )
    with store.session() as session:
        return [
            Header(d, v, u.replace(tzinfo=timezone.utc, microsecond=0))
            for d, v, u in session.execute(query)
        ]


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def identifier(repository: str, dataset: str, version: str) -> str:
    return f"oai:{repository}:{dataset}:{version}"


def parse_identifier(repository: str, value: str) -> tuple[str, str]:
    parts = value.split(":")
    if len(parts) != 4 or parts[:2] != ["oai", repository]:
        raise OaiError(
            "idDoesNotExist",
            f"{value!r} is not an identifier of this repository (oai:{repository}:DATASET:VERSION)",
        )
    return parts[2], parts[3]


# -- XML --------------------------------------------------------------------------------------


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _q(OAI, tag), attributes)
    if text is not None:
        element.text = text
    return element


def envelope(
    base_url: str, now: datetime, verb: str | None, given: Mapping[str, str]
) -> ET.Element:
    root = ET.Element(
        _q(OAI, "OAI-PMH"),
        {_q(XSI, "schemaLocation"): f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"},
    )
    add(root, "responseDate", stamp(now))
    add(root, "request", base_url, **({"verb": verb, **given} if verb else {}))
    return root


def error(root: ET.Element, failure: OaiError) -> ET.Element:
    """Answer with ``failure``; a request with bad arguments is not echoed (OAI-PMH 3.2)."""
    if failure.code in ("badVerb", "badArgument"):
        request = root.find(_q(OAI, "request"))
        if request is not None:
            request.attrib.clear()
    add(root, "error", failure.message, code=failure.code)
    return root


def header_element(parent: ET.Element, repository: str, header: Header) -> None:
    element = add(parent, "header")
    add(element, "identifier", identifier(repository, header.dataset, header.version))
    add(element, "datestamp", stamp(header.datestamp))
    add(element, "setSpec", header.dataset)


def resumption(parent: ET.Element, request: ListRequest, total: int, page_size: int) -> None:
    """The token for the next page; an empty one on the last page of a resumed list."""
    following = request.offset + page_size
    if following < total:
        token = request.token(following)
    elif request.offset:
        token = ""
    else:
        return
    add(
        parent,
        "resumptionToken",
        token or None,
        completeListSize=str(total),
        cursor=str(request.offset),
    )


def to_bytes(root: ET.Element) -> bytes:
    return bytes(ET.tostring(root, encoding="UTF-8", xml_declaration=True))


def metadata(parent: ET.Element, prefix: str, datacite_record: dict[str, Any]) -> None:
    """The ``metadata`` element of a record in the ``prefix`` format."""
    holder = add(parent, "metadata")
    if prefix == "oai_dc":
        holder.append(dublin_core(datacite_record))
    else:
        holder.append(oai_datacite(datacite_record))


def oai_datacite(record: dict[str, Any]) -> ET.Element:
    from datacite import schema45

    wrapper = ET.Element(
        _q(OAI_DATACITE, "oai_datacite"),
        {_q(XSI, "schemaLocation"): f"{OAI_DATACITE} {FORMATS['oai_datacite'][0]}"},
    )
    ET.SubElement(wrapper, _q(OAI_DATACITE, "schemaVersion")).text = record["schemaVersion"]
    ET.SubElement(wrapper, _q(OAI_DATACITE, "datacentreSymbol")).text = record["publisher"]["name"]
    payload = ET.SubElement(wrapper, _q(OAI_DATACITE, "payload"))
    payload.append(ET.fromstring(schema45.tostring(record).encode()))
    return wrapper


def dublin_core(record: dict[str, Any]) -> ET.Element:
    """Unqualified Dublin Core from a DataCite record (the DataCite-to-DC crosswalk)."""
    dc = ET.Element(
        _q(OAI_DC, "dc"),
        {_q(XSI, "schemaLocation"): f"{OAI_DC} {FORMATS['oai_dc'][0]}"},
    )

    def add(tag: str, text: str) -> None:
        ET.SubElement(dc, _q(DC, tag)).text = text

    for title in record["titles"]:
        add("title", title["title"])
    for creator in record["creators"]:
        add("creator", creator["name"])
    for subject in record.get("subjects", []):
        add("subject", subject["subject"])
    for description in record.get("descriptions", []):
        add("description", description["description"])
    add("publisher", record["publisher"]["name"])
    for contributor in record.get("contributors", []):
        add("contributor", contributor["name"])
    for date in record.get("dates", []):
        add("date", date["date"])
    add("type", record["types"]["resourceTypeGeneral"])
    for media_type in record.get("formats", []):
        add("format", media_type)
    add("identifier", f"https://doi.org/{record['doi']}")
    if record.get("url"):
        add("identifier", record["url"])
    for related in record.get("relatedIdentifiers", []):
        value = related["relatedIdentifier"]
        kind = related["relatedIdentifierType"]
        add("relation", f"https://doi.org/{value}" if kind == "DOI" else value)
    if record.get("language"):
        add("language", record["language"])
    for rights in record.get("rightsList", []):
        add("rights", rights.get("rightsUri") or rights["rights"])
    return dc
