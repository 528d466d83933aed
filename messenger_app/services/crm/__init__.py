"""The CRM side of a client (R1, R3, R5, R6, R7, L6, B3), one concept per module:

- values.py  cleaning text and reading typed values (numbers, dates, yes/no, links)
- fields.py  the fields ("variables") an admin defines
- card.py    a client's card: built-ins, values, blacklist, bot pause, a new client by phone
- tags.py    the Tag 2 options

Callers keep writing `crm.set_value(...)`, `crm.CrmError`: every public name is here.
"""

from messenger_app.services.crm.card import (BOT_PAUSERS, billed_subscribers, can_mail, card,
                                             create_contact, mailable_clause, set_blacklisted,
                                             set_bot_paused, set_name, set_phone, set_tag1, set_tag2,
                                             set_value, values_of)
from messenger_app.services.crm.fields import (create_field, delete_field, get_field, list_fields,
                                               reorder_fields, update_field)
from messenger_app.services.crm.tags import (add_tag2_option, delete_tag2_option, list_tag2_options,
                                             rename_tag2_option, reorder_tag2_options, tag2_canonical)
from messenger_app.services.crm.values import (KEY_RE, LABEL_MAX, NAME_MAX, OPTION_MAX, RESERVED_KEYS,
                                               TAG1_MAX, TAG2_MAX, TEXT_MAX, CrmError, Typed, clean_text,
                                               limited, parse_bool, parse_date, parse_link, parse_number,
                                               parse_value, raw_to_str)

__all__ = [
    "BOT_PAUSERS", "billed_subscribers", "can_mail", "card", "create_contact", "mailable_clause",
    "set_blacklisted", "set_bot_paused", "set_name", "set_phone", "set_tag1", "set_tag2", "set_value",
    "values_of", "create_field", "delete_field", "get_field", "list_fields", "reorder_fields",
    "update_field", "add_tag2_option", "delete_tag2_option", "list_tag2_options", "rename_tag2_option",
    "reorder_tag2_options", "tag2_canonical", "KEY_RE", "LABEL_MAX", "NAME_MAX", "OPTION_MAX",
    "RESERVED_KEYS", "TAG1_MAX", "TAG2_MAX", "TEXT_MAX", "CrmError", "Typed", "clean_text", "limited",
    "parse_bool", "parse_date", "parse_link", "parse_number", "parse_value", "raw_to_str",
]
