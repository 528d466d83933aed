"""Statistics (X9) and billed subscribers (B3), read from the hourly rollups.

Write path (each hook runs inside the transaction of the write it counts):
- inbox._store        -> received(conn, messages, unbilled) the rows it wrote, before first_message_at is set
- inbox._new_identity -> contact_created(conn, contact_id)
- crm.create_contact / client_import -> contact_created(...) / contacts_created(conn, at, n)
- outbox.queue        -> queued(conn, message_id)        also times a human reply
- merge.merge / undo  -> regroup_start(s, dialogs, contacts) … regroup_end(s, token)
- the bot runtime     -> handed_over(conn, dialog_id, at) (the first response is timed from it)

Response times. Per dialog, in time order (notes never count; bot and mailing messages do
not stop the clock): a client message starts the clock if it is not running; a bot hand-over
(re)starts it and makes the next human reply a *first response* again; a human reply
(sender "operator", no origin) stops a running clock and is recorded as the first response
(the first human answer since the dialog began or since the last hand-over) or as a reply
time. A human message with no client waiting records nothing.

Times are counted in bins (exact seconds under a minute, then 5 s / 15 s / 1 min / 5 min /
15 min / 1 h steps) whose edges include the distribution's edges, so the distribution is
exact and the median / p90 are exact to one bin (≤ 8 % of the value).

Rebuild: `python -m messenger_app.services.stats rebuild` recomputes the metrics derived from
messages and contacts (rollups.OWNED) from the tables, and the per-day tables for the
reporting zone (rollup_days); bot and mailing figures stay.

Modules: times (bins, percentiles), hooks (the write path), timeline (what a dialog / a client
contributes: merge and undo), rebuild, zones (the reporting zone, local days), report (the
figures of /stats), billed (B3). Everything is re-exported here.
"""

from messenger_app.services.stats.billed import billed
from messenger_app.services.stats.hooks import (contact_created, contacts_created, handed_over, queued,
                                                received)
from messenger_app.services.stats.rebuild import rebuild
from messenger_app.services.stats.report import Report, report
from messenger_app.services.stats.timeline import _contact_cells, _dialog_cells, regroup_end, regroup_start
from messenger_app.services.stats.times import DISTRIBUTION, Times, bin_of, bin_width, times
from messenger_app.services.stats.zones import (MAX_DAYS, StatsError, day_bounds, server_zone, valid_zone,
                                                zone_of, zones)

__all__ = ["DISTRIBUTION", "MAX_DAYS", "Report", "StatsError", "Times", "_contact_cells", "_dialog_cells",
           "billed", "bin_of", "bin_width", "contact_created", "contacts_created", "day_bounds",
           "handed_over", "queued", "rebuild", "received", "regroup_end", "regroup_start", "report",
           "server_zone", "times", "valid_zone", "zone_of", "zones"]
