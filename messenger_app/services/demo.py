"""Demo data for the first run: the clients of a small outdoor-clothing shop over several
channels, so the screen looks alive. Only runs on an empty database (DEMO_DATA=1).

One data set per interface language (DEMO_LANG=en|ru): each client has one consistent name
(a Russian surname agrees with the first name), one language, one conversation that makes
sense from start to end, and folders, tags, CRM fields and templates named as a real shop
would name them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Channel, ChannelIdentity, Contact, Dialog, Message
from messenger_app.lib import phones
from messenger_app.services.inbound_batch import preview_of


@dataclass(frozen=True)
class DemoSet:
    people: list[tuple[str, str]]  # (first name, last name); "" = a client known by number only
    talks: list[list[str]]  # conversations: "> " the client, "< " the operator, in order
    channels: dict[str, str]  # kind -> the channel's name
    folders: tuple[str, str, str]  # VIP, wholesale, returns
    tag1: list[str]
    tag2: list[str]
    fields: list[tuple[str, str, str, list[str]]]  # key, label, type, options
    cities: list[str]
    companies: list[str]
    templates: list[tuple[str, str]]


RU = DemoSet(
    people=[("Анна", "Смирнова"), ("Иван", "Петров"), ("Мария", "Кузнецова"), ("", ""),
            ("Дмитрий", "Соколов"), ("Елена", "Морозова"), ("Сергей", "Волков"),
            ("Ольга", "Петрова-Сидорова"), ("Алексей", "Новиков"), ("Наталья", "Фёдорова"),
            ("", ""), ("Павел", "Лебедев"), ("Татьяна", "Егорова"), ("Михаил", "Козлов"),
            ("Екатерина", "Орлова"), ("Андрей", "Никитин"), ("", ""), ("Юлия", "Захарова"),
            ("Николай", "Белов"), ("Светлана", "Григорьева"), ("Артём", "Киселёв"),
            ("Ирина", "Макарова"), ("", ""), ("Максим", "Андреев"), ("Ксения", "Романова"),
            ("Роман", "Зайцев"), ("Дарья", "Павлова"), ("Владимир", "Семёнов"), ("", ""),
            ("Виктория", "Голубева"), ("Георгий", "Виноградов"), ("Полина", "Богданова"),
            ("Евгений", "Воробьёв"), ("Алина", "Фролова"), ("", ""), ("Кирилл", "Медведев")],
    talks=[
        ["> Здравствуйте! Подскажите, сколько стоит доставка в Казань?",
         "< Добрый день! Доставка в Казань — 350 ₽, 2–3 дня. От 5000 ₽ бесплатно.",
         "> Отлично, тогда оформлю заказ сегодня вечером.",
         "< Будем ждать! Если что-то подсказать по размеру — пишите."],
        ["> Добрый день. Куртка «Норд» синяя в размере M ещё есть?",
         "< Здравствуйте! Да, осталось две штуки. Отложить для вас?",
         "> Да, пожалуйста, заберу завтра после работы.",
         "< Отложили до завтра 21:00, магазин на Лесной, 12."],
        ["> Можно оплатить при получении?",
         "< Да, оплата картой или наличными курьеру.",
         "> Спасибо!"],
        ["> Хочу вернуть ботинки, не подошёл размер. Как это сделать?",
         "< Сочувствуем! Вернуть можно в течение 14 дней: принесите их в магазин или отправьте СДЭКом.",
         "> А деньги вернутся на карту?",
         "< Да, в течение 3–5 рабочих дней после получения.",
         "> Хорошо, отправлю в понедельник."],
        ["> Когда будет поступление термобелья детского?",
         "< Ждём на следующей неделе, в четверг. Написать вам, когда привезут?",
         "> Да, спасибо, буду ждать."],
        ["> Здравствуйте, у нас турклуб, хотим закупить 20 палаток. Есть оптовые цены?",
         "< Здравствуйте! Да, от 10 штук скидка 15%. Пришлю прайс на почту — какой адрес?",
         "> Вот почта: info@turclub-vershina.ru",
         "< Отправили прайс и договор. Менеджер Ольга позвонит завтра до обеда."],
        ["> Заказ 4512 ещё не пришёл, хотя обещали вчера 😕",
         "< Извините за задержку! Проверили: посылка в вашем пункте выдачи с сегодняшнего утра.",
         "> Посылку забрали, спасибо 👍"],
        ["> Хочу записаться на примерку в пятницу после 18:00",
         "< Записали вас на пятницу, 18:30 ✅ Адрес: Лесная, 12.",
         "> Спасибо, до встречи!"],
        ["> Ссылка на оплату не открывается с телефона",
         "< Сейчас проверим. Попробуйте, пожалуйста, эту: pay.nord-veter.ru/4618",
         "> Теперь открылась, оплата прошла."],
        ["> Вы работаете в выходные?",
         "< Да, в субботу и воскресенье с 10 до 18."],
        ["> Подскажите, спальник до −10 подойдёт для похода в мае на Алтай?",
         "< Для мая на Алтае лучше комфорт до −5 и ниже: ночью бывает холодно. «Полюс −10» — хороший выбор.",
         "> Ясно, тогда беру его. Доставка в Барнаул есть?",
         "< Есть, 2–4 дня, 390 ₽."],
        ["> Добрый вечер! Подарочные сертификаты у вас есть?",
         "< Есть, на 3000, 5000 и 10000 ₽, электронные и пластиковые.",
         "> Электронный на 5000, пожалуйста."],
        ["> Здравствуйте! Есть ли треккинговые палки полегче, до 500 г за пару?",
         "< Есть карбоновые «Лайт», 420 г за пару, 6900 ₽.",
         "> А в красном цвете бывают?"],
        ["> Добрый день, можно поменять размер у заказа 4703 с L на XL?",
         "< Конечно, поменяли. Сумма та же, доставка в тот же день.",
         "> Спасибо большое!"],
        ["> Куртку постирали по инструкции, а мембрана промокает. Это гарантийный случай?",
         "< Очень жаль! Пришлите, пожалуйста, фото ярлыка и места, где промокает.",
         "> Фото отправлены на почту, посмотрите, пожалуйста."],
        ["> Сколько стоит аренда палатки на выходные?",
         "< Двухместная — 900 ₽ за выходные, залог 5000 ₽.",
         "> Можно забронировать на 14–16 число?"],
    ],
    channels={"widget": "Чат на сайте", "telegram": "Telegram-бот магазина",
              "whatsapp": "WhatsApp магазина", "vk": "Сообщество ВКонтакте", "viber": "Viber магазина",
              "sms": "SMS-рассылка", "email": "Почта магазина"},
    folders=("VIP", "Опт", "Возвраты и жалобы"),
    tag1=["постоянный", "новый", "опт", "турклуб"],
    tag2=["горячий", "тёплый", "холодный"],
    fields=[("city", "Город", "text", []), ("budget", "Бюджет, ₽", "number", []),
            ("birthday", "День рождения", "date", []),
            ("segment", "Сегмент", "select", ["розница", "опт", "партнёр"]),
            ("company", "Компания", "text", [])],
    cities=["Москва", "Казань", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Барнаул"],
    companies=["Турклуб «Вершина»", "ООО «Север-Трек»", "ИП Волков С. А.", "Школа альпинизма «Пик»"],
    templates=[("Приветствие", "Здравствуйте, {first_name}! Чем можем помочь?"),
               ("Доставка", "Доставка в {city} — 1–3 дня, бесплатно от 5000 ₽."),
               ("Спасибо", "Спасибо, {first_name}! Хорошего дня 🙂")],
)

EN = DemoSet(
    people=[("Emma", "Wilson"), ("James", "Carter"), ("Olivia", "Bennett"), ("", ""),
            ("Liam", "Foster"), ("Sophia", "Hughes"), ("Noah", "Mitchell"),
            ("Mary-Jane", "Watson-Clarke"), ("Ethan", "Brooks"), ("Ava", "Russell"), ("", ""),
            ("Lucas", "Gray"), ("Mia", "Sanders"), ("Henry", "Price"), ("Grace", "Howard"),
            ("Jack", "Coleman"), ("", ""), ("Chloe", "Perry"), ("Daniel", "Ward"),
            ("Lily", "Fisher"), ("Samuel", "Reed"), ("Zoe", "Barnes"), ("", ""),
            ("Oliver", "Hayes"), ("Ella", "Morgan"), ("Thomas", "Kelly"), ("Amelia", "Powell"),
            ("William", "Long"), ("", ""), ("Isla", "Patterson"), ("George", "Hill"),
            ("Ruby", "Stewart"), ("Harry", "Murphy"), ("Freya", "Cooper"), ("", ""),
            ("Oscar", "Bailey")],
    talks=[
        ["> Hi! How much is delivery to Manchester?",
         "< Hello! Delivery to Manchester is £4.50, 2–3 days, free over £60.",
         "> Great, I'll place the order tonight.",
         "< Looking forward to it! Ask me anything about sizes."],
        ["> Hello, is the blue Nord jacket still available in size M?",
         "< Hi! Yes, two left. Shall I reserve one for you?",
         "> Yes please, I'll pick it up tomorrow after work.",
         "< Reserved until 9 pm tomorrow, shop at 12 Forest Lane."],
        ["> Can I pay on delivery?",
         "< Yes, by card or cash to the courier.",
         "> Thanks!"],
        ["> I'd like to return my boots, wrong size. How do I do that?",
         "< Sorry to hear that! You have 14 days: bring them to the shop or send them with the prepaid label.",
         "> Will the money go back to my card?",
         "< Yes, within 3–5 working days after we receive them.",
         "> OK, I'll send them on Monday."],
        ["> When will kids' thermal underwear be back in stock?",
         "< Next Thursday. Shall I message you when it arrives?",
         "> Yes, that would be great."],
        ["> Hello, we're a hiking club and want 20 tents. Do you have trade prices?",
         "< Hello! Yes, 15% off from 10 items. I'll e-mail the price list — which address?",
         "> Here it is: office@summit-hikers.org",
         "< Price list and contract sent. Our manager Olga will call you tomorrow morning."],
        ["> Order 4512 hasn't arrived, it was due yesterday 😕",
         "< Sorry for the delay! It has been at your pick-up point since this morning.",
         "> Got it, thank you 👍"],
        ["> Can I book a fitting on Friday after 6 pm?",
         "< Booked for Friday, 6:30 pm ✅ 12 Forest Lane.",
         "> Thanks, see you then!"],
        ["> The payment link doesn't open on my phone",
         "< Let me check. Please try this one: pay.northwind-outdoor.com/4618",
         "> It works now, paid."],
        ["> Are you open at weekends?",
         "< Yes, Saturday and Sunday 10 am to 6 pm."],
        ["> Is a −10 °C sleeping bag fine for a May trip to Scotland?",
         "< For the Highlands in May −5 °C comfort or lower is best: nights get cold. The Polar −10 is a good choice.",
         "> Got it, I'll take it. Do you deliver to Inverness?",
         "< We do, 2–4 days, £5.90."],
        ["> Good evening! Do you sell gift cards?",
         "< We do: £25, £50 and £100, e-cards or plastic.",
         "> A £50 e-card, please."],
        ["> Hi! Do you have lighter trekking poles, under 500 g a pair?",
         "< We have the carbon Lite poles, 420 g a pair, £69.",
         "> Do they come in red?"],
        ["> Hello, can I change the size on order 4703 from L to XL?",
         "< Of course, done. Same price, same delivery day.",
         "> Thank you so much!"],
        ["> I washed my jacket as the label says and now the membrane leaks. Is that covered?",
         "< So sorry! Please send a photo of the label and of where it leaks.",
         "> I've e-mailed the photos, please have a look."],
        ["> How much is it to rent a tent for the weekend?",
         "< A two-person tent is £12 for the weekend, £60 deposit.",
         "> Can I book one for the 14th to the 16th?"],
    ],
    channels={"widget": "Website chat", "telegram": "Shop Telegram bot", "whatsapp": "Shop WhatsApp",
              "vk": "VK community", "viber": "Shop Viber", "sms": "SMS gateway",
              "email": "Shop mailbox"},
    folders=("VIP", "Wholesale", "Returns and complaints"),
    tag1=["regular", "new", "wholesale", "hiking club"],
    tag2=["hot", "warm", "cold"],
    fields=[("city", "City", "text", []), ("budget", "Budget, £", "number", []),
            ("birthday", "Birthday", "date", []),
            ("segment", "Segment", "select", ["retail", "wholesale", "partner"]),
            ("company", "Company", "text", [])],
    cities=["London", "Manchester", "Edinburgh", "Bristol", "Leeds", "Inverness"],
    companies=["Summit Hikers Club", "North Trek Ltd", "Peak Climbing School", "Trail & Co"],
    templates=[("Greeting", "Hello {first_name}! How can we help?"),
               ("Delivery", "Delivery to {city} takes 1–3 days, free over £60."),
               ("Thanks", "Thank you, {first_name}! Have a great day 🙂")],
)

SETS = {"en": EN, "ru": RU}
KINDS = ["widget", "telegram", "whatsapp", "vk", "viber", "sms", "email"]


def seed_if_empty(clients: int = 36, seed: int = 7, lang: str = "") -> bool:
    if not lang:
        from messenger_app import settings

        lang = settings.get().demo_lang
    data = SETS.get(lang, EN)
    with db.session() as s:
        if s.exec(select(Contact.id).limit(1)).first() is not None:
            return False
        rnd = random.Random(seed)
        chans = {}
        for kind in KINDS:
            ch = s.exec(select(Channel).where(Channel.kind == kind)).first()
            if ch is None:
                # demo channels of kinds without credentials stay disabled: nothing is sent
                ch = Channel(kind=kind, name=data.channels[kind], enabled=kind == "widget")
                s.add(ch)
                s.flush()
            elif kind == "widget" and ch.name == "Website chat":  # made at start, in English
                ch.name = data.channels[kind]
                s.add(ch)
            chans[kind] = ch
        now = utcnow()
        for i in range(clients):
            first, last = data.people[i % len(data.people)]
            e164 = phones.normalize(f"+7999{1000000 + i * 7919 % 8999999:07d}")
            c = Contact(first_name=first, last_name=last, phone=e164, phone_raw=e164,
                        phone_digits=phones.digits(e164),
                        created_at=now - timedelta(days=rnd.randint(1, 400)))
            s.add(c)
            s.flush()
            d = Dialog(contact_id=c.id, created_at=c.created_at, activity_at=c.created_at)
            s.add(d)
            s.flush()
            if i % 12 == 11:  # L2: a client without messages yet
                continue
            kinds = rnd.sample(KINDS, k=rnd.choice([1, 1, 2]))
            idents = {}
            for k in kinds:
                ident = ChannelIdentity(contact_id=c.id, channel_id=chans[k].id,
                                        external_id=f"demo-{k}-{i}",
                                        display_name=f"{c.first_name} {c.last_name}".strip())
                s.add(ident)
                s.flush()
                idents[k] = ident
            talk = data.talks[i * 7 % len(data.talks)]
            if i % 3 == 0 and talk[-1].startswith("< "):
                talk = talk[:-1]  # the last word is the client's: waiting for an answer
            steps = [timedelta(minutes=rnd.randint(1, 90)) for _ in talk]
            # a third of the dialogs today, the rest over the last week
            ago = rnd.randint(3, 300) if i % 3 == 0 else rnd.randint(60 * 24, 60 * 24 * 7)
            t = now - timedelta(minutes=ago) - sum(steps, timedelta())
            last = None
            for j, line in enumerate(talk):
                k = kinds[0] if len(kinds) == 1 or j < 2 else kinds[1]
                inbound = line.startswith("> ")
                m = Message(dialog_id=d.id, contact_id=c.id, identity_id=idents[k].id,
                            channel_id=chans[k].id, channel_kind=k,
                            direction="in" if inbound else "out",
                            sender_kind="client" if inbound else "operator",
                            text=line[2:], status="received" if inbound else "read",
                            external_id=f"demo-{i}-{j}", created_at=t, sent_at=t, updated_at=t)
                s.add(m)
                last = m
                t += steps[j]
            c.first_message_at = c.created_at
            d.last_message_at = d.activity_at = last.created_at
            d.last_preview = preview_of(last.text)
            d.last_channel_kind = last.channel_kind
            d.last_direction = last.direction
            d.unread_count = (1 + i % 3) if last.direction == "in" and i % 2 == 0 else 0
            s.add_all([c, d])
        s.commit()
    _crm_and_folders(rnd, data)
    from messenger_app.services import stats
    stats.rebuild()  # the demo's messages were written directly: count them once (X9)
    return True


def _crm_and_folders(rnd: random.Random, data: DemoSet) -> None:
    """Folders, tags, CRM fields, templates and a few dialogs with an operator (R5), so
    every part of the screen has something to show."""
    from messenger_app.services import crm, folders, templates

    with db.session() as s:
        rows = s.exec(select(Dialog.id, Dialog.contact_id).order_by(Dialog.id)).all()
    vip_name, trade_name, returns_name = data.folders
    vip, wholesale, returns = (folders.create(vip_name), folders.create(trade_name, sound=False),
                               folders.create(returns_name, push=False))
    for opt in data.tag2:
        crm.add_tag2_option(opt)
    for key, label, ftype, options in data.fields:
        crm.create_field(key, label, ftype, options or None)
    segments = data.fields[3][3]
    for i, (dialog_id, contact_id) in enumerate(rows):
        talk = data.talks[i * 7 % len(data.talks)]
        trade = "20" in talk[0] or "tents" in talk[0]  # the hiking club's order
        wanted = ([vip.id] if i % 3 == 0 else []) + ([wholesale.id] if trade else [])
        if "вернуть" in talk[0] or "return" in talk[0] or "не пришёл" in talk[0] or "arrived" in talk[0]:
            wanted.append(returns.id)
        if wanted:
            folders.set_contact_folders(contact_id, wanted)
        if i % 4 == 1 or trade:
            crm.set_tag1(contact_id, data.tag1[2 if trade else i % 2])
        if i % 3 == 1:
            crm.set_tag2(contact_id, rnd.choice(data.tag2))
        if i % 2 == 0:
            crm.set_value(contact_id, "city", rnd.choice(data.cities))
            crm.set_value(contact_id, "budget", str(rnd.randrange(5, 300) * 100))
            crm.set_value(contact_id, "segment", segments[1] if trade else segments[0])
        if trade:
            crm.set_value(contact_id, "company", data.companies[i % len(data.companies)])
        if i % 5 == 2:
            crm.set_value(contact_id, "birthday",
                          f"{rnd.randint(1970, 2004)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}")
        if i % 9 == 4:
            crm.set_bot_paused(dialog_id, True, by="bot")
        if i % 17 == 16:
            crm.set_blacklisted(contact_id, True)
    for title, body in data.templates:
        templates.create(title, body)
    from messenger_app.services import demo_bot

    demo_bot.seed("ru" if data is RU else "en")  # the ready chat-bot scenario (B1)
