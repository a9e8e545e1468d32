import pytest

from astrobench.catalog.errors import InvalidVersion, VersionNotFound
from astrobench.catalog.versions import Status, Version, VersionInfo, resolve

PUBLISHED = [
    VersionInfo(Version.parse(v), s)
    for v, s in [
        ("1.0.0", Status.PUBLISHED),
        ("1.1.0", Status.DEPRECATED),
        ("1.2.0", Status.PUBLISHED),
        ("1.2.1", Status.PUBLISHED),
        ("1.10.0", Status.PUBLISHED),
        ("2.0.0", Status.YANKED),
    ]
]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ("1.2.0", "1.2.0"),  # exact
        ("1.2", "1.2.1"),  # newest 1.2.x
        ("1", "1.10.0"),  # newest 1.x.y, compared numerically, not as text
        ("1.1", "1.1.0"),  # deprecated versions still resolve
        (None, "1.10.0"),  # the newest that is not yanked
        ("latest", "1.10.0"),
        ("2.0.0", "2.0.0"),  # a yanked version stays resolvable by its exact number
    ],
)
def test_resolution_rules(request_: str | None, expected: str) -> None:
    assert str(resolve("d", request_, PUBLISHED).version) == expected


def test_yanked_versions_are_not_picked_by_prefix() -> None:
    with pytest.raises(VersionNotFound) as caught:
        resolve("d", "2", PUBLISHED)
    assert caught.value.available == ["1.0.0", "1.1.0", "1.2.0", "1.2.1", "1.10.0", "2.0.0"]


def test_unknown_version_lists_published_versions() -> None:
    with pytest.raises(VersionNotFound, match=r"1\.3.*published versions: 1\.0\.0, 1\.1\.0"):
        resolve("d", "1.3", PUBLISHED)


@pytest.mark.parametrize("bad", ["1.2.x", "v1.2", "01.2", "1.2.3.4", "", "latest!"])
def test_malformed_requests_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidVersion, match=r"MAJOR\.MINOR\.PATCH"):
        resolve("d", bad, PUBLISHED)


def test_versions_order_numerically() -> None:
    assert Version.parse("1.10.0") > Version.parse("1.9.9")
    with pytest.raises(InvalidVersion):
        Version.parse("1.2")
