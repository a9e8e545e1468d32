"""OAI-PMH harvested by a real harvester (oaipmh-scythe) from a real server, two records a page."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

import httpx
import pytest
from oaipmh_scythe import Scythe
from oaipmh_scythe import exceptions as oai_errors

from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest.recipe import RECIPES
from astrobench.service.process import running_server

OAI = "{http://www.openarchives.org/OAI/2.0/}"
KERNEL = "{http://datacite.org/schema/kernel-4}"
VERSIONS = {
    "sn-spectra": ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"],
    "ogle3-variables": ["1.0.0", "2.0.0", "2.1.0"],
    "sdss-photoz": ["1.0.0"],
    "ngc-morphology": ["1.0.0", "1.1.0"],
    "dso-images": ["1.0.0", "1.1.0"],
    "slsn-photoz": ["1.0.0", "1.1.0"],
    "galaxy-shear": ["1.0.0"],
}
ALL = {f"oai:astrobench.local:{d}:{v}" for d, vs in VERSIONS.items() for v in vs}


@pytest.fixture(scope="module")
def endpoint(catalogue: CatalogSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"ASTROBENCH_DATA_DIR": str(catalogue.data_dir), "ASTROBENCH_OAI_PAGE_SIZE": "2"}
    with running_server(env, tmp_path_factory.mktemp("oai") / "log") as url:
        yield url + "/oai"


def test_identify_formats_and_sets(endpoint: str) -> None:
    harvester = Scythe(endpoint)
    identity = harvester.identify()
    assert identity.baseURL == endpoint and identity.protocolVersion == "2.0"
    assert identity.granularity == "YYYY-MM-DDThh:mm:ssZ" and identity.deletedRecord == "no"
    formats = {f.metadataPrefix: f.metadataNamespace for f in harvester.list_metadata_formats()}
    assert formats == {
        "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
        "oai_datacite": "http://schema.datacite.org/oai/oai-1.1/",
    }
    sets = {s.setSpec: s.setName for s in harvester.list_sets()}
    assert sets == {
        "ogle3-variables": "OGLE-III periodic variable stars: simulated light curves on a ZTF "
        "cadence",
        "sn-spectra": "SDSS-II supernova spectra",
        "sdss-photoz": "SDSS Main Galaxy Sample photometric redshifts (observed)",
        "ngc-morphology": "OpenNGC galaxy morphology from catalogue photometry (observed)",
        "dso-images": "Deep-sky object images from Stellarium (observed, evaluation-sized)",
        "slsn-photoz": "Superluminous supernova redshifts from light curves (observed)",
        "galaxy-shear": "Galaxy shear: weak-lensing postage stamps simulated with GalSim "
        "(simulated)",
    }


def test_harvesting_follows_resumption_tokens(endpoint: str) -> None:
    harvester = Scythe(endpoint)
    headers = list(harvester.list_identifiers(metadata_prefix="oai_dc"))
    assert [h.identifier for h in headers] == [
        f"oai:astrobench.local:{d}:{v}" for d in sorted(VERSIONS) for v in VERSIONS[d]
    ]
    page = httpx.get(endpoint, params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    token = ET.fromstring(page.content).find(f".//{OAI}resumptionToken")
    assert (
        token is not None
        and token.get("completeListSize") == str(len(ALL))
        and token.get("cursor") == "0"
    )
    in_set = list(harvester.list_identifiers(metadata_prefix="oai_dc", set_="sn-spectra"))
    assert {h.identifier.rsplit(":", 1)[1] for h in in_set} == set(VERSIONS["sn-spectra"])
    assert all(h.setSpecs == ["sn-spectra"] for h in in_set)


def test_records_in_both_formats(endpoint: str, server: str) -> None:
    harvester = Scythe(endpoint)
    records = list(harvester.list_records(metadata_prefix="oai_dc"))
    assert len(records) == len(ALL)
    for record in records:
        dataset, version = record.header.identifier.split(":")[2:]
        doi = f"10.5072/astrobench.{dataset}.v{version}"
        assert f"https://doi.org/{doi}" in record.metadata["identifier"]
        assert record.metadata["type"] == ["Dataset"] and record.metadata["title"]
    exported = httpx.get(f"{server}/collections/sn-spectra/versions/1.2.0/export/datacite").json()
    record = harvester.get_record(
        identifier="oai:astrobench.local:sn-spectra:1.2.0", metadata_prefix="oai_datacite"
    )
    resource = record.xml.find(f".//{KERNEL}resource")
    assert resource is not None
    assert resource.findtext(f"{KERNEL}identifier") == exported["doi"]
    assert resource.findtext(f"{KERNEL}titles/{KERNEL}title") == exported["titles"][0]["title"]
    relations = {
        (r.get("relationType"), r.text) for r in resource.iter(f"{KERNEL}relatedIdentifier")
    }
    assert ("IsVersionOf", "10.5072/astrobench.sn-spectra") in relations


def test_from_and_until_select_by_datestamp(endpoint: str) -> None:
    harvester = Scythe(endpoint)
    stamps = sorted(h.datestamp for h in harvester.list_identifiers(metadata_prefix="oai_dc"))
    since = list(harvester.list_identifiers(metadata_prefix="oai_dc", from_=stamps[-1]))
    assert {h.datestamp for h in since} == {stamps[-1]}
    until = list(harvester.list_identifiers(metadata_prefix="oai_dc", until=stamps[0]))
    assert {h.datestamp for h in until} == {stamps[0]}
    day = stamps[0][:10]
    assert len(list(harvester.list_identifiers(metadata_prefix="oai_dc", from_=day))) == len(ALL)
    with pytest.raises(oai_errors.NoRecordsMatch):
        list(harvester.list_identifiers(metadata_prefix="oai_dc", until="2000-01-01"))


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"verb": "Harvest"}, "badVerb"),
        ({}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "Identify", "set": "x"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01",
                "until": "2030-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "garbage"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "nope"}, "noRecordsMatch"),
        (
            {
                "verb": "GetRecord",
                "identifier": "oai:astrobench.local:sn-spectra:9.0.0",
                "metadataPrefix": "oai_dc",
            },
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "identifier": "sn-spectra", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:elsewhere:x:1.0.0"}, "idDoesNotExist"),
    ],
)
def test_protocol_errors(endpoint: str, arguments: dict[str, str], code: str) -> None:
    answer = httpx.get(endpoint, params=arguments)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(answer.content)
    error = root.find(f"{OAI}error")
    assert error is not None and error.get("code") == code and error.text, answer.text
    request = root.find(f"{OAI}request")
    assert request is not None and request.text == endpoint
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the protocol echoes no arguments it rejected


def test_repeated_arguments_and_post(endpoint: str) -> None:
    repeated = httpx.get(f"{endpoint}?verb=Identify&verb=Identify")
    assert ET.fromstring(repeated.content).find(f"{OAI}error").get("code") == "badArgument"  # type: ignore[union-attr]
    posted = httpx.post(endpoint, data={"verb": "ListSets"})
    assert posted.status_code == 200
    assert len(ET.fromstring(posted.content).findall(f".//{OAI}set")) == len(RECIPES)
