"""Import a client base from CSV / XLSX (R6, L2) and export it back.

`preview()` reads the first rows and suggests which column goes where; `run()` imports:

* targets: "phone" (required), "first_name", "last_name", "tag1", "tag2", "var:<field key>",
  "" (ignore the column);
* a row with an empty / invalid phone or an invalid value is REJECTED with its row number and
  the reason, and nothing of it is written; the other rows still import;
* the same phone twice in the file: the later row is rejected ("duplicate of row N");
* a phone that a client already has: that client is updated with the row's non-empty mapped
  values (dedupe="update") or left alone (dedupe="skip");
* Tag 2 must be one of the existing options (matched ignoring case); an unknown value rejects
  the row — options are created deliberately in the settings, not by a typo in a file;
* ALL OR NOTHING: a file that cannot be read, a bad mapping or any unexpected error (also one
  raised by `on_progress`, which is how a caller cancels) writes nothing;
* every new client gets its empty Dialog so it shows in the list at once (L2); imported
  clients are not billed subscribers (B3) until they write.

Row numbers are the ones a spreadsheet shows: the header is row 1, blank lines count.
Speed: existing phones are loaded once into a dict, rows are written in chunks of CHUNK with
multi-row INSERTs / executemany, never a query per row.

Where each part lives: `reading` (the file), `mapping` (preview and the column plan),
`importer` (`run`) and `export`.
"""

from messenger_app.services.client_import.export import EXPORT_BASE, export_csv, export_xlsx, iter_export_csv
from messenger_app.services.client_import.importer import CHUNK, Report, run
from messenger_app.services.client_import.mapping import Preview, preview, suggest_mapping
from messenger_app.services.client_import.reading import ClientImportError

__all__ = ["CHUNK", "EXPORT_BASE", "ClientImportError", "Preview", "Report", "export_csv", "export_xlsx",
           "iter_export_csv", "preview", "run", "suggest_mapping"]
