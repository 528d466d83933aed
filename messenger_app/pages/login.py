"""/login: operators sign in (X1)."""

import reflex as rx

from messenger_app.components.common import field_label, lang_marker, lang_switch, logo, tid
from messenger_app.states.auth import AuthState as S


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(logo("36px"), rx.heading(S.t["app_name"], size="6", as_="h1"), align="center",
                              spacing="3"),
                    rx.text(S.t["login_subtitle"], color_scheme="gray", size="2"),
                    rx.cond(S.login_error != "",
                            rx.callout(S.login_error, icon="triangle-alert", color_scheme="red",
                                       size="1", width="100%", role="alert",
                                       custom_attrs=tid("login-error"))),
                    field_label(S.t["username"], "login-username-input"),
                    rx.input(name="username", auto_focus=True, size="3", width="100%",
                             id="login-username-input",
                             auto_complete="username", custom_attrs=tid("login-username")),
                    field_label(S.t["password"], "login-password-input"),
                    rx.input(name="password", type="password", size="3", width="100%",
                             id="login-password-input",
                             auto_complete="current-password", custom_attrs=tid("login-password")),
                    rx.button(S.t["sign_in"], type="submit", size="3", width="100%",
                              margin_top="8px", custom_attrs=tid("login-submit")),
                    rx.center(lang_switch(S), width="100%", padding_top="8px"),
                    spacing="2", width="100%",
                ),
                on_submit=S.login,  # no form data: the browser posts it to /api/session
            ),
            width="min(380px, 92vw)", size="4",
        ),
        lang_marker(S),
        height="100dvh", background="var(--gray-a2)", role="main",
    )
