"""``/oai``: the OAI-PMH 2.0 endpoint archives harvest metadata from (see ``catalog.oai``)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from astrobench.catalog import datacite, minting, oai
from astrobench.catalog.doi import DoiScheme
from astrobench.catalog.errors import DatasetNotFound, VersionNotFound
from astrobench.service import deps

router = APIRouter(tags=["oai-pmh"])
MEDIA_TYPE = "text/xml; charset=utf-8"


@router.get("/oai", summary="OAI-PMH 2.0 (verbs as query arguments)", response_class=Response)
@router.post("/oai", summary="OAI-PMH 2.0 (verbs as a form)", response_class=Response)
async def endpoint(request: Request) -> Response:
    arguments: dict[str, list[str]] = {}
    pairs = request.query_params.multi_items()
    if request.method == "POST":
        pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
    for key, value in pairs:
        arguments.setdefault(key, []).append(value)
    body = await run_in_threadpool(answer, request, arguments)
    return Response(body, media_type=MEDIA_TYPE)


def answer(request: Request, arguments: dict[str, list[str]]) -> bytes:
    """The whole response to one request; protocol errors are answered in XML with HTTP 200."""
    base = deps.base_url(request) + "/oai"
    now = datetime.now(timezone.utc)
    try:
        verb, given = oai.check_arguments(arguments)
    except oai.OaiError as failure:
        return oai.to_bytes(oai.error(oai.envelope(base, now, None, {}), failure))
    root = oai.envelope(base, now, verb, given)
    try:
        VERBS[verb](request, root, given)
    except oai.OaiError as failure:
        oai.error(root, failure)
    return oai.to_bytes(root)


def _repository(request: Request) -> str:
    return deps.settings(request).oai_repository


def identify(request: Request, root: ET.Element, _: dict[str, str]) -> None:
    settings = deps.settings(request)
    found = oai.headers(deps.store(request))
    earliest = min((h.datestamp for h in found), default=datetime(2000, 1, 1, tzinfo=timezone.utc))
    element = oai.add(root, "Identify")
    oai.add(element, "repositoryName", settings.title)
    oai.add(element, "baseURL", deps.base_url(request) + "/oai")
    oai.add(element, "protocolVersion", "2.0")
    oai.add(element, "adminEmail", settings.admin_email)
    oai.add(element, "earliestDatestamp", oai.stamp(earliest))
    oai.add(element, "deletedRecord", "no")
    oai.add(element, "granularity", oai.GRANULARITY)


def list_formats(request: Request, root: ET.Element, given: dict[str, str]) -> None:
    if "identifier" in given:
        _version_of(request, given["identifier"])
    element = oai.add(root, "ListMetadataFormats")
    for prefix, (schema, namespace) in oai.FORMATS.items():
        entry = oai.add(element, "metadataFormat")
        oai.add(entry, "metadataPrefix", prefix)
        oai.add(entry, "schema", schema)
        oai.add(entry, "metadataNamespace", namespace)


def list_sets(request: Request, root: ET.Element, given: dict[str, str]) -> None:
    if "resumptionToken" in given:
        raise oai.OaiError("badResumptionToken", "ListSets is answered whole; no token is valid")
    catalogue = deps.store(request)
    element = oai.add(root, "ListSets")
    for dataset, version in catalogue.latest_versions().items():
        entry = oai.add(element, "set")
        oai.add(entry, "setSpec", dataset)
        oai.add(entry, "setName", str(catalogue.collection(dataset, version)["title"]))


def list_headers(request: Request, root: ET.Element, given: dict[str, str]) -> None:
    _list(request, root, given, with_metadata=False)


def list_records(request: Request, root: ET.Element, given: dict[str, str]) -> None:
    _list(request, root, given, with_metadata=True)


def _list(request: Request, root: ET.Element, given: dict[str, str], with_metadata: bool) -> None:
    wanted = oai.list_request(given)
    catalogue = deps.store(request)
    if wanted.set and wanted.set not in catalogue.dataset_ids():
        raise oai.OaiError("noRecordsMatch", f"no set {wanted.set!r}; sets are dataset ids")
    found = oai.headers(catalogue, wanted)
    if wanted.offset and wanted.offset >= len(found):
        raise oai.OaiError("badResumptionToken", "the resumptionToken points past the list")
    if not found:
        raise oai.OaiError("noRecordsMatch", "no version matches these arguments")
    size = deps.settings(request).oai_page_size
    element = oai.add(root, "ListRecords" if with_metadata else "ListIdentifiers")
    for header in found[wanted.offset : wanted.offset + size]:
        if with_metadata:
            _record(request, element, header, wanted.prefix)
        else:
            oai.header_element(element, _repository(request), header)
    oai.resumption(element, wanted, len(found), size)


def get_record(request: Request, root: ET.Element, given: dict[str, str]) -> None:
    oai.check_prefix(given["metadataPrefix"])
    header = _version_of(request, given["identifier"])
    _record(request, oai.add(root, "GetRecord"), header, given["metadataPrefix"])


def _version_of(request: Request, identifier: str) -> oai.Header:
    dataset, version = oai.parse_identifier(_repository(request), identifier)
    for header in oai.headers(deps.store(request), oai.ListRequest("oai_dc", set=dataset)):
        if header.version == version:
            return header
    raise oai.OaiError("idDoesNotExist", f"{identifier!r} names no published version")


def _record(request: Request, parent: ET.Element, header: oai.Header, prefix: str) -> None:
    scheme = DoiScheme(deps.settings(request).doi_prefix)
    try:
        _, _, citable = minting.stored_version(
            deps.store(request), scheme, deps.base_url(request), header.dataset, header.version
        )
    except (DatasetNotFound, VersionNotFound) as missing:
        raise oai.OaiError("idDoesNotExist", str(missing)) from missing
    record = oai.add(parent, "record")
    oai.header_element(record, _repository(request), header)
    oai.metadata(record, prefix, datacite.version_record(citable, scheme))


VERBS = {
    "Identify": identify,
    "ListMetadataFormats": list_formats,
    "ListSets": list_sets,
    "ListIdentifiers": list_headers,
    "ListRecords": list_records,
    "GetRecord": get_record,
}
