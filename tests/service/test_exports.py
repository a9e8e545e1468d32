"""Metadata exports of every shipped version, validated offline against their standards."""

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
import yaml
from datacite import schema45
from pybtex.database import parse_string

import astrobench
from astrobench.catalog.doi import TEST_PREFIX

CFF_SCHEMA = Path(__file__).parents[1] / "data" / "citation-file-format-1.2.0.schema.json"
"""The Citation File Format 1.2.0 schema (CC-BY-4.0), as shipped in the cffconvert wheel."""
SHIPPED = [("sn-spectra", v) for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0")] + [
    ("ogle3-variables", v) for v in ("1.0.0", "2.0.0")
]


def export(server: str, name: str, version: str, kind: str) -> httpx.Response:
    response = httpx.get(
        f"{server}/collections/{name}/versions/{version}/export/{kind}", timeout=30
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_datacite_validates_and_links_versions_sources_and_papers(
    server: str, name: str, version: str
) -> None:
    record = export(server, name, version, "datacite").json()
    assert schema45.validate(record)
    assert record["doi"] == f"{TEST_PREFIX}/astrobench.{name}.v{version}"
    assert record["url"].endswith(f"/collections/{name}/versions/{version}")
    related = {(r["relationType"], r["relatedIdentifier"]) for r in record["relatedIdentifiers"]}
    assert ("IsVersionOf", f"{TEST_PREFIX}/astrobench.{name}") in related
    history = [
        v["version"] for v in httpx.get(f"{server}/collections/{name}/versions").json()["versions"]
    ]
    here = history.index(version)
    previous = ("IsNewVersionOf", f"{TEST_PREFIX}/astrobench.{name}.v{history[here - 1]}")
    assert (previous in related) == (here > 0)
    derived = {r for kind, r in related if kind == "IsDerivedFrom"}
    assert derived and all(r.startswith("https://pypi.org/project/") for r in derived)
    supplements = {r for kind, r in related if kind == "IsSupplementTo"}
    assert supplements
    if name == "ogle3-variables":
        assert "2008AcA....58...69U" in supplements  # a paper with a bibcode and no DOI
    sizes = int(record["sizes"][0].split()[0])
    assert sizes > 1_000_000 and "application/netcdf" in record["formats"]


@pytest.mark.parametrize("name", ["sn-spectra", "ogle3-variables"])
def test_concept_doi_lists_every_version(server: str, name: str) -> None:
    record = httpx.get(f"{server}/collections/{name}/export/datacite").json()
    assert schema45.validate(record)
    assert record["doi"] == f"{TEST_PREFIX}/astrobench.{name}"
    versions = [
        v["version"] for v in httpx.get(f"{server}/collections/{name}/versions").json()["versions"]
    ]
    assert [r["relatedIdentifier"] for r in record["relatedIdentifiers"]] == [
        f"{TEST_PREFIX}/astrobench.{name}.v{v}" for v in versions
    ]
    assert {r["relationType"] for r in record["relatedIdentifiers"]} == {"HasVersion"}


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_schema_org_dataset_describes_every_download(server: str, name: str, version: str) -> None:
    response = export(server, name, version, "schemaorg")
    assert response.headers["content-type"].startswith("application/ld+json")
    record = response.json()
    assert record["@context"] == "https://schema.org/" and record["@type"] == "Dataset"
    assert 50 <= len(record["description"]) <= 5000  # what dataset search engines index
    assert record["identifier"][0]["value"].endswith(f".v{version}")
    assert record["creator"] and record["version"] == version
    for download in record["distribution"]:
        head = httpx.head(download["contentUrl"])
        assert head.status_code == 200
        assert int(head.headers["content-length"]) == int(download["contentSize"].split()[0])
        assert download["sha256"] in head.headers["etag"]


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_bibtex_and_cff_parse(server: str, name: str, version: str) -> None:
    bib = parse_string(export(server, name, version, "bibtex").text, "bibtex")
    (entry,) = bib.entries.values()
    assert entry.type == "misc" and entry.fields["version"] == version
    assert entry.fields["doi"] == f"{TEST_PREFIX}/astrobench.{name}.v{version}"
    assert entry.persons["author"]  # organisations, braced
    cff = yaml.safe_load(export(server, name, version, "cff").text)
    cff["date-released"] = str(cff["date-released"])  # YAML reads dates; the schema wants text
    jsonschema.validate(cff, json.loads(CFF_SCHEMA.read_text()))
    assert cff["doi"] == entry.fields["doi"] and cff["type"] == "dataset"
    assert {i["value"] for i in cff["identifiers"]} == {
        entry.fields["doi"],
        f"{TEST_PREFIX}/astrobench.{name}",
    }


def test_client_cite(server: str) -> None:
    text = astrobench.cite("ogle3-variables", "1.0", "text", url=server)
    assert (
        "(version 1.0.0)" in text
        and "https://doi.org/10.5072/astrobench.ogle3-variables.v1.0.0" in text
    )
    assert (
        astrobench.Client(server)
        .cite("sn-spectra")
        .startswith("@misc{astrobench_sn_spectra_2_0_0,")
    )
    assert (
        json.loads(astrobench.Client(server).cite("sn-spectra", "1.0", "datacite"))["version"]
        == "1.0.0"
    )
    with pytest.raises(astrobench.InvalidRequest, match="exports: datacite"):
        astrobench.cite("sn-spectra", "1.0", "ris", url=server)
    with pytest.raises(astrobench.DatasetNotFound):
        astrobench.cite("sn-spectro", url=server)


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_croissant_validates_and_its_records_load(server: str, name: str, version: str) -> None:
    import mlcroissant as mlc

    document = export(server, name, version, "croissant").json()
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert document["rai:dataLimitations"] and document["rai:dataCollection"]
    dataset = mlc.Dataset(jsonld=document)
    assert not dataset.metadata.issues.errors
    assert not dataset.metadata.issues.warnings, dataset.metadata.issues.report()
    counts = {
        s["name"]: s["count"]
        for s in httpx.get(f"{server}/collections/{name}/versions/{version}").json()["bench:splits"]
    }
    for split, count in counts.items():
        records = list(dataset.records(record_set=split))
        assert len(records) == count
        labels = {r[f"{split}/label"].decode() for r in records}
        assert labels and labels <= {"Ia", "II", "Ibc", "non-Ia", *CLASSES_OGLE}
    netcdf = {d["@id"]: d for d in document["distribution"]}
    head = httpx.head(netcdf["test-netcdf"]["contentUrl"])
    assert netcdf["test-netcdf"]["sha256"] in head.headers["etag"]


CLASSES_OGLE = {"RRab", "RRc", "RRd", "Cep-F", "Cep-1O", "DSCT", "Mira", "SRV", "OSARG", "T2Cep"}


def test_croissant_of_a_sharded_split_lists_every_shard(server: str) -> None:
    import mlcroissant as mlc

    document = export(server, "galaxy-shear", "1.0.0", "croissant").json()
    dataset = mlc.Dataset(jsonld=document)
    assert not dataset.metadata.issues.errors
    files = [d["@id"] for d in document["distribution"] if d["encodingFormat"] != "text/csv"]
    assert len(files) == len(set(files)) and "train-netcdf-0001" in files
    records = list(dataset.records(record_set="test"))
    shears = {(r["test/shear_g1"], r["test/shear_g2"]) for r in records}
    assert len(records) == 2 * len(shears)  # the two stamps of a galaxy share its shear
