import pytest
from django.core.exceptions import ValidationError

from partners import identifiers

VALID_TAX_IDS = [
    ("CO", "890.903.938-8", "8909039388"),
    ("CO", "1.020.345.678-8", "10203456788"),
    ("CL", "76.086.428-5", "760864285"),
    ("AR", "30-71234567-1", "30712345671"),
    ("PE", "20601234565", "20601234565"),
    ("BR", "11.222.333/0001-81", "11222333000181"),
    ("ES", "B87654323", "B87654323"),
    ("US", "12-3456789", "123456789"),
]


@pytest.mark.parametrize(("country", "raw", "compact"), VALID_TAX_IDS)
def test_normalize_tax_id_accepts_valid_ids(country, raw, compact):
    assert identifiers.normalize_tax_id(raw, country) == compact


def test_normalize_tax_id_accepts_computed_rfc():
    from stdnum.mx import rfc

    base = "MDN150312K5"
    value = base + rfc.calc_check_digit(base)
    assert identifiers.normalize_tax_id(value, "MX") == value


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("CO", "900.555.111-0"),
        ("CL", "76.086.428-4"),
        ("AR", "30-71234567-2"),
        ("PE", "20601234560"),
        ("BR", "11.222.333/0001-80"),
        ("ES", "B87654320"),
        ("US", "00-0000000"),
        ("MX", "ABC"),
    ],
)
def test_normalize_tax_id_rejects_bad_check_digits(country, raw):
    with pytest.raises(ValidationError):
        identifiers.normalize_tax_id(raw, country)


def test_normalize_tax_id_rejects_blank():
    with pytest.raises(ValidationError):
        identifiers.normalize_tax_id("  ", "CO")


def test_normalize_tax_id_strips_punctuation_without_a_checker():
    assert identifiers.normalize_tax_id("ab-12.34 5", "BO") == "AB12345"


def test_format_tax_id_prints_colombian_nit_grouped():
    assert identifiers.format_tax_id("8909039388", "CO") == "890.903.938-8"


def test_normalize_phone_reads_national_numbers_in_partner_country():
    assert identifiers.normalize_phone("(604) 339 6565", "CO") == "+576043396565"


def test_normalize_phone_keeps_international_prefix():
    assert identifiers.normalize_phone("+56 2 2555 0100", "CO") == "+56225550100"


def test_normalize_phone_rejects_short_number():
    with pytest.raises(ValidationError):
        identifiers.normalize_phone("+57 300", "CO")


def test_normalize_iban_compacts_valid_iban():
    assert identifiers.normalize_iban("ES91 2100 0418 4502 0005 1332") == "ES9121000418450200051332"


def test_normalize_iban_rejects_bad_checksum():
    with pytest.raises(ValidationError):
        identifiers.normalize_iban("ES91 2100 0418 4502 0005 1333")


def test_normalize_bic_rejects_malformed_code():
    with pytest.raises(ValidationError):
        identifiers.normalize_bic("XX")


def test_normalize_tax_id_checks_other_countries_with_stdnum_vat_module():
    with pytest.raises(ValidationError):
        identifiers.normalize_tax_id("123", "UY")
