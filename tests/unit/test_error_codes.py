"""Refusals as codes with parameters (services/errors.py), translated by i18n/errors.py:
the translation follows the code, never the English wording."""

import pickle
import re
from pathlib import Path

import pytest

from messenger_app.i18n.errors import error_text
from messenger_app.i18n.strings import EN, RU
from messenger_app.lib import phones
from messenger_app.services import channels, client_import, crm, folders, outbox, templates
from messenger_app.lib.errors import DomainError, ErrorText

APP = Path(__file__).resolve().parents[2] / "messenger_app"
RAISERS = [APP / "services", APP / "lib", APP / "channels"]  # where refusals are raised
CODE = re.compile(r"""\bcode\s*=\s*["']([a-z0-9_]+)["']""")


def _codes_in_services() -> set[str]:
    found = set()
    for path in (p for folder in RAISERS for p in folder.rglob("*.py")):
        found |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_a_service_raises_is_translated_in_both_languages():
    codes = _codes_in_services()
    assert {"number", "phone_taken", "folder_taken", "tg_token", "in_column"} <= codes  # the scan works
    missing = sorted(f"{lang}: err_{c}" for c in codes for lang, t in (("en", EN), ("ru", RU))
                     if "err_" + c not in t)
    assert not missing


def test_the_same_placeholders_in_both_languages():
    for key in (k for k in EN if k.startswith("err_")):
        assert set(re.findall(r"{(\w+)}", EN[key])) == set(re.findall(r"{(\w+)}", RU[key])), key


def test_translation_follows_the_code_not_the_wording():
    a = crm.CrmError("not a number: 'abc'", code="number", value="abc")
    b = crm.CrmError("this wording changed completely", code="number", value="abc")
    assert error_text(a, "ru") == error_text(b, "ru") == "Это не число: abc"
    assert error_text(a, "en") == "Not a number: abc"
    assert str(a) == "not a number: 'abc'"  # the English message stays for logs and the API


def test_services_raise_codes_with_their_parameters(data_dir):
    with pytest.raises(crm.CrmError) as e:
        crm.parse_date("31.02.2026")
    assert (e.value.code, e.value.params) == ("date", {"value": "31.02.2026"})
    assert error_text(e.value, "ru") == "Это не дата (формат 25.11.2026 или 2026-11-25): 31.02.2026"

    folders.create("VIP")
    with pytest.raises(folders.FolderError) as e:
        folders.create("vip")
    assert error_text(e.value, "ru") == "Папка «VIP» уже есть."
    assert error_text(e.value, "en") == "A folder named “VIP” already exists."

    with pytest.raises(channels.ChannelConfigError) as e:
        channels.add_telegram("123:short")
    assert e.value.code == "tg_token" and "123456789:" in error_text(e.value, "ru")
    assert "BotFather" in str(e.value)  # the message says what a token looks like

    with pytest.raises(phones.InvalidPhone) as e:
        phones.normalize("")
    assert error_text(e.value, "ru") == RU["err_phone_empty"]

    with pytest.raises(templates.TemplateError) as e:
        templates.create("", "text")
    assert error_text(e.value, "ru") == "Дайте шаблону название."

    with pytest.raises(outbox.SendRefused) as e:
        outbox.queue(1, 1, "")
    assert error_text(e.value, "ru") == RU["err_send_empty"]


def test_a_phone_error_keeps_its_code_through_the_crm(data_dir):
    contact, _ = crm.create_contact("+79990001122")
    with pytest.raises(crm.CrmError) as e:
        crm.set_phone(contact.id, "12")
    assert e.value.code == "phone" and error_text(e.value, "ru") == RU["err_phone"]


def test_rejected_import_rows_are_translated_with_the_column(data_dir):
    crm.create_field("age", "Age", "number")
    data = "phone;age\n+7 999 111-22-33;abc\n;5\n+7 999 111-22-33;4\n".encode()
    pv = client_import.preview(data, "c.csv")
    report = client_import.run(data, "c.csv", {"phone": "phone", "age": "var:age"})
    reasons = dict(report.rejected)
    assert reasons[2] == "age: not a number: 'abc'"  # still the English text for old callers
    assert error_text(reasons[2], "ru") == "age: Это не число: abc"
    assert error_text(reasons[3], "ru") == "Нет номера телефона"
    assert pv.columns == ["phone", "age"]
    # a rejected reason survives the Redis state manager (pickle) with its code
    again = pickle.loads(pickle.dumps(reasons[2]))
    assert isinstance(again, ErrorText) and error_text(again, "ru") == "age: Это не число: abc"


def test_a_file_error_of_the_importer(data_dir):
    with pytest.raises(client_import.ClientImportError) as e:
        client_import.preview(b"", "c.csv")
    assert error_text(e.value, "ru") == RU["err_file_empty"]


def test_without_a_code_english_keeps_the_message_other_languages_get_no_english():
    assert error_text(ValueError("boom"), "en") == "boom"
    assert error_text(ValueError("boom"), "ru") == RU["err_generic"]
    assert error_text(DomainError("boom", code="no_such_code"), "ru") == RU["err_generic"]
    assert error_text(DomainError("boom", code="no_such_code"), "en") == "boom"


def test_a_missing_parameter_does_not_break_the_text():
    assert error_text(crm.CrmError("x", code="number"), "ru") == "Это не число: …"


def test_a_class_default_code_covers_refusals_without_one():
    assert error_text(folders.UnknownFolder("Unknown folder: 'x'."), "ru") == RU["err_folder_unknown"]
