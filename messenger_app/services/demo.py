"""Demo data for the first run: a few dozen clients over several channels, so the screen
looks alive. Only runs on an empty database (DEMO_DATA=1)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Channel, ChannelIdentity, Contact, Dialog, Message
from messenger_app.lib import phones
from messenger_app.services.inbox import preview_of

FIRST = ["Анна", "Иван", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Алексей", "Наталья",
         "Павел", "Olivia", "James", "Sofia", "Liam", "Emma", "Noah", "Татьяна", "Михаил"]
LAST = ["Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Морозова", "Новиков",
        "Smith", "Johnson", "Brown", "Garcia", "Волкова", "Фёдоров"]
INBOUND = ["Здравствуйте! Подскажите, пожалуйста, стоимость доставки в Казань?",
           "Hi! Is the blue jacket still available in size M?",
           "Спасибо, всё получила 👍", "Can I change the delivery address for order #4512?",
           "Добрый день. Когда будет поступление?", "Do you work on weekends?",
           "Хочу записаться на пятницу после 18:00", "The payment link doesn't open on my phone",
           "А можно оплатить при получении?", "Thanks a lot, that was quick!"]
OUTBOUND = ["Добрый день! Доставка в Казань — 350 ₽, 2–3 дня.", "Yes, it is! Shall I reserve one for you?",
            "Записали вас на пятницу, 18:30 ✅", "Sure — send me the new address and I'll update it.",
            "Да, оплата при получении доступна.", "We're open on Saturdays from 10 to 16."]
KINDS = [("widget", "Website chat"), ("telegram", "Telegram (demo)"), ("whatsapp", "WhatsApp (demo)"),
         ("vk", "VK (demo)"), ("viber", "Viber (demo)"), ("sms", "SMS (demo)"), ("email", "E-mail (demo)")]


def seed_if_empty(clients: int = 36, seed: int = 7) -> bool:
    with db.session() as s:
        if s.exec(select(Contact.id).limit(1)).first() is not None:
            return False
        rnd = random.Random(seed)
        chans = {}
        for kind, name in KINDS:
            ch = s.exec(select(Channel).where(Channel.kind == kind)).first()
            if ch is None:
                # demo channels of kinds without credentials stay disabled: nothing is sent
                ch = Channel(kind=kind, name=name, enabled=kind == "widget")
                s.add(ch)
                s.flush()
            chans[kind] = ch
        now = utcnow()
        for i in range(clients):
            named = i % 7 != 3
            e164 = phones.normalize(f"+7999{1000000 + i * 7919 % 8999999:07d}")
            c = Contact(first_name=rnd.choice(FIRST) if named else "",
                        last_name=rnd.choice(LAST) if named else "", phone=e164, phone_raw=e164,
                        phone_digits=phones.digits(e164),
                        created_at=now - timedelta(days=rnd.randint(1, 400)))
            s.add(c)
            s.flush()
            d = Dialog(contact_id=c.id, created_at=c.created_at, activity_at=c.created_at)
            s.add(d)
            s.flush()
            if i % 12 == 11:  # L2: a client without messages yet
                continue
            kinds = rnd.sample([k for k, _ in KINDS], k=rnd.choice([1, 1, 2]))
            idents = {}
            for k in kinds:
                ident = ChannelIdentity(contact_id=c.id, channel_id=chans[k].id,
                                        external_id=f"demo-{k}-{i}",
                                        display_name=f"{c.first_name} {c.last_name}".strip())
                s.add(ident)
                s.flush()
                idents[k] = ident
            count = rnd.randint(2, 9)
            steps = [timedelta(minutes=rnd.randint(1, 180)) for _ in range(count)]
            t = now - timedelta(minutes=rnd.randint(3, 60 * 24 * 6)) - sum(steps, timedelta())
            last = None
            for j in range(count):
                k = rnd.choice(kinds)
                inbound = j % 2 == 0 or rnd.random() < 0.3
                text = rnd.choice(INBOUND if inbound else OUTBOUND)
                m = Message(dialog_id=d.id, contact_id=c.id, identity_id=idents[k].id,
                            channel_id=chans[k].id, channel_kind=k,
                            direction="in" if inbound else "out",
                            sender_kind="client" if inbound else "operator",
                            text=text, status="received" if inbound else "sent",
                            external_id=f"demo-{i}-{j}", created_at=t, sent_at=t, updated_at=t)
                s.add(m)
                last = m
                t += steps[j]
            c.first_message_at = c.created_at
            d.last_message_at = d.activity_at = last.created_at
            d.last_preview = preview_of(last.text)
            d.last_channel_kind = last.channel_kind
            d.last_direction = last.direction
            d.unread_count = rnd.choice([0, 0, 0, 1, 2, 3]) if last.direction == "in" else 0
            s.add_all([c, d])
        s.commit()
    _crm_and_folders(rnd)
    return True


def _crm_and_folders(rnd: random.Random) -> None:
    """Folders, tags, CRM fields, templates and a few dialogs with an operator (R5), so
    every part of the screen has something to show."""
    from messenger_app.services import crm, folders, templates

    with db.session() as s:
        rows = s.exec(select(Dialog.id, Dialog.contact_id).order_by(Dialog.id)).all()
    vip, wholesale, _ = (folders.create("VIP"), folders.create("Wholesale", sound=False),
                         folders.create("Returns and complaints", push=False))
    for opt in ("hot", "warm", "cold"):
        crm.add_tag2_option(opt)
    crm.create_field("city", "City")
    crm.create_field("budget", "Budget, ₽", "number")
    crm.create_field("birthday", "Birthday", "date")
    crm.create_field("segment", "Segment", "select", ["retail", "b2b", "partner"])
    cities = ["Москва", "Казань", "Санкт-Петербург", "Новосибирск", "London"]
    for i, (dialog_id, contact_id) in enumerate(rows):
        if i % 3 == 0:
            folders.set_contact_folders(contact_id, [vip.id] + ([wholesale.id] if i % 6 == 0 else []))
        if i % 4 == 1:
            crm.set_tag1(contact_id, rnd.choice(["VIP", "wholesale", "new", "returning"]))
        if i % 3 == 1:
            crm.set_tag2(contact_id, rnd.choice(["hot", "warm", "cold"]))
        if i % 2 == 0:
            crm.set_value(contact_id, "city", rnd.choice(cities))
            crm.set_value(contact_id, "budget", str(rnd.randrange(5, 300) * 1000))
            crm.set_value(contact_id, "segment", rnd.choice(["retail", "b2b", "partner"]))
        if i % 9 == 4:
            crm.set_bot_paused(dialog_id, True, by="bot")
        if i % 17 == 16:
            crm.set_blacklisted(contact_id, True)
    templates.create("Greeting", "Здравствуйте, {first_name}! Чем можем помочь?")
    templates.create("Delivery", "Доставка в {city} — 1–3 дня, бесплатно от 5000 ₽.")
    templates.create("Thanks", "Thank you, {first_name}! Have a great day 🙂")
