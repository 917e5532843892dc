import datetime
import random

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import schedule

LASTNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clement",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Benali",
    "Haddad",
    "Nguyen",
    "Diallo",
    "Ferreira",
    "Bois",
    "Aulan",
    "Vigneau",
]
FIRSTNAMES = [
    "Jules",
    "Léa",
    "Gabriel",
    "Emma",
    "Louis",
    "Jade",
    "Raphaël",
    "Louise",
    "Arthur",
    "Alice",
    "Adam",
    "Chloé",
    "Hugo",
    "Lina",
    "Lucas",
    "Rose",
    "Nathan",
    "Mia",
    "Yasmine",
    "Mohamed",
    "Inès",
    "Karim",
    "Camille",
    "Paul",
    "Sarah",
    "Thomas",
    "Manon",
    "Antoine",
    "Zoé",
    "Ibrahim",
]
CITIES = [
    ("Valmont", 40),
    ("Annecy", 14),
    ("Seynod", 9),
    ("Épagny", 7),
    ("Poisy", 6),
    ("Sillingy", 5),
    ("Cran-Gevrier", 5),
    ("Meythet", 4),
    ("Chavanod", 4),
    ("Lovagny", 3),
]
NOTES = [
    "Apporte l'ancien passeport.",
    "Dossier incomplet la dernière fois : vérifier le justificatif de domicile.",
    "Personne à mobilité réduite : la recevoir au rez-de-chaussée.",
    "Vient avec ses deux enfants mineurs.",
    "A appelé pour confirmer, se présentera 10 minutes en avance.",
]
HISTORY_DAYS = 28
FUTURE_DAYS = 21


# What citizens read of the demo, in the three languages of its website. The
# demo XML writes the French texts (stored as the source); these are given to
# every language the database has installed.
DEMO_TRANSLATIONS = {
    "rdv_booking.demo_type_cni": {
        "name": {
            "en_US": "ID card and passport",
            "ar_001": "البطاقة الوطنية وجواز السفر",
        },
        "description": {
            "en_US": "<p>Apply for a national ID card or a passport, or collect it. Allow 30 "
            "minutes per person; for a family, book one slot per person (4 at most).</p>"
            "<p>First fill in your <strong>online pre-application</strong> on the ANTS "
            "website and note its number.</p>",
            "ar_001": "<p>إيداع طلب البطاقة الوطنية للتعريف أو جواز السفر، أو سحب الوثيقة. "
            "خصّصوا 30 دقيقة لكل شخص؛ وللعائلة، احجزوا موعدًا لكل شخص (4 على الأكثر).</p>"
            "<p>املؤوا أولًا <strong>الطلب المسبق عبر الإنترنت</strong> على موقع ANTS "
            "واحتفظوا برقمه.</p>",
        },
        "documents_to_bring": {
            "en_US": "<ul><li>The ANTS pre-application number</li><li>An ID photo less than "
            "6 months old</li><li>A proof of address less than a year old</li><li>The old "
            "document, or a declaration of loss or theft</li><li>A tax stamp for a passport "
            "or a lost card</li></ul>",
            "ar_001": "<ul><li>رقم الطلب المسبق لدى ANTS</li><li>صورة شمسية يقل عمرها عن 6 "
            "أشهر</li><li>إثبات السكن يقل عمره عن سنة</li><li>الوثيقة القديمة، أو تصريح "
            "بالضياع أو السرقة</li><li>طابع جبائي لجواز السفر أو للبطاقة الضائعة</li></ul>",
        },
        "gdpr_text": {
            "en_US": "<p>The information collected is used only to manage your appointment. "
            "It is meant for the ID documents department of the town of Valmont. You can "
            "access it, correct it or ask for it to be erased at dpo@valmont.example.</p>",
            "ar_001": "<p>تُستعمل المعلومات المجمَّعة فقط لتدبير موعدكم، وهي موجهة إلى مصلحة "
            "وثائق الهوية بمدينة فالمون. يمكنكم الاطلاع عليها أو تصحيحها أو طلب حذفها "
            "عبر dpo@valmont.example.</p>",
        },
    },
    "rdv_booking.demo_type_etat_civil": {
        "name": {
            "en_US": "Civil status (birth, marriage, civil partnership)",
            "ar_001": "الحالة المدنية (الولادة، الزواج، الشراكة المدنية)",
        },
        "description": {
            "en_US": "<p>Birth declaration, acknowledgement of a child, marriage or civil "
            "partnership file, family record book.</p>",
            "ar_001": "<p>التصريح بالولادة، الاعتراف بالبنوة، ملف الزواج أو الشراكة المدنية، "
            "الدفتر العائلي.</p>",
        },
        "documents_to_bring": {
            "en_US": "<ul><li>An identity document</li><li>The family record book, if you "
            "have one</li></ul>",
            "ar_001": "<ul><li>وثيقة هوية</li><li>الدفتر العائلي، إن وُجد</li></ul>",
        },
        "gdpr_text": {
            "en_US": "<p>Your data are used to manage your appointment with the civil "
            "status department.</p>",
            "ar_001": "<p>تُستعمل بياناتكم لتدبير موعدكم مع مصلحة الحالة المدنية.</p>",
        },
    },
    "rdv_booking.demo_type_maire": {
        "name": {"en_US": "Meet the mayor", "ar_001": "لقاء رئيس المجلس الجماعي"},
        "description": {
            "en_US": "<p>The mayor meets residents during office hours. Say what your "
            "request is about: the mayor's office will call you back if needed.</p>",
            "ar_001": "<p>يستقبل الرئيس السكان خلال أوقات الاستقبال. اذكروا موضوع طلبكم: "
            "سيتصل بكم الديوان عند الحاجة.</p>",
        },
        "gdpr_text": {
            "en_US": "<p>Your data are meant for the mayor's office.</p>",
            "ar_001": "<p>بياناتكم موجهة إلى ديوان الرئيس.</p>",
        },
    },
    "rdv_booking.demo_place_hotel_de_ville": {
        "name": {"en_US": "Town hall", "ar_001": "مقر البلدية"},
        "access_info": {
            "en_US": "<p>Main entrance, ground floor, wheelchair accessible. Bus lines 2 "
            "and 5, stop “Hôtel de Ville”. Free parking for 30 minutes on place du "
            "Marché.</p>",
            "ar_001": "<p>المدخل الرئيسي، الطابق الأرضي، ولوج ميسَّر للكراسي المتحركة. "
            "الحافلتان 2 و5، محطة «Hôtel de Ville». موقف مجاني لمدة 30 دقيقة في ساحة "
            "السوق.</p>",
        },
    },
    "rdv_booking.demo_place_annexe": {
        "name": {"en_US": "Pommaries town hall annex", "ar_001": "الملحقة الإدارية بوماري"},
        "access_info": {
            "en_US": "<p>Next to the media library. Bus line 7, stop “Pommaries”.</p>",
            "ar_001": "<p>بجوار الخزانة الوسائطية. الحافلة 7، محطة «Pommaries».</p>",
        },
    },
}


class RdvDemo(models.AbstractModel):
    """Demo data that depends on today's date: a few weeks of appointments.

    Called from the demo XML. Seeded, so two demo databases built the same
    day hold the same appointments.
    """

    _name = "rdv.demo"
    _description = "RDV demo data"

    @api.model
    def _populate(self):
        rng = random.Random(74000)
        counters = self.env["rdv.counter"].search([])
        self._populate_history(counters, rng)
        self._populate_future(counters, rng)
        # Booked some days before the appointment, not all at install time.
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE rdv_appointment
               SET create_date = LEAST(
                       %s, start - make_interval(hours => 2 + (id * 7919) %% 600))
             WHERE counter_id = ANY(%s)
            """,
            (fields.Datetime.now(), counters.ids),
        )
        self.env["rdv.appointment"].invalidate_model(["create_date"])
        # The demo citizens were told long ago: nothing to send to them.
        self.env["rdv.notification"].search(
            [("appointment_id.counter_id", "in", counters.ids)]
        ).write({"state": "done", "status": "sent"})
        return True

    @api.model
    def _commune_in_euros(self):
        """The French commune counts in euros (its SMS spent on the dashboard),
        unless the database already keeps accounts in another currency (a
        company with journal items cannot change it)."""
        company = self.env.ref("base.main_company")
        euro = self.env.ref("base.EUR")
        if company.currency_id == euro:
            return True
        if "account.move.line" in self.env and self.env["account.move.line"].sudo().search_count(
            [("company_id", "=", company.id)], limit=1
        ):
            return True
        euro.active = True
        company.currency_id = euro
        return True

    @api.model
    def _agents_speak_french(self):
        if "fr_FR" in dict(self.env["res.lang"].get_installed()):
            self.env.ref("base.main_partner").lang = "fr_FR"  # the commune's language
            for xmlid in (
                "demo_user_agent_titres",
                "demo_user_agent_etat_civil",
                "demo_user_manager",
            ):
                self.env.ref("rdv_booking.%s" % xmlid).lang = "fr_FR"
        return True

    @api.model
    def _demo_translations(self):
        """{xmlid: {field: {lang: text}}}: the English source and the Arabic
        of demo records written in French (see :meth:`_translate_texts`)."""
        return dict(DEMO_TRANSLATIONS)

    @api.model
    def _translate_texts(self):
        """Make the demo's citizen texts English at the source, with the
        French of the XML and the Arabic as translations (languages installed).

        HTML texts are translated term by term (a paragraph, a list item):
        the English and Arabic above have the French texts' structure, or
        come as ``{"terms": {French term: {lang: text}}}``.
        """
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for xmlid, fields_translations in self._demo_translations().items():
            record = self.env.ref(xmlid).with_context(lang="en_US")
            for fname, translations in fields_translations.items():
                field = record._fields[fname]
                french = record[fname]
                if "terms" in translations:
                    # Term by term, for texts such as a website template's
                    # arch: {French term (spaces collapsed): {lang: text}}.
                    terms = translations["terms"]
                    translations = {
                        lang: field.translate(
                            lambda term, lang=lang, terms=terms: terms[" ".join(term.split())][
                                lang
                            ],
                            french,
                        )
                        for lang in ("en_US", "ar_001")
                    }
                record.write({fname: translations["en_US"]})
                values = {
                    lang: value
                    for lang, value in translations.items()
                    if lang in installed and lang != "en_US"
                }
                if "fr_FR" in installed:
                    values["fr_FR"] = french
                if callable(field.translate):
                    terms = field.get_trans_terms(record[fname])
                    values = {
                        lang: dict(zip(terms, field.get_trans_terms(value), strict=True))
                        for lang, value in values.items()
                    }
                record.update_field_translations(fname, values)
        return True

    # --- helpers

    def _agent(self, appointment_type):
        """The agent who books on the phone or at the counter for this type."""
        return (
            appointment_type.service_id.user_ids[:1]
            or self.env.ref("rdv_booking.demo_user_manager", raise_if_not_found=False)
            or self.env.user
        )

    def _identity(self, rng, appointment_type):
        """File and ID numbers when the type asks for them."""
        values = {}
        if appointment_type.ask_file_number != "no" and rng.random() < 0.8:
            values["file_number"] = "".join(
                rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _i in range(10)
            )
        if appointment_type.ask_id_number != "no" and rng.random() < 0.6:
            values["id_type"] = rng.choice(["id_card", "passport"])
            values["id_number"] = "%s%07d" % (
                rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"),
                rng.randrange(10**7),
            )
        return values

    def _application_numbers(self, rng, appointment_type, persons, channel):
        """Each person's pre-application number for an ID-card type: all of
        them on the website; on the phone or at the counter a caller
        sometimes lacks one (the appointment then shows it is missing)."""
        if not appointment_type.ants_reason:
            return []
        count = persons
        if channel != "web" and rng.random() < 0.15:
            count -= 1
        return [
            "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _i in range(10))
            for _person in range(count)
        ]

    def _citizen(self, rng, with_email=True):
        lastname, firstname = rng.choice(LASTNAMES), rng.choice(FIRSTNAMES)
        city = rng.choices([c for c, _w in CITIES], weights=[w for _c, w in CITIES])[0]
        slug = (
            (firstname[0] + lastname).lower().replace("é", "e").replace("è", "e").replace("ç", "c")
        )
        return {
            "lastname": lastname,
            "firstname": firstname,
            "phone": "+336%08d" % rng.randrange(10**7, 10**8),
            "email": "%s%d@example.com" % (slug, rng.randrange(100)) if with_email else False,
            "city": city,
            "zip": "74000",
            "street": "%d rue des %s"
            % (rng.randrange(1, 80), rng.choice(["Lilas", "Tilleuls", "Alpes", "Écoles"])),
        }

    def _populate_history(self, counters, rng):
        """Past weeks: slots, then appointments done, absent, cancelled or left without status."""
        now = fields.Datetime.now()
        runs = {"counter": [], "start": [], "count": [], "step": []}
        windows = {"counter": [], "start": [], "end": [], "cap": [], "trim": []}
        for counter in counters:
            today = counter.place_id._today()
            first = today - datetime.timedelta(days=HISTORY_DAYS)
            engine = counter._get_schedule(
                closures=counters._get_closures(first, today)[counter.id]
            )
            windows["counter"].append(counter.id)
            windows["start"].append(datetime.datetime.combine(first, datetime.time()))
            windows["end"].append(now)
            windows["cap"].append(counter.capacity)
            windows["trim"].append(False)
            for start, count in schedule.slot_runs(engine, first, today):
                runs["counter"].append(counter.id)
                runs["start"].append(start)
                runs["count"].append(count)
                runs["step"].append(counter.slot_duration)
        self.env["rdv.slot"]._apply_wanted_slots(runs, windows)

        Appointment = self.env["rdv.appointment"].with_context(
            tracking_disable=True, mail_create_nolog=True
        )
        Slot = self.env["rdv.slot"]
        past_free = Slot.search(
            [("counter_id", "in", counters.ids), ("stop", "<", now), ("state", "=", "free")],
            order="start",
        )
        taken = set()
        for slot in past_free:
            if slot.id in taken or rng.random() > 0.55:
                continue
            appointment_type = rng.choice(slot.counter_id.type_ids)
            needed = slot.counter_id._slot_count_for(appointment_type, 1)
            starts = slot.counter_id._slot_starts_for(appointment_type, slot.start, 1)
            slots = Slot.search(
                [
                    ("counter_id", "=", slot.counter_id.id),
                    ("start", "in", starts),
                    ("state", "=", "free"),
                    ("seat", "=", slot.seat),
                ]
            )
            if len(slots) != needed or set(slots.ids) & taken:
                continue
            taken.update(slots.ids)
            citizen = self._citizen(rng)
            partner = self.env["res.partner"]._rdv_find_or_create(citizen)
            state = rng.choices(
                ["done", "no_show", "cancelled", "planned"], weights=[76, 8, 10, 6]
            )[0]
            channel = rng.choices(["web", "phone", "counter"], weights=[70, 20, 10])[0]
            appointment = Appointment.create(
                {
                    **citizen,
                    **self._identity(rng, appointment_type),
                    "booked_by_id": self._agent(appointment_type).id if channel != "web" else False,
                    "comment": rng.choice(NOTES)
                    if channel != "web" and rng.random() < 0.2
                    else False,
                    "partner_id": partner.id,
                    "application_ids": [
                        Command.create({"person": 1, "number": number})
                        for number in self._application_numbers(rng, appointment_type, 1, "web")
                    ],
                    "type_id": appointment_type.id,
                    "counter_id": slot.counter_id.id,
                    "start": slots[0].start,
                    "stop": slots[-1].stop,
                    "channel": channel,
                    "state": state,
                    "cancelled_by": "citizen" if state == "cancelled" else False,
                    # Checked in at the reception, most a few minutes early.
                    "arrival_time": slots[0].start
                    + datetime.timedelta(minutes=rng.choice([-15, -10, -5, -5, -2, 0, 3, 10]))
                    if state == "done"
                    else False,
                }
            )
            if state != "cancelled":
                self.env.cr.execute(
                    "UPDATE rdv_slot SET state = 'booked', appointment_id = %s WHERE id = ANY(%s)",
                    (appointment.id, slots.ids),
                )
        Slot.invalidate_model()

    def _populate_future(self, counters, rng):
        """Coming weeks: bookings from every channel, a few cancelled or to reschedule."""
        now = fields.Datetime.now()
        Appointment = self.env["rdv.appointment"].with_context(tracking_disable=True)
        booked = Appointment
        for counter in counters:
            for appointment_type in counter.type_ids:
                starts = self.env["rdv.slot"]._free_starts(
                    appointment_type,
                    now + datetime.timedelta(hours=2),
                    now + datetime.timedelta(days=FUTURE_DAYS),
                    counters=counter,
                )
                share = 0.35 if len(counter.type_ids) == 1 else 0.2
                for _counter_id, start, _stop in starts:
                    if rng.random() > share:
                        continue
                    web = start > now + datetime.timedelta(hours=appointment_type.min_notice_hours)
                    channel = rng.choices(
                        ["web", "phone", "counter"], weights=[70 if web else 0, 20, 10]
                    )[0]
                    persons = 1 if rng.random() < 0.85 else min(2, appointment_type.max_persons)
                    booking = (
                        Appointment
                        if channel == "web"
                        else Appointment.with_user(self._agent(appointment_type))
                    )
                    try:
                        with self.env.cr.savepoint():
                            booked |= booking._book(
                                appointment_type,
                                counter,
                                start,
                                persons=persons,
                                citizen={
                                    **self._citizen(rng, with_email=channel == "web"),
                                    **self._identity(rng, appointment_type),
                                    "application_numbers": self._application_numbers(
                                        rng, appointment_type, persons, channel
                                    ),
                                },
                                channel=channel,
                                comment=rng.choice(NOTES)
                                if channel != "web" and rng.random() < 0.2
                                else False,
                            ).with_user(self.env.user)
                    except (UserError, ValidationError):
                        continue  # taken by the previous booking's second person
        # The contacts, which the booking service leaves to a cron.
        booked._link_partners()
        planned = booked.filtered(lambda a: a.state == "planned")
        for appointment in planned.filtered(lambda a: rng.random() < 0.07):
            appointment._cancel(
                by=rng.choice(["citizen", "citizen", "agency"]), reason="Empêchement"
            )
        # The ID station breaks down for one morning: a closure of its counter
        # sends that morning's bookings to "to reschedule", the reason naming it.
        morning = next(
            (
                appointment
                for appointment in planned.sorted("start")
                if appointment.state == "planned"
                and appointment.place_id._to_local(appointment.start).hour < 12
                and appointment.start > now + datetime.timedelta(days=1)
            ),
            None,
        )
        if morning:
            day = morning.place_id._to_local(morning.start).date()
            self.env["rdv.closure"].create(
                {
                    "name": "Borne CNI en panne",
                    "company_id": morning.company_id.id,
                    "place_id": morning.place_id.id,
                    "counter_id": morning.counter_id.id,
                    "date_from": day,
                    "date_to": day,
                    "all_day": False,
                    "hour_from": 8.0,
                    "hour_to": 12.0,
                }
            )
        # A slot kept for a disabled citizen the agents will call back.
        free = self.env["rdv.slot"].search(
            [("state", "=", "free"), ("start", ">", now)], limit=1, offset=40
        )
        free.action_reserve()
