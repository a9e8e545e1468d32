"""Stellarium's deep-sky images, read from the Debian package: each texture's object (from its
file name, resolved in OpenNGC), sky position and field, credit, and licence.

A texture is usable only where the package's ``CREDITS.md`` states a licence that allows
redistribution and modification, in a section that lists the texture's object under the author
the texture credits. Images with no stated licence, or credited to a survey that ``CREDITS.md``
does not list (DSS, SDSS, 2MASS), are left out; so are mosaic tiles, which are not one object.
"""

from __future__ import annotations

import gzip
import io
import json
import lzma
import math
import re
import sqlite3
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

NEBULAE = "usr/share/stellarium/nebulae/default/"
CREDITS = "usr/share/doc/stellarium-data/CREDITS.md.gz"

CLASSES = {
    "galaxy": ("G", "GPair", "GTrpl"),
    "globular-cluster": ("GCl",),
    "open-cluster": ("OCl",),
    "nebula": ("HII", "EmN", "RfN", "Neb", "Cl+N"),
    "planetary-nebula": ("PN",),
}
"""Class -> OpenNGC object types (supernova remnants, associations and the rest are left out)."""
CLASS_OF = {kind: name for name, kinds in CLASSES.items() for kind in kinds}
NAMED = {"pleiades": "Mel022", "etacarinae": "NGC3372"}
MOSAIC = re.compile(r"^(lmc_|smc|rho-|barnard_loop|sh2-1-|ic2118-)")
SUFFIX = re.compile(r"(-?(vasey|trev|dss|sdss2?|2mass|darkskies)|dumont|oleg|spano|group-vasey)$")
CATALOGUES = {"m": "M", "n": "NGC", "ngc": "NGC", "ic": "IC", "p": "PGC", "pgc": "PGC"}
CATALOGUES |= {"u": "UGC", "ugc": "UGC"}
GRASSLANDS = "4.7"
"""The CREDITS section that covers the Messier images credited to Grasslands Observatory."""
GRASSLANDS_CREDIT = (
    "Images courtesy of Tim Hunter and James McGaha, Grasslands Observatory at "
    "http://www.3towers.com."
)
"""The credit that section asks for."""


@dataclass(frozen=True)
class Texture:
    """One image of ``nebulae/default`` and what is known of it."""

    file: str
    png: bytes
    credit: str
    info_url: str
    ra: float
    dec: float
    field: float
    """Degrees: the image's side on the sky."""
    objects: tuple[str, ...] = ()
    """OpenNGC names of the objects its file name names."""
    kind: str | None = None
    """Class (a key of ``CLASSES``), where the objects have one."""
    licence: str | None = None
    section: str | None = None
    """The ``CREDITS.md`` section that states the licence."""
    reason: str = ""
    """Why it is not usable; empty when it is."""

    @property
    def usable(self) -> bool:
        return not self.reason

    @property
    def attribution(self) -> str:
        """The credit to give: as the licence asks where it says how, else the texture's."""
        return GRASSLANDS_CREDIT if self.section == GRASSLANDS else self.credit


def members(deb: Path) -> dict[str, bytes]:
    """The nebula textures, their index and ``CREDITS.md.gz``, read from the ``.deb`` (an ar
    archive holding ``data.tar.xz``) without dpkg."""
    with deb.open("rb") as handle:
        if handle.read(8) != b"!<arch>\n":
            raise ValueError(f"{deb} is not a Debian package")
        while header := handle.read(60):
            name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
            if name == "data.tar.xz":
                blob = handle.read(size)
                break
            handle.seek(size + (size & 1), 1)
        else:
            raise ValueError(f"{deb} has no data.tar.xz")
    found = {}
    with tarfile.open(fileobj=lzma.LZMAFile(io.BytesIO(blob)), mode="r|") as archive:
        for member in archive:
            name = member.name.removeprefix("./")
            if member.isfile() and (name.startswith(NEBULAE) or name == CREDITS):
                extracted = archive.extractfile(member)
                assert extracted is not None
                found[name] = extracted.read()
    return found


def _unit(ra: float, dec: float) -> tuple[float, float, float]:
    ra, dec = math.radians(ra), math.radians(dec)
    return (math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec))


def separation(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Degrees between two (RA, Dec) in degrees."""
    dot = sum(x * y for x, y in zip(_unit(*a), _unit(*b), strict=True))
    return math.degrees(math.acos(max(-1.0, min(1.0, dot))))


def centre(quad: list[list[float]]) -> tuple[float, float, float]:
    """RA, Dec of the centre and side (degrees) of a texture's quad of sky corners."""
    corners = [(ra % 360.0, dec) for ra, dec in quad]
    x, y, z = (sum(_unit(*c)[i] for c in corners) for i in range(3))
    ra = math.degrees(math.atan2(y, x)) % 360.0
    dec = math.degrees(math.asin(z / math.sqrt(x * x + y * y + z * z)))
    width = (separation(corners[0], corners[1]) + separation(corners[3], corners[2])) / 2
    height = (separation(corners[0], corners[3]) + separation(corners[1], corners[2])) / 2
    return ra, dec, (width + height) / 2


def textures(raw: bytes) -> list[dict[str, object]]:
    """The entries of ``textures.json``, whose numbers may lack a leading zero (``-.97``)."""
    text = re.sub(r"(?<=[\[,\s:])(-?)\.(\d)", r"\g<1>0.\2", raw.decode("utf-8"))
    tiles: list[dict[str, object]] = json.loads(text)["subTiles"]
    return tiles


def file_ids(file: str) -> list[tuple[str, int]]:
    """The catalogue numbers a file name names: ``m2.png`` -> [("M", 2)], ``n4038-9.png`` ->
    NGC 4038 and 4039; suffixes naming the photographer or survey are dropped."""
    stem = SUFFIX.sub("", file.removesuffix(".png").lower())
    found = re.fullmatch(r"(m|n|ic|p|u)(\d+)h?(?:-(\d+))?", stem)
    if not found:
        return []
    catalogue, number, other = CATALOGUES[found[1]], found[2], found[3]
    ids = [(catalogue, int(number))]
    if other:  # the last digits of a second number: n4038-9, n869-884
        ids.append((catalogue, int(number[: len(number) - len(other)] + other)))
    return ids


def _key(text: str) -> str:
    """Credits and authors compared without case, punctuation, '&' or 'and'."""
    text = re.sub(r"\band\b", " ", text.lower().replace("&", " and "))
    return re.sub(r"[^a-z0-9]", "", text)


def _same_author(author: str, credited: str) -> bool:
    """Whether a section's author and a texture's credit name the same people: one holds the
    other (credits abbreviate, or add the observatory)."""
    return bool(author and credited) and (author in credited or credited in author)


def licence_of(text: str | None) -> tuple[str | None, str]:
    """The licence a ``CREDITS.md`` statement grants (an SPDX id where there is one), or None
    and why it does not do."""
    if text is None:
        return None, "no licence stated in CREDITS.md"
    lower = text.lower()
    version = re.search(r"(\d\.\d)", lower)
    if "attribution-share alike" in lower or "cc-by-sa" in lower:
        assert version is not None, text
        return f"CC-BY-SA-{version[1]}" + ("-DE" if "germany" in lower else ""), ""
    if "attribution" in lower:
        assert version is not None, text
        return f"CC-BY-{version[1]}", ""
    if "cc0" in lower:
        return "CC0-1.0", ""
    if lower.startswith("public domain"):
        return "public-domain", ""
    if "use the image freely" in lower:
        return "free-use-with-credit", ""  # Grasslands: modify and redistribute, credited
    return None, f"licence not clearly open: {text[:80]}"


@dataclass(frozen=True)
class Section:
    """One image-credit section of ``CREDITS.md`` (4.7 and after)."""

    number: str
    objects: tuple[tuple[str, int] | tuple[str, str], ...]
    author: str
    licence_text: str | None


def sections(raw: bytes) -> list[Section]:
    """The image-credit sections of ``CREDITS.md.gz``."""
    text = gzip.decompress(raw).decode("utf-8")
    graphics = text[text.index("\n4. Graphics") : text.index("## Appendix")]
    parts = re.split(r"\n\s*(4\.\d+[a-z]?) ", graphics)
    found = []
    for number, body in zip(parts[1::2], parts[2::2], strict=True):
        if int(re.match(r"4\.(\d+)", number)[1]) < 7:  # type: ignore[index]
            continue
        flat = " ".join(body.split())
        statement, _, licence = flat.partition("License:")
        named = re.match(r"Images? of (.*?) from (.*)$", statement)
        if named:
            objects = _credited(named[1])
            author = re.split(r"\s+https?://", named[2])[0].strip()
        elif number == "4.8":  # "M31 pictures come from LEE ang HG731GZ"
            objects, author = (("M", 31),), "LEE ang HG731GZ"
        elif number == GRASSLANDS:
            objects, author = (), "Grasslands Observatory"
        else:
            continue
        found.append(Section(number, objects, author, licence.strip() or None))
    return found


def _credited(text: str) -> tuple[tuple[str, int] | tuple[str, str], ...]:
    """Objects a section lists: catalogue numbers, or normalised names (``Pleiades``)."""
    found: list[tuple[str, int] | tuple[str, str]] = []
    for token in re.split(r",+|\band\b", text):
        word = token.strip().lower().replace(" ", "")
        number = re.fullmatch(r"(m|ngc|ic|pgc|ugc)(\d+)(?:-(\d+))?", word)
        if number:
            found.append((CATALOGUES[number[1]], int(number[2])))
            if number[3]:
                found.append((CATALOGUES[number[1]], int(number[3])))
        elif word:
            found.append(("name", re.sub(r"[^a-z0-9]", "", word).removeprefix("the")))
    return tuple(found)


class OpenNgc:
    """Object names, types and positions from OpenNGC's database."""

    def __init__(self, database: Path) -> None:
        self.db = sqlite3.connect(database)
        query = "SELECT name, messier FROM objects WHERE messier != '' AND type != 'Dup'"
        self.messier = {int(m): n for n, m in self.db.execute(query)}
        self.identifiers = dict(self.db.execute("SELECT identifier, name FROM objIdentifiers"))

    def close(self) -> None:
        self.db.close()

    def row(self, name: str) -> tuple[str, str, float, float] | None:
        """(name, type, RA, Dec in degrees) of an object, following duplicate entries."""
        found = self.db.execute(
            "SELECT name, type, degrees(ra), degrees(dec), ngc, ic FROM objects WHERE name = ?",
            (name,),
        ).fetchone()
        if found is None:
            return None
        if found[1] == "Dup":
            for catalogue, other in (("NGC", found[4]), ("IC", found[5])):
                digits = re.match(r"\d+", other or "")
                if digits:
                    return self.row(f"{catalogue}{int(digits[0]):04d}")
            return None
        return found[0], found[1], found[2], found[3]

    def resolve(self, token: tuple[str, int] | tuple[str, str]) -> str | None:
        """The OpenNGC name of a catalogue number or a known name."""
        catalogue, value = token
        if catalogue == "name":
            name = NAMED.get(str(value))
        elif catalogue == "M":
            name = self.messier.get(int(value))
        elif catalogue in ("NGC", "IC"):
            name = f"{catalogue}{int(value):04d}"
        else:  # PGC, UGC: through OpenNGC's identifiers
            width = 6 if catalogue == "PGC" else 5
            name = self.identifiers.get(f"{catalogue}{int(value):0{width}d}")
        found = self.row(name) if name else None
        return found[0] if found else None


def read(deb: Path, database: Path) -> Iterator[Texture]:
    """Every texture, with its object, class and licence where they are known."""
    files = members(deb)
    credits = sections(files[CREDITS])
    ngc = OpenNgc(database)
    try:
        by_object: dict[str, list[Section]] = {}
        for section in credits:
            for token in section.objects:
                name = ngc.resolve(token) or str(token)
                by_object.setdefault(name, []).append(section)
        for tile in textures(files[NEBULAE + "textures.json"]):
            yield _texture(tile, files, credits, by_object, ngc)
    finally:
        ngc.close()


def _texture(
    tile: dict[str, object],
    files: dict[str, bytes],
    credits: list[Section],
    by_object: dict[str, list[Section]],
    ngc: OpenNgc,
) -> Texture:
    file = str(tile["imageUrl"])
    about: dict[str, str] = tile.get("imageCredits") or {}  # type: ignore[assignment]
    credit = " ".join((about.get("short") or about.get("Short") or "").split())
    ra, dec, field = centre(tile["worldCoords"][0])  # type: ignore[index]
    texture = Texture(file, files[NEBULAE + file], credit, about.get("infoUrl", ""), ra, dec, field)
    stem = SUFFIX.sub("", file.removesuffix(".png").lower())
    if MOSAIC.match(stem):
        return _with(texture, reason="a mosaic tile, not one object")
    ids: list[tuple[str, int] | tuple[str, str]] = list(file_ids(file))
    if not ids and re.sub(r"[^a-z0-9]", "", stem) in NAMED:
        ids = [("name", re.sub(r"[^a-z0-9]", "", stem))]
    names = [n for t in ids if (n := ngc.resolve(t))]
    if ids == [("M", 102)]:  # M102 is ambiguous: the candidate at the image's centre
        candidates = [ngc.row(n) for n in ("NGC5866", "NGC5457")]
        names = [
            min(
                (c for c in candidates if c),
                key=lambda c: separation((ra, dec), (c[2], c[3])),
            )[0]
        ]
    if not names:
        return _with(texture, reason="no OpenNGC object for its file name")
    rows = [r for n in names if (r := ngc.row(n))]
    kinds = {CLASS_OF.get(r[1]) for r in rows}
    texture = _with(texture, objects=tuple(names))
    if len(kinds) != 1 or None in kinds:
        return _with(texture, reason=f"OpenNGC type {'+'.join(r[1] for r in rows)} is no class")
    if min(separation((ra, dec), (r[2], r[3])) for r in rows) > field:
        return _with(texture, reason="the object lies outside the image")
    texture = _with(texture, kind=kinds.pop())
    credited = _key(credit)
    listed = [s for n in {*names, *map(str, ids)} for s in by_object.get(n, [])]
    matching = {s.number: s for s in listed if _same_author(_key(s.author), credited)}
    if credit == "Grasslands Observatory" and ids and ids[0][0] == "M":
        matching = {s.number: s for s in credits if s.number == GRASSLANDS}
    if not matching:
        why = "listed under another author" if listed else "not in CREDITS.md"
        return _with(texture, reason=f"image {why}")
    licences = {licence_of(s.licence_text) for s in matching.values()}
    if len(licences) != 1:
        return _with(texture, reason="CREDITS.md sections disagree")
    [(licence, why)] = licences
    section = "+".join(sorted(matching))
    return _with(texture, licence=licence, section=section, reason=why)


def _with(texture: Texture, **changes: object) -> Texture:
    return replace(texture, **changes)  # type: ignore[arg-type]
