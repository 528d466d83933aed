"""Interface strings in English and Russian (X6). Keys are used by components via LangState.t."""

from messenger_app.i18n import a11y_strings as _a11y
from messenger_app.i18n import mailing_strings as _mailing
from messenger_app.i18n import scenario_strings as _scenarios
from messenger_app.i18n import bot_strings as _bot
from messenger_app.i18n import stats_strings as _stats
from messenger_app.i18n import channel_strings as _channels
from messenger_app.i18n import client_strings as _clients
from messenger_app.i18n import dialog_strings as _dialog
from messenger_app.i18n import error_strings as _errors
from messenger_app.i18n import left_panel_strings as _left_panel


# app-wide words: the app, sign-in, the dialog list's basics, roles, the navigation
EN = {
    "app_name": "Messenger",
    "login_title": "Sign in to Messenger",
    "login_subtitle": "One inbox for every channel",
    "username": "Username",
    "password": "Password",
    "sign_in": "Sign in",
    "logout": "Log out",
    "chats": "Chats",
    "dialog": "Dialog",
    "client": "Client",
    "all_chats": "All chats",
    "unread": "Unread",
    "search_placeholder": "Search by phone or name",
    "no_dialogs": "No dialogs yet",
    "no_results": "Nothing found",
    "load_more": "Load more",
    "role_admin": "Administrator",
    "role_operator": "Operator",
    "search_short": "Phone or name",
    "loading": "Loading…",
    "nav_inbox": "Inbox",
    "nav_templates": "Templates",
    "nav_channels": "Channels",
    "status_active": "active",
}

RU = {
    "app_name": "Мессенджер",
    "login_title": "Вход в Мессенджер",
    "login_subtitle": "Все каналы в одном окне",
    "username": "Логин",
    "password": "Пароль",
    "sign_in": "Войти",
    "logout": "Выйти",
    "chats": "Чаты",
    "dialog": "Диалог",
    "client": "Клиент",
    "all_chats": "Все чаты",
    "unread": "Непрочитанные",
    "search_placeholder": "Поиск по телефону или имени",
    "no_dialogs": "Диалогов пока нет",
    "no_results": "Ничего не найдено",
    "load_more": "Показать ещё",
    "role_admin": "Администратор",
    "role_operator": "Оператор",
    "search_short": "Телефон или имя",
    "loading": "Загрузка…",
    "nav_inbox": "Диалоги",
    "nav_templates": "Шаблоны",
    "nav_channels": "Каналы",
    "status_active": "активен",
}

# each area in its own module: the left panel, a dialog, channels, clients, refusals by code,
# accessible names and announcements, the mailings pages (B2), the scenario list and editor,
# the chat-bot, /stats (X9, B3)
for _area in (_left_panel, _dialog, _channels, _clients, _errors, _a11y, _mailing, _scenarios,
              _bot, _stats):
    EN.update(_area.EN)
    RU.update(_area.RU)

assert set(EN) == set(RU), set(EN) ^ set(RU)
LANGS = {"en": EN, "ru": RU}
