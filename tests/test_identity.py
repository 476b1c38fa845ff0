"""Identifier and name normalisation, on values as real notices in ../shared/data/ocds write them."""

from __future__ import annotations

import pytest

from kg.identity import name_parts, normalise_identifier, normalise_name, org_iri
from kg.namespaces import ID


@pytest.mark.parametrize(
    ("scheme", "value", "expected", "where"),
    [
        ("GB-COH", "00974438", ("GB-COH", "00974438"), "bluetail processed: the usual eight digits"),
        ("GB-COH", "158718", ("GB-COH", "00158718"), "CFServer1 2025, Computacentre: leading zeros lost"),
        ("GB-COH", "975677", ("GB-COH", "00975677"), "bluetail raw: Hays, same company as GB-COH-00975677"),
        ("GB-COH", "127 629 30", ("GB-COH", "12762930"), "bluetail processed line 62: spaces inside"),
        ("GB-COH", "134 8940 9", ("GB-COH", "13489409"), "bluetail processed line 62: spaces inside"),
        ("GB-COH", "GB-COH-00975677", ("GB-COH", "00975677"), "CFServer1 2025 party ids carry the scheme"),
        (None, "GB-COH-OC325346", ("GB-COH", "OC325346"), "CFServer1 2025 supplier reference id, RSM UK"),
        ("GB-COH", "SC033518", ("GB-COH", "SC033518"), "bluetail raw line 16: City Cabs (Edinburgh), Scotland"),
        ("GB-COH", "sc 33518", ("GB-COH", "SC033518"), "the same Scottish number, lower case and unpadded"),
        ("GB-COH", "NI037760", ("GB-COH", "NI037760"), "openopps 2020 line 298: Spence & Partners, Northern Ireland"),
        ("GB-COH", "OC301540", ("GB-COH", "OC301540"), "KPMG LLP"),
        ("GB-COH", "IP02740R", ("GB-COH", "IP02740R"), "Creative Support: a registered society"),
        ("GB-COH", "FC025271", ("GB-COH", "FC025271"), "Tata Consultancy Services: an overseas company"),
        ("GB-COH", "0", None, "openopps 2020 line 200: Repstor gives 0, which would merge every such supplier"),
        ("GB-COH", "GB28972987", None, "bluetail processed line 62: AB Sustain, a VAT-style number"),
        ("GB-COH", "458577871", None, "CFServer1 2025: Nominet's nine digits are its VAT number"),
        ("GB-COH", "233491518", None, "openopps 2020: nine digits cannot be a company number"),
        ("GB-CHC", "1161251", ("GB-CHC", "1161251"), "bluetail raw line 210: Talk the Talk, a charity"),
        ("GB-CHC", "SC012345", ("GB-SC", "SC012345"), "a Scottish charity filed under the England and Wales scheme"),
        ("GB-PPON", "PBTM-5917-ZXVM", ("GB-PPON", "PBTM-5917-ZXVM"), "Find a Tender 2026 sample"),
        ("PPON", "pbtm 5917 zxvm", ("GB-PPON", "PBTM-5917-ZXVM"), "the same PPON typed without hyphens"),
        ("GB-UKPRN", "10006341", ("GB-UKPRN", "10006341"), "Find a Tender 2026 sample: a college"),
        ("DUNS", "21-467-1380", ("XI-DUNS", "214671380"), "DUNS as Dun & Bradstreet prints it (none in the UK files)"),
        ("GB-SRS", "", None, "bluetail raw: an empty id"),
        (None, "Brunswick Cars Ltd", None, "TED 2020: the supplier's name in the id field, no scheme"),
    ],
)
def test_normalise_identifier(scheme: object, value: object, expected: tuple[str, str] | None, where: str) -> None:
    assert normalise_identifier(scheme, value) == expected, where


def test_the_same_company_written_three_ways_gets_one_iri() -> None:
    spellings = [("GB-COH", "975677"), ("GB-COH", "00975677"), (None, "GB-COH-00975677")]
    iris = {org_iri(normalise_identifier(*s), "Hays Specialist Recruitment Limited") for s in spellings}
    assert iris == {org_iri(("GB-COH", "00975677"), None)}
    assert str(iris.pop()) == f"<{ID}org/GB-COH/00975677>"


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["QA Limited", "QA LIMITED", "QA Ltd"], "qa"),
        (["Bates Office Services LTD", "Bates Office Services Limited", "Bates Office Services Ltd"], "bates office services"),
        (["OPEN UNIVERSITY(THE)", "The Open University"], "open university"),
        (["Ashtead Plant Hire Co Ltd", "ASHTEAD PLANT HIRE CO LTD"], "ashtead plant hire"),
        (["TRAVELERS INSURANCE COMPANY LIMITED", "Travelers Insurance Company Ltd"], "travelers insurance"),
        (["Spence &amp; Partners Limited", "Spence & Partners Ltd", "Spence and Partners"], "spence and partners"),
        (["Older People&#039;s Action in the Locality (OPAL)"], "older peoples action in locality opal"),
        (["GAS CALL SERVICES LTD.", "Gas Call Services Ltd"], "gas call services"),
        (["FEILDEN + MAWSON LLP", "Feilden and Mawson"], "feilden and mawson"),
        (["Frazer-Nash Consultancy Ltd", "FRAZER-NASH CONSULTANCY LIMITED"], "frazer nash consultancy"),
    ],
)
def test_normalise_name_folds_spellings_of_one_company(names: list[str], key: str) -> None:
    assert {normalise_name(n) for n in names} == {key}


def test_legal_form_is_kept_apart_from_the_key() -> None:
    assert name_parts("BEVAN BRITTAN LLP").form == "llp"
    assert name_parts("Bevan Brittan Limited").form == "ltd"
    assert name_parts("Bevan Brittan").form is None
    assert name_parts("Kier Group Public Limited Company") == name_parts("KIER GROUP PLC")
    assert name_parts("AB Sustain").key == "ab sustain"  # a legal-form word at the start is part of the name
    assert name_parts("SAAB AB").key == "saab"


def test_trading_names() -> None:
    behrens = name_parts("Sir Jacob &amp; Sons Ltd t/a Behrens Group")  # bluetail processed
    assert (behrens.key, behrens.form, behrens.trading) == ("sir jacob and sons", "ltd", "behrens group")
    assert name_parts("Woods Building Services Ltd T/A AA Woods").trading == "aa woods"
    assert name_parts("Alternative Payments ltd T/A Judopay").key == normalise_name("Alternative Payments Ltd")
    assert name_parts("calfordseaden").compact == name_parts("Calford Seaden").compact


def test_empty_names() -> None:
    assert normalise_name(None) is None
    assert normalise_name("  ") is None
    assert org_iri(None, "---") is None
    assert str(org_iri(None, "The Open University")) == f"<{ID}org/name/open-university>"


def test_register_numbers_in_other_digits_are_refused_not_a_crash():
    from kg.identity import normalise_identifier

    assert normalise_identifier("GB-SC", "SC²") is None and normalise_identifier("GB-NIC", "NI²") is None
