"""/contacts in a real browser: new client, a messy CSV import with its report, search and
pages over the imported clients, opening a client's dialog, CSV/XLSX export."""

import io
import re

from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS_DIR, ROOT, goto, hydrated_after, path_of_url
from tests.e2e.crm_helpers import add_crm_field, add_tag2_option, fresh_phone, letters, new_client
from tests.e2e.waits import settled

SHOTS = SHOTS_DIR
NAMES = ["Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Зоя", "Илья", "Кира", "Лев"]


def test_new_client_refuses_a_bad_number(operator):
    goto(operator, "/contacts")
    operator.get_by_test_id("contacts-new-open").click()
    operator.get_by_test_id("contacts-new-phone").fill("12-34")
    operator.get_by_test_id("contacts-new-submit").click()
    expect(operator.get_by_test_id("contacts-new-error")).to_be_visible()
    assert path_of_url(operator.url) == "/contacts"


def _choose_file(page, name: str, data: bytes, mime: str = "text/csv") -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("import-choose").click()
    chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


def _mapping(page, column: str):
    return page.locator(f'[data-testid="import-mapping-row"][data-column="{column}"]')


def test_messy_csv_import_search_pages_and_export(operator):
    s = letters()
    family = f"Тестов{s}"
    add_crm_field(operator, f"Town {s}", f"town_{s}", "text")
    add_crm_field(operator, f"Orders {s}", f"orders_{s}", "number")
    gold = f"Gold{s}"
    add_tag2_option(operator, gold)
    existing_typed, existing = fresh_phone()
    did = new_client(operator, existing_typed, "Old", "Name")

    first_typed, first = fresh_phone()
    rows = [
        f"Телефон;Имя;Фамилия;Тег 1;Тег 2;City;Orders {s};Мусор",  # 1: header, Cyrillic
        f"{first_typed};Алёна;Ёлкина{s};VIP;{gold.lower()};Москва;3;x",  # 2: created
        "12345;Bad;Phone;;;;;",  # 3: invalid phone
        f"{first_typed.replace('+7', '8')};Dup;Row;;;;;",  # 4: duplicate of row 2
        "",  # 5: blank line (counts in the numbering)
        ";No;Phone;;;;;",  # 6: no phone
        f"{existing.replace('+7', '8 ')};Пётр;Обновлёнов;;;;;",  # 7: an existing client: updated
        f"{fresh_phone()[0]};Ivan;Unknown;;NoSuchTag;;;",  # 8: unknown Tag 2 option
        f"{fresh_phone()[0]};Olga;Numbers;;;;many;",  # 9: not a number
    ]
    rows += [f"{fresh_phone()[0]};{NAMES[i % len(NAMES)]};{family};{'опт' if i % 4 == 0 else ''};"
             f"{gold if i % 3 == 0 else ''};;{i};" for i in range(53)]  # rows 10..62
    data = ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")

    goto(operator, "/contacts")
    operator.get_by_test_id("import-open").click()
    _choose_file(operator, "клиенты.csv", data)
    expect(operator.get_by_test_id("import-mapping")).to_be_visible()
    # headers in Russian are recognised; an unknown one is left out
    for column, target in (("Телефон", "phone"), ("Имя", "first_name"), ("Фамилия", "last_name"),
                           ("Тег 1", "tag1"), ("Тег 2", "tag2"), (f"Orders {s}", f"var:orders_{s}"),
                           ("City", "__skip__"), ("Мусор", "__skip__")):
        expect(_mapping(operator, column)).to_have_attribute("data-target", target)
    # "City" goes to the CRM field "Town" by hand
    _mapping(operator, "City").get_by_test_id("import-map-select").click()
    operator.locator(f'[data-testid="import-map-option"][data-value="var:town_{s}"]').click()
    expect(_mapping(operator, "City")).to_have_attribute("data-target", f"var:town_{s}")

    operator.get_by_test_id("import-run").click()
    report = operator.get_by_test_id("import-report")
    expect(report).to_be_visible(timeout=30_000)
    expect(operator.get_by_test_id("import-created")).to_have_text("54")
    expect(operator.get_by_test_id("import-updated")).to_have_text("1")
    expect(operator.get_by_test_id("import-skipped")).to_have_text("0")
    expect(operator.get_by_test_id("import-rejected")).to_have_text("5")
    rejected = operator.get_by_test_id("import-rejected-row")
    assert [rejected.nth(i).get_attribute("data-row") for i in range(rejected.count())] == \
        ["3", "4", "6", "8", "9"]
    expect(operator.locator('[data-testid="import-rejected-row"][data-row="4"]')).to_contain_text("row 2")
    SHOTS.mkdir(exist_ok=True)
    settled(operator)
    operator.screenshot(path=str(SHOTS / "import-report.png"))
    operator.get_by_test_id("import-close").click()
    expect(report).to_be_hidden()

    # search by name (Cyrillic) and by the phone in another format
    search = operator.get_by_test_id("contacts-search")
    search.fill(f"Ёлкина{s}")
    row = operator.get_by_test_id("contact-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("contact-row-name")).to_have_text(f"Алёна Ёлкина{s}")
    expect(row.get_by_test_id("contact-row-tags")).to_contain_text("VIP")
    expect(row.get_by_test_id("contact-row-tags")).to_contain_text(gold)  # canonical case
    digits = first[-7:]
    search.fill(f"{digits[:3]}-{digits[3:5]} {digits[5:]}")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("contact-row-name")).to_have_text(f"Алёна Ёлкина{s}")
    search.fill(existing[-10:])
    expect(row.get_by_test_id("contact-row-name")).to_have_text("Пётр Обновлёнов")  # updated

    # 53 clients of one family: two pages of 50
    search.fill(family)
    expect(operator.get_by_test_id("contacts-count")).to_have_text("1–50 / 53")
    expect(row).to_have_count(50)
    operator.get_by_test_id("contacts-next").click()
    expect(operator.get_by_test_id("contacts-count")).to_have_text("51–53 / 53")
    expect(row).to_have_count(3)
    operator.get_by_test_id("contacts-prev").click()
    expect(row).to_have_count(50)
    operator.mouse.move(5, 5)
    settled(operator)
    operator.screenshot(path=str(SHOTS / "contacts.png"))

    # export what the search shows: CSV (BOM, ";") and XLSX
    with operator.expect_download() as got:
        operator.get_by_test_id("export-csv").click()
    text = open(got.value.path(), "rb").read().decode("utf-8")
    assert text.startswith("\ufeffid;phone;first_name;last_name;tag1;tag2;blacklisted;subscribed")
    lines = [ln for ln in text.splitlines()[1:] if ln]
    assert len(lines) == 53 and all(family in ln for ln in lines)
    header = text.splitlines()[0].split(";")
    assert f"orders_{s}" in header and f"town_{s}" in header

    search.fill("")
    expect(operator.get_by_test_id("contacts-count")).not_to_have_text("1–50 / 53")
    with operator.expect_download() as got:
        operator.get_by_test_id("export-xlsx").click()
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(open(got.value.path(), "rb").read()), read_only=True)
    cells = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert cells[0][:3] == ["id", "phone", "first_name"]
    by_phone = {r[1]: r for r in cells[1:]}
    assert by_phone[first][2:6] == ["Алёна", f"Ёлкина{s}", "VIP", gold]
    assert by_phone[existing][2] == "Пётр"

    # a row opens that client's dialog in the inbox
    search.fill(f"Ёлкина{s}")
    expect(row).to_have_count(1)
    before = operator._e2e_hydration.count
    row.click()
    operator.wait_for_url(lambda u: path_of_url(u) == "/" and "dialog=" in u)
    hydrated_after(operator, before)
    expect(operator.get_by_test_id("card-name")).to_contain_text(f"Алёна Ёлкина{s}")
    town = operator.locator(f'[data-testid="card-var"][data-name="town_{s}"]')
    expect(town.get_by_test_id("card-edit-value")).to_have_text("Москва")
    expect(operator.get_by_test_id("card-tag2")).to_have_text(gold)
    assert did  # the client created before the import was updated, not duplicated


def test_import_of_a_file_that_is_not_a_table(operator):
    goto(operator, "/contacts")
    operator.get_by_test_id("import-open").click()
    _choose_file(operator, "empty.csv", b"   \r\n")
    expect(operator.get_by_test_id("import-error")).to_be_visible()
    expect(operator.get_by_test_id("import-mapping")).to_have_count(0)
    _choose_file(operator, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64,
                 "application/vnd.ms-excel")
    expect(operator.get_by_test_id("import-error")).to_contain_text(re.compile("xls", re.I))


def test_contacts_page_on_a_phone(new_context):
    from tests.e2e.conftest import login

    phone = login(new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True))
    goto(phone, "/contacts")
    for name in ("contacts-search", "contacts-new-open", "import-open", "export-csv"):
        box = phone.get_by_test_id(name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    phone.get_by_test_id("import-open").click()
    box = phone.get_by_test_id("import-dialog").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    settled(phone)
    phone.screenshot(path=str(SHOTS / "contacts-phone.png"))
