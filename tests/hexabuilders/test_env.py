"""Typed environment readers: valid, malformed, default, required and ``NAME_FILE`` values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from hexabuilders import env


def test_read_str_returns_stripped_value():
    assert env.read_str("HEXA_X", environ={"HEXA_X": "  value  "}) == "value"


def test_read_str_returns_default_when_unset():
    assert env.read_str("HEXA_X", "fallback", environ={}) == "fallback"


def test_read_str_treats_blank_as_unset():
    assert env.read_str("HEXA_X", "fallback", environ={"HEXA_X": "   "}) == "fallback"


def test_read_str_requires_variable_without_default():
    with pytest.raises(ImproperlyConfigured, match="HEXA_X is required"):
        env.read_str("HEXA_X", environ={})


def test_read_str_reads_value_from_name_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-value\n", encoding="utf-8")

    value = env.read_str("HEXA_X", environ={"HEXA_X_FILE": str(secret)})

    assert value == "s3cret-value"


def test_read_str_rejects_unreadable_name_file(tmp_path):
    missing = tmp_path / "absent"

    with pytest.raises(ImproperlyConfigured, match="HEXA_X_FILE points to"):
        env.read_str("HEXA_X", environ={"HEXA_X_FILE": str(missing)})


def test_read_str_rejects_name_and_name_file_together(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured, match="either HEXA_X or HEXA_X_FILE"):
        env.read_str("HEXA_X", environ={"HEXA_X": "inline", "HEXA_X_FILE": str(secret)})


def test_read_str_treats_empty_file_as_unset(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")

    assert env.read_str("HEXA_X", "fallback", environ={"HEXA_X_FILE": str(empty)}) == "fallback"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_read_bool_accepts_boolean_words(raw, expected):
    assert env.read_bool("HEXA_FLAG", environ={"HEXA_FLAG": raw}) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "enabled"])
def test_read_bool_rejects_malformed_value(raw):
    with pytest.raises(ImproperlyConfigured, match="HEXA_FLAG=.* is not a boolean"):
        env.read_bool("HEXA_FLAG", environ={"HEXA_FLAG": raw})


def test_read_bool_returns_default_when_unset():
    assert env.read_bool("HEXA_FLAG", True, environ={}) is True


def test_read_bool_requires_variable_without_default():
    with pytest.raises(ImproperlyConfigured, match="HEXA_FLAG is required"):
        env.read_bool("HEXA_FLAG", environ={})


def test_read_bool_reads_value_from_name_file(tmp_path):
    flag = tmp_path / "flag"
    flag.write_text("yes", encoding="utf-8")

    assert env.read_bool("HEXA_FLAG", environ={"HEXA_FLAG_FILE": str(flag)}) is True


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), (" 7 ", 7), ("-3", -3), ("+5", 5)])
def test_read_int_parses_integers(raw, expected):
    assert env.read_int("HEXA_N", environ={"HEXA_N": raw}) == expected


@pytest.mark.parametrize("raw", ["4.5", "ten", "1_000", "0x10", "١٢"])
def test_read_int_rejects_malformed_value(raw):
    with pytest.raises(ImproperlyConfigured, match="HEXA_N=.* is not an integer"):
        env.read_int("HEXA_N", environ={"HEXA_N": raw})


def test_read_int_rejects_value_below_minimum():
    with pytest.raises(ImproperlyConfigured, match="HEXA_N=0 is below the minimum of 1"):
        env.read_int("HEXA_N", minimum=1, environ={"HEXA_N": "0"})


def test_read_int_rejects_value_above_maximum():
    with pytest.raises(ImproperlyConfigured, match="HEXA_N=70000 is above the maximum of 65535"):
        env.read_int("HEXA_N", maximum=65535, environ={"HEXA_N": "70000"})


def test_read_int_accepts_bounds_inclusive():
    assert env.read_int("HEXA_N", minimum=1, maximum=1, environ={"HEXA_N": "1"}) == 1


def test_read_int_returns_default_when_unset():
    assert env.read_int("HEXA_N", 25, environ={}) == 25


def test_read_int_requires_variable_without_default():
    with pytest.raises(ImproperlyConfigured, match="HEXA_N is required"):
        env.read_int("HEXA_N", environ={})


def test_read_int_reads_value_from_name_file(tmp_path):
    number = tmp_path / "number"
    number.write_text("587\n", encoding="utf-8")

    assert env.read_int("HEXA_N", environ={"HEXA_N_FILE": str(number)}) == 587


def test_read_list_splits_on_commas_and_drops_blanks():
    value = env.read_list("HEXA_HOSTS", environ={"HEXA_HOSTS": " a.example, ,b.example,"})

    assert value == ["a.example", "b.example"]


def test_read_list_returns_default_when_only_commas():
    assert env.read_list("HEXA_HOSTS", ["x"], environ={"HEXA_HOSTS": " , ,"}) == ["x"]


def test_read_list_returns_default_when_unset():
    assert env.read_list("HEXA_HOSTS", [], environ={}) == []


def test_read_list_requires_variable_without_default():
    with pytest.raises(ImproperlyConfigured, match="HEXA_HOSTS is required"):
        env.read_list("HEXA_HOSTS", environ={})


def test_read_list_reads_value_from_name_file(tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("a.example,b.example\n", encoding="utf-8")

    value = env.read_list("HEXA_HOSTS", environ={"HEXA_HOSTS_FILE": str(hosts)})

    assert value == ["a.example", "b.example"]


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def test_read_choice_accepts_listed_value():
    assert env.read_choice("HEXA_LEVEL", LEVELS, environ={"HEXA_LEVEL": "WARNING"}) == "WARNING"


def test_read_choice_rejects_unlisted_value():
    with pytest.raises(ImproperlyConfigured, match="HEXA_LEVEL='verbose' is not one of: DEBUG"):
        env.read_choice("HEXA_LEVEL", LEVELS, environ={"HEXA_LEVEL": "verbose"})


def test_read_choice_is_case_sensitive():
    with pytest.raises(ImproperlyConfigured, match="HEXA_LEVEL='info'"):
        env.read_choice("HEXA_LEVEL", LEVELS, environ={"HEXA_LEVEL": "info"})


def test_read_choice_returns_default_when_unset():
    assert env.read_choice("HEXA_LEVEL", LEVELS, "INFO", environ={}) == "INFO"


def test_read_choice_requires_variable_without_default():
    with pytest.raises(ImproperlyConfigured, match="HEXA_LEVEL is required"):
        env.read_choice("HEXA_LEVEL", LEVELS, environ={})


def test_read_choice_reads_value_from_name_file(tmp_path):
    level = tmp_path / "level"
    level.write_text("ERROR", encoding="utf-8")

    value = env.read_choice("HEXA_LEVEL", LEVELS, environ={"HEXA_LEVEL_FILE": str(level)})

    assert value == "ERROR"


def test_readers_use_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("HEXA_FROM_PROCESS", "12")

    assert env.read_int("HEXA_FROM_PROCESS") == 12
