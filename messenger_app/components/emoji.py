"""The composer's emoji picker (C5): a popover with common emoji in a few categories.

The grid is static HTML: a click on any `[data-emoji]` button is handled in
assets/composer.js, which inserts it at the textarea's cursor (no server round trip).
"""

import reflex as rx

from messenger_app.components.common import tid

CATEGORIES = [
    ("smileys", "smile", "😀 😃 😄 😁 😆 😅 😂 🤣 🙂 😉 😊 😇 🥰 😍 🤩 😘 😋 😛 😜 🤪 🤗 🤭 🤫 🤔 "
                         "😐 😑 😶 🙄 😏 😬 😌 😔 😪 😴 😷 🤒 🥳 😎 🤓 🧐 😕 😟 🙁 😮 😲 😳 🥺 "
                         "😢 😭 😱 😖 😞 😓 😩 😫 😤 😡 🤯 🥲"),
    ("gestures", "hand", "👍 👎 👌 ✌️ 🤞 🤟 🤘 🤙 👈 👉 👆 👇 ☝️ ✋ 🤚 🖐️ 🖖 👋 👏 🙌 👐 🤲 🤝 "
                         "🙏 💪 ✍️ 🫶 🤌 👀 🧠 💁 🙋 🙆 🙅 🤷 🤦"),
    ("hearts", "heart", "❤️ 🧡 💛 💚 💙 💜 🖤 🤍 🤎 💔 ❣️ 💕 💞 💓 💗 💖 💘 💝 ✨ ⭐ 🌟 🔥 💯 "
                        "✅ ☑️ ❌ ❗ ❓ ⚠️ 🎉 🎊 🎁 🏆 🥇 💡 📌 📎 🔔"),
    ("things", "package", "📦 🚚 🛒 🛍️ 💳 💰 💵 🧾 📞 📱 💻 ✉️ 📧 📅 ⏰ ⏳ 🕐 📍 🏠 🏪 🚗 ✈️ "
                          "☕ 🍕 🍰 🎂 🌹 💐 🌞 🌧️ ❄️ 👕 👗 👟 💄 🔑 🔧 📝"),
]


def _grid(chars: str) -> rx.Component:
    return rx.el.div(
        *[rx.el.button(c, type="button", class_name="msg-emoji", title=c,
                       custom_attrs={"data-emoji": c, "data-testid": "emoji-item"})
          for c in chars.split()],
        class_name="msg-emoji-grid",
    )


def emoji_picker(t) -> rx.Component:
    """`t`: the state's strings (S.t)."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(rx.icon("smile-plus", size=20), variant="ghost", type="button",
                           color_scheme="gray", title=t["emoji_picker"], aria_label=t["emoji_picker"],
                           custom_attrs=tid("composer-emoji")),
        ),
        rx.popover.content(
            rx.tabs.root(
                rx.tabs.list(
                    *[rx.tabs.trigger(rx.icon(icon, size=16), value=key, title=t[f"emoji_{key}"],
                                      aria_label=t[f"emoji_{key}"])
                      for key, icon, _ in CATEGORIES],
                    size="1",
                ),
                *[rx.tabs.content(_grid(chars), value=key, padding_top="8px")
                  for key, _, chars in CATEGORIES],
                default_value=CATEGORIES[0][0],
            ),
            side="top", align="start", width="min(336px, calc(100vw - 24px))", padding="10px",
            # keep the cursor where it was in the textarea
            on_open_auto_focus=rx.prevent_default,
            on_close_auto_focus=rx.prevent_default,
            custom_attrs=tid("emoji-picker"),
        ),
    )
