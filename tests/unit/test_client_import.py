"""services/client_import: a client base from CSV / XLSX (R6, L2, B3) and the export back."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import event
from sqlmodel import func, select

from messenger_app import db, settings
from messenger_app.models import Contact, ContactValue, Dialog, Message
from messenger_app.services import client_import, crm
from messenger_app.lib import phones
from messenger_app.services.client_import import ClientImportError, Report, export, importer
from tests.factories import count


def _by_phone(phone):
    with db.session() as s:
        return s.exec(select(Contact).where(Contact.phone == phone)).one()


def _values(contact_id):
    return {v["key"]: v["value"] for v in crm.values_of(contact_id)}


def _snapshot():
    with db.session() as s:
        contacts = [tuple(r) for r in s.exec(select(Contact.id, Contact.phone, Contact.first_name,
                                                    Contact.last_name, Contact.tag1, Contact.tag2))]
        values = [tuple(r) for r in s.exec(select(ContactValue.contact_id, ContactValue.field_id,
                                                  ContactValue.value_text))]
        dialogs = s.exec(select(func.count()).select_from(Dialog)).one()
    return contacts, values, dialogs


def _crm_setup():
    crm.create_field("city", "Город", "text")
    crm.create_field("amount", "Сумма", "number")
    crm.create_field("site", "Site", "link")
    crm.add_tag2_option("VIP")


# Blank lines, a BOM, ";" separators, Cyrillic, bad/empty phones, duplicates in the file and
# against the DB, bad values, an unknown Tag 2, an extra column and a row longer than the header.
MESSY = (
    "Телефон;Имя;Фамилия;Город;Сумма;Тег 2;Комментарий\r\n"     # 1
    "+7 (999) 123-45-67;Анна;Иванова;Москва;1 234,5;vip;эта колонка не нужна\r\n"  # 2 created
    "\r\n"                                                        # 3 blank
    "89991234568;Иван;;Казань;;;\r\n"                             # 4 created
    "не телефон;Пётр;Петров;;;;\r\n"                              # 5 bad phone
    ";Без;Телефона;;;;\r\n"                                       # 6 no phone
    "8 999 123 45 67;Дубль;;;;;\r\n"                              # 7 dup of row 2
    "+79990000001;Ольга;;;;;\r\n"                                 # 8 in DB: updated
    "79991234569;Сергей;;;abc;;\r\n"                              # 9 bad number
    "79991234570;Мария;;;;Gold;\r\n"                              # 10 unknown Tag 2
    ";;;;;;\r\n"                                                  # 11 empty cells only
    "79991234571;\"Квазимодо; младший\";;\"Нижний\nНовгород\";-5;;;лишняя;ячейка\r\n"  # 12 created
    "\r\n"
)
MESSY_REPORT = Report(created=3, updated=1, skipped=0, rejected=[
    (5, "invalid phone number 'не телефон'"), (6, "no phone number"), (7, "duplicate of row 2"),
    (9, "Сумма: not a number: 'abc'"), (10, "Тег 2: 'Gold' is not a Tag 2 option")], total=9)


def _existing_client():
    contact, _ = crm.create_contact("+79990000001", "Old", "Surname")
    crm.set_tag1(contact.id, "keep me")
    return contact.id


def _check_messy_result(existing_id):
    anna = _by_phone("+79991234567")
    assert (anna.first_name, anna.last_name, anna.tag2, anna.phone_raw) == (
        "Анна", "Иванова", "VIP", "+7 (999) 123-45-67")
    assert _values(anna.id) == {"city": "Москва", "amount": "1234.5", "site": ""}
    assert _values(_by_phone("+79991234568").id)["city"] == "Казань"
    kvaz = _by_phone("+79991234571")
    assert kvaz.first_name == "Квазимодо; младший"
    assert _values(kvaz.id)["city"] == "Нижний\nНовгород" and _values(kvaz.id)["amount"] == "-5"
    olga = _by_phone("+79990000001")
    # only the mapped non-empty fields are written: the empty last name does not erase "Surname"
    assert (olga.id, olga.first_name, olga.last_name, olga.tag1) == (existing_id, "Ольга", "Surname",
                                                                    "keep me")
    assert count(Contact) == 4 and count(Dialog) == 4
    with db.session() as s:  # L2: an imported client has a dialog and no messages
        for d in s.exec(select(Dialog)):
            assert (d.last_channel_kind, d.last_message_at, d.unread_count) == ("", None, 0)
    assert count(Message) == 0
    assert crm.billed_subscribers() == 0  # B3: nobody wrote yet


def test_messy_csv_utf8_bom_semicolons(data_dir, published):
    _crm_setup()
    existing_id = _existing_client()
    data = ("\ufeff" + MESSY).encode("utf-8")
    pv = client_import.preview(data, "clients.csv")
    assert (pv.detected_encoding, pv.delimiter) == ("utf-8-sig", ";")
    assert pv.columns == ["Телефон", "Имя", "Фамилия", "Город", "Сумма", "Тег 2", "Комментарий"]
    assert pv.suggested_mapping == {"Телефон": "phone", "Имя": "first_name", "Фамилия": "last_name",
                                    "Город": "var:city", "Сумма": "var:amount", "Тег 2": "tag2",
                                    "Комментарий": ""}
    assert pv.sample_rows[0][:3] == ["+7 (999) 123-45-67", "Анна", "Иванова"]
    assert len(pv.sample_rows) == 9 and all(len(r) == 7 for r in pv.sample_rows)
    published.clear()
    report = client_import.run(data, "clients.csv", pv.suggested_mapping)
    assert report == MESSY_REPORT
    _check_messy_result(existing_id)
    assert published == [{"kind": "dialogs_bulk", "reason": "import", "created": 3, "updated": 1}]


def test_messy_csv_cp1251_without_bom(data_dir):
    _crm_setup()
    existing_id = _existing_client()
    data = MESSY.encode("cp1251")
    pv = client_import.preview(data, "clients.csv")
    assert (pv.detected_encoding, pv.delimiter) == ("cp1251", ";")
    assert pv.columns[0] == "Телефон"
    report = client_import.run(data, "clients.csv", pv.suggested_mapping)
    assert report == MESSY_REPORT
    _check_messy_result(existing_id)


def test_dedupe_skip_leaves_existing_clients_alone(data_dir):
    _crm_setup()
    existing_id = _existing_client()
    data = MESSY.encode("utf-8")
    pv = client_import.preview(data, "x.csv")
    report = client_import.run(data, "x.csv", pv.suggested_mapping, dedupe="skip")
    assert (report.created, report.updated, report.skipped, report.total) == (3, 0, 1, 9)
    assert len(report.rejected) == 5
    olga = _by_phone("+79990000001")
    assert (olga.id, olga.first_name) == (existing_id, "Old")


def test_update_writes_variables_of_existing_clients(data_dir):
    _crm_setup()
    cid = _existing_client()
    crm.set_value(cid, "city", "Омск")
    crm.set_value(cid, "amount", "7")
    data = "phone,city,amount,first name\n+79990000001,Томск,,\n".encode()
    report = client_import.run(data, "x.csv", {"phone": "phone", "city": "var:city",
                                               "amount": "var:amount", "first name": "first_name"})
    assert (report.created, report.updated) == (0, 1)
    assert _values(cid) == {"city": "Томск", "amount": "7", "site": ""}
    assert _by_phone("+79990000001").first_name == "Old"


@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_delimiters_and_quotes(data_dir, sep):
    rows = [["phone", "first_name", "last_name"], ["+79991234567", "Smith, John", 'say "hi"; ok'],
            ["79991234568", "Anna", "B"]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows(rows)
    data = buf.getvalue().encode()
    pv = client_import.preview(data, "x.txt")
    assert pv.delimiter == sep
    assert pv.sample_rows[0] == ["+79991234567", "Smith, John", 'say "hi"; ok']
    report = client_import.run(data, "x.txt", pv.suggested_mapping)
    assert (report.created, report.rejected) == (2, [])
    assert _by_phone("+79991234567").last_name == 'say "hi"; ok'


def test_single_column_file(data_dir):
    data = b"phone\n+79991234567\n89991234568\n"
    pv = client_import.preview(data, "phones.csv")
    assert pv.columns == ["phone"] and pv.suggested_mapping == {"phone": "phone"}
    assert client_import.run(data, "phones.csv", {"phone": "phone"}).created == 2


def test_suggested_mapping_by_header_names(data_dir):
    crm.create_field("birthday", "Дата рождения", "date")
    crm.create_field("vip", "VIP client", "bool")
    cols = ["ID", "Phone Number", "First Name", "Фамилия", "tag1", "Тег 2", "Дата рождения", "vip",
            "Телефон", "", "Phone Number"]
    data = (";".join(cols) + "\n" + ";".join(["1"] * len(cols)) + "\n").encode()
    pv = client_import.preview(data, "x.csv")
    assert pv.columns == ["ID", "Phone Number", "First Name", "Фамилия", "tag1", "Тег 2",
                          "Дата рождения", "vip", "Телефон", "column 10", "Phone Number (2)"]
    assert pv.suggested_mapping == {
        "ID": "", "Phone Number": "phone", "First Name": "first_name", "Фамилия": "last_name",
        "tag1": "tag1", "Тег 2": "tag2", "Дата рождения": "var:birthday", "vip": "var:vip",
        "Телефон": "", "column 10": "", "Phone Number (2)": ""}


def test_mapping_errors_write_nothing(data_dir):
    crm.create_field("city", "City", "text")
    data = b"a;b;c\n+79991234567;x;y\n"
    bad = [({"a": "first_name"}, "phone number"), ({"zz": "phone"}, "no column"),
           ({"a": "phone", "b": "var:nope"}, "unknown target"),
           ({"a": "phone", "b": "tag1", "c": "tag1"}, "two columns"),
           ({"a": "phone", "b": "blacklisted"}, "unknown target"), ({5: "phone"}, "no column")]
    for mapping, message in bad:
        with pytest.raises(ClientImportError, match=message):
            client_import.run(data, "x.csv", mapping)
    with pytest.raises(ClientImportError, match="dedupe"):
        client_import.run(data, "x.csv", {"a": "phone"}, dedupe="merge")
    assert count(Contact) == 0
    # columns may also be given by their 0-based index
    assert client_import.run(data, "x.csv", {0: "phone", 2: "var:city"}).created == 1


@pytest.mark.parametrize("data,name,message", [
    (b"", "x.csv", "empty"), (b"\n\n  \n", "x.csv", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
    (b"PK\x03\x04garbage that is not a zip", "x.xlsx", "XLSX"),
    (b"\x00\x01\x02binary\x00", "x.csv", "not a CSV"),
    (b'phone\n"unterminated' + b"x" * 200_000, "x.csv", "cannot be read")])
def test_unreadable_files_write_nothing(data_dir, data, name, message):
    crm.create_contact("+79990000001")
    before = _snapshot()
    with pytest.raises(ClientImportError, match=message):
        client_import.preview(data, name)
    with pytest.raises(ClientImportError, match=message):
        client_import.run(data, name, {"phone": "phone"})
    assert _snapshot() == before


def test_hostile_values_are_rejected_per_row(data_dir):
    _crm_setup()
    crm.create_field("note", "Note", "text")
    rows = [["phone", "site", "note", "first"],
            ["+79991234561", "javascript:alert(1)", "", ""],
            ["+79991234562", "data:text/html,<script>alert(1)</script>", "", ""],
            ["+79991234563", "https://ok.example/", "x" * 2001, ""],
            ["+79991234564", "", "", "y" * 201],
            ["+79991234565", "https://ok.example/", "=HYPERLINK(\"http://evil\")", "<b>Анна</b>\x07"]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    report = client_import.run(buf.getvalue().encode(), "x.csv",
                               {"phone": "phone", "site": "var:site", "note": "var:note",
                                "first": "first_name"})
    assert report.created == 1 and report.total == 5
    assert [r[0] for r in report.rejected] == [2, 3, 4, 5]
    assert "only http:// and https://" in report.rejected[0][1]
    assert report.rejected[2][1] == "note: text is too long: 2001 characters, at most 2000"
    assert report.rejected[3][1].startswith("first: first name is too long")
    c = _by_phone("+79991234565")
    assert c.first_name == "<b>Анна</b>"  # stored as text; the UI escapes it
    assert _values(c.id)["note"] == '=HYPERLINK("http://evil")'


# -- all or nothing ---------------------------------------------------------------------------
def _thousand_rows(existing_phone="+79990000001"):
    lines = ["phone;name;city"] + [f"+7999{1000000 + i};Client {i};City {i}" for i in range(1000)]
    lines[1] = f"{existing_phone};Renamed;Changed"
    return ("\n".join(lines) + "\n").encode()


def test_unexpected_error_while_checking_row_500_writes_nothing(data_dir, monkeypatch, published):
    crm.create_field("city", "City", "text")
    cid = _existing_client()
    crm.set_value(cid, "city", "Original")
    before = _snapshot()
    real, calls = phones.normalize, [0]

    def flaky(raw, *a, **kw):
        calls[0] += 1
        if calls[0] == 500:
            raise RuntimeError("disk on fire")
        return real(raw, *a, **kw)

    monkeypatch.setattr(phones, "normalize", flaky)
    monkeypatch.setattr(importer, "CHUNK", 100)
    published.clear()
    with pytest.raises(RuntimeError, match="disk on fire"):
        client_import.run(_thousand_rows(), "x.csv", {"phone": "phone", "name": "first_name",
                                                      "city": "var:city"})
    assert calls[0] == 500
    assert _snapshot() == before and published == []


def test_unexpected_error_while_writing_row_500_rolls_back_earlier_chunks(data_dir, monkeypatch,
                                                                          published):
    crm.create_field("city", "City", "text")
    cid = _existing_client()
    crm.set_value(cid, "city", "Original")
    before = _snapshot()
    real, written = importer._write_chunk, []

    def flaky(conn, ct, dt, vt, now, batch):
        if any(c["phone"] == "+79991000499" for c in batch.new_contacts):  # data row 500
            # the chunks before this one are in the database (inside the open transaction)
            written.append(conn.exec_driver_sql("SELECT count(*) FROM contact").scalar())
            raise RuntimeError("connection lost")
        return real(conn, ct, dt, vt, now, batch)

    monkeypatch.setattr(importer, "_write_chunk", flaky)
    monkeypatch.setattr(importer, "CHUNK", 100)
    published.clear()
    with pytest.raises(RuntimeError, match="connection lost"):
        client_import.run(_thousand_rows(), "x.csv", {"phone": "phone", "name": "first_name",
                                                      "city": "var:city"})
    assert written == [400]  # rows 1-400 were written: 1 existing client + 399 new ones
    assert _snapshot() == before and published == []


def test_progress_reports_and_cancel(data_dir):
    data = _thousand_rows() * 1
    calls = []
    client_import.run(data, "x.csv", {"phone": "phone"}, on_progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (1000, 1000) and all(t == 1000 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) == 2
    assert count(Contact) == 1000

    class Cancelled(Exception):
        pass

    def cancel(done, total):
        if done * 2 > total:  # in the write phase, after the first chunk was written
            raise Cancelled("operator pressed cancel")

    data2 = ("phone\n" + "\n".join(f"+7998{1000000 + i}" for i in range(3000))).encode()
    with pytest.raises(Cancelled):
        client_import.run(data2, "y.csv", {"phone": "phone"}, on_progress=cancel)
    assert count(Contact) == 1000


# -- speed: bounded number of statements --------------------------------------------------------
def _count_statements():
    counter = {"n": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        counter["n"] += 1  # an executemany counts once

    event.listen(db.engine(), "before_cursor_execute", before)
    return counter, lambda: event.remove(db.engine(), "before_cursor_execute", before)


def test_20k_rows_take_a_bounded_number_of_statements(data_dir):
    crm.create_field("city", "City", "text")
    crm.create_field("amount", "Amount", "number")
    rows = 20_000
    data = ("phone;first;city;amount\n" + "\n".join(
        f"+7 999 {i // 10000:03d}-{i // 100 % 100:02d}-{i % 100:02d};Имя {i};Город {i % 50};{i},5"
        for i in range(rows)) + "\n").encode()
    mapping = {"phone": "phone", "first": "first_name", "city": "var:city", "amount": "var:amount"}
    counter, stop = _count_statements()
    try:
        report = client_import.run(data, "big.csv", mapping)
        created_statements = counter["n"]
        counter["n"] = 0
        again = client_import.run(data, "big.csv", mapping)  # every row now updates a client
        updated_statements = counter["n"]
    finally:
        stop()
    chunks = rows // client_import.CHUNK
    assert (report.created, report.rejected, again.updated, again.created) == (rows, [], rows, 0)
    # per chunk: contacts (one multi-row INSERT), dialogs, values; a few reads up front
    assert created_statements <= 3 * chunks + 10, created_statements
    # per chunk: one executemany UPDATE, one DELETE + one INSERT of the values
    assert updated_statements <= 3 * chunks + 10, updated_statements
    assert count(Contact) == rows and count(Dialog) == rows and count(ContactValue) == 2 * rows
    c = _by_phone("+79990001234")
    assert (c.first_name, _values(c.id)) == ("Имя 1234", {"city": "Город 34", "amount": "1234.5"})


# -- XLSX ---------------------------------------------------------------------------------------
def _xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_import_with_typed_cells_and_gaps(data_dir):
    crm.create_field("born", "Born", "date")
    crm.create_field("vip", "VIP", "bool")
    crm.create_field("amount", "Amount", "number")
    data = _xlsx([["Phone", "Name", "Born", "VIP", "Amount"],
                  [79991234567, "Анна", datetime(1990, 5, 17), True, 1234.5],
                  [None, None, None, None, None],
                  [None, None, None, None, None],
                  [89991234568.0, "Иван", date(2001, 1, 2), False, 7],
                  ["bad", "X", None, None, None],
                  ["+79991234569", "Y", "not a date", None, None]])
    pv = client_import.preview(data, "base.xlsx")
    assert (pv.detected_encoding, pv.delimiter) == ("xlsx", "")
    assert pv.sample_rows[0] == ["79991234567", "Анна", "1990-05-17", "yes", "1234.5"]
    report = client_import.run(data, "upload.bin", pv.suggested_mapping)  # sniffed, not by name
    assert report == Report(created=2, rejected=[(6, "invalid phone number 'bad'"),
                                                 (7, "Born: not a date (use 2026-11-25 or 25.11.2026): "
                                                     "'not a date'")], total=4)
    anna = _by_phone("+79991234567")
    assert _values(anna.id) == {"born": "1990-05-17", "vip": "yes", "amount": "1234.5"}
    assert _values(_by_phone("+79991234568").id) == {"born": "2001-01-02", "vip": "no", "amount": "7"}


def _fields_and_tags():
    """The CRM fields and the Tag 2 option the round trip needs, in a base of its own."""
    crm.create_field("city", "Город", "text")
    crm.create_field("amount", "Сумма", "number")
    crm.create_field("born", "Дата рождения", "date")
    crm.create_field("vip", "VIP", "bool")
    crm.create_field("site", "Сайт", "link")
    crm.create_field("size", "Размер", "select", ["S", "M"])
    crm.add_tag2_option("Золото")


def _fill_base():
    _fields_and_tags()
    a, _ = crm.create_contact("+79991234567", "Анна", "Иванова")
    crm.set_tag1(a.id, "-горячий")
    crm.set_tag2(a.id, "Золото")
    crm.set_blacklisted(a.id, True)
    for key, value in {"city": "Нижний\nНовгород", "amount": "-1 234,5", "born": "17.05.1990",
                       "vip": "да", "site": "https://example.com/?q=1", "size": "m"}.items():
        crm.set_value(a.id, key, value)
    b, _ = crm.create_contact("+79991234568", "=HYPERLINK(\"http://evil\",\"x\")", "")
    crm.set_value(b.id, "amount", "42")
    crm.create_contact("+79991234569")
    return a.id, b.id


def _rows_without_ids(rows):
    return [r[1:7] + r[8:] for r in rows]  # id and subscription date differ between bases


def _switch_to_a_fresh_database(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "second"))
    settings.reset()
    db.reset_engine()
    db.migrate()


def _sheet_rows(data):
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]


def test_xlsx_round_trip(data_dir, monkeypatch, tmp_path):
    a, b = _fill_base()
    first = client_import.export_xlsx()
    rows = _sheet_rows(first)
    assert rows[0] == ["id", "phone", "first_name", "last_name", "tag1", "tag2", "blacklisted",
                       "subscribed", "city", "amount", "born", "vip", "site", "size"]
    assert rows[1][:7] == [a, "+79991234567", "Анна", "Иванова", "-горячий", "Золото", "yes"]
    assert isinstance(rows[1][7], datetime)
    assert rows[1][8:] == ["Нижний\nНовгород", -1234.5, datetime(1990, 5, 17), "yes",
                           "https://example.com/?q=1", "M"]
    wb = openpyxl.load_workbook(io.BytesIO(first))
    assert wb.worksheets[0].cell(row=3, column=3).data_type == "s"  # text, never a formula

    _switch_to_a_fresh_database(monkeypatch, tmp_path)
    _fields_and_tags()
    pv = client_import.preview(first, "export.xlsx")
    assert pv.suggested_mapping["id"] == "" and pv.suggested_mapping["blacklisted"] == ""
    assert pv.suggested_mapping["born"] == "var:born"
    report = client_import.run(first, "export.xlsx", pv.suggested_mapping)
    assert report == Report(created=3, total=3)
    second = client_import.export_xlsx()
    expected = _rows_without_ids(rows[1:])
    for r in expected:
        r[5] = "no"  # the blacklist is not imported
    assert _rows_without_ids(_sheet_rows(second)[1:]) == expected


def test_csv_export_bom_delimiter_formula_guard_and_filter(data_dir, monkeypatch, tmp_path):
    a, b = _fill_base()
    data = client_import.export_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:8] == client_import.EXPORT_BASE
    assert rows[1][1:7] == ["+79991234567", "Анна", "Иванова", "'-горячий", "Золото", "yes"]
    assert rows[1][8:] == ["Нижний\nНовгород", "-1234.5", "1990-05-17", "yes",
                           "https://example.com/?q=1", "M"]
    assert rows[2][2] == "'=HYPERLINK(\"http://evil\",\"x\")"  # Excel shows it, never runs it
    assert len(rows) == 4
    comma = client_import.export_csv(delimiter=",").decode("utf-8-sig")
    assert comma.splitlines()[0].startswith("id,phone,first_name")
    with pytest.raises(ClientImportError):
        client_import.export_csv(delimiter="|")
    only_a = list(csv.reader(io.StringIO(client_import.export_csv(Contact.blacklisted == True)  # noqa
                                         .decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in only_a[1:]] == [str(a)]
    by_dialog = client_import.export_csv(Dialog.bot_paused == False).decode("utf-8-sig")  # noqa
    assert len(list(csv.reader(io.StringIO(by_dialog), delimiter=";"))) == 4  # Dialog JOIN Contact
    # and it imports back, the "'" guard removed again
    _switch_to_a_fresh_database(monkeypatch, tmp_path)
    crm.create_field("city", "Город", "text")
    crm.add_tag2_option("Золото")
    report = client_import.run(data, "export.csv", client_import.preview(data, "e.csv").suggested_mapping)
    assert (report.created, report.rejected) == (3, [])
    assert _by_phone("+79991234568").first_name == "=HYPERLINK(\"http://evil\",\"x\")"
    assert _by_phone("+79991234567").tag1 == "-горячий"
    assert _values(_by_phone("+79991234567").id) == {"city": "Нижний\nНовгород"}


def test_export_streams_in_chunks(data_dir, monkeypatch):
    for i in range(25):
        crm.create_contact(f"+7999123{i:04d}")
    monkeypatch.setattr(export, "CHUNK", 10)
    counter, stop = _count_statements()
    try:
        parts = list(client_import.iter_export_csv())
    finally:
        stop()
    assert len(parts) >= 4  # BOM, then a piece per CHUNK rows
    text = b"".join(parts).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 26
    assert counter["n"] == 1 + 3  # the fields, then one query per 10 clients


def test_other_writers_are_not_blocked_while_the_file_is_checked(data_dir, monkeypatch):
    """On SQLite the import holds no lock while it checks rows: an inbound message (here a
    new dialog) commits meanwhile, and the import still commits after it."""
    monkeypatch.setattr(importer, "CHUNK", 100)
    others = []

    def meanwhile(done, total):
        if done * 2 < total:  # the checking half
            others.append(crm.create_contact(f"+7998000{len(others):04d}")[0].id)

    report = client_import.run(_thousand_rows(), "x.csv", {"phone": "phone"}, on_progress=meanwhile)
    assert report.created == 1000 and len(others) == 9
    assert count(Contact) == 1009


def test_export_with_a_compiled_filter(data_dir):
    from messenger_app.services import filters
    a, b = _fill_base()
    with db.session() as s:
        did = s.exec(select(Dialog.id).where(Dialog.contact_id == b)).one()
    crm.set_bot_paused(did, True)
    expr = filters.compile({"join": "or", "conditions": [
        {"field": "bot_paused", "op": "is_true"}, {"field": "blacklisted", "op": "is_true"}]})
    rows = list(csv.reader(io.StringIO(client_import.export_csv(expr).decode("utf-8-sig")),
                           delimiter=";"))
    assert sorted(int(r[0]) for r in rows[1:]) == [a, b]


def test_import_and_export_on_postgres(postgres):
    db.migrate()
    _crm_setup()
    existing_id = _existing_client()
    data = MESSY.encode("utf-8")
    mapping = client_import.preview(data, "x.csv").suggested_mapping
    assert client_import.run(data, "x.csv", mapping) == MESSY_REPORT
    _check_messy_result(existing_id)
    crm.create_field("born", "Born", "date")
    many = ("phone;born\n" + "\n".join(f"+7997{1000000 + i};{1 + i % 28}.02.2026"
                                       for i in range(2500))).encode()
    assert client_import.run(many, "m.csv", {"phone": "phone", "born": "var:born"}).created == 2500
    rows = list(csv.reader(io.StringIO(client_import.export_csv().decode("utf-8-sig")),
                           delimiter=";"))
    assert len(rows) == 1 + 4 + 2500 and rows[-1][-1] == "2026-02-08"
    assert _sheet_rows(client_import.export_xlsx())[-1][-1] == datetime(2026, 2, 8)
