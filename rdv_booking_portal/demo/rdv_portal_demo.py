from odoo import api, models

COPYRIGHT = '<span class="o_footer_copyright_name me-2">%s</span>'

# The demo website's header and footer, written in French in
# demo/rdv_portal_demo.xml; the legal pages they link to stay French only.
WEBSITE_TERMS = {
    "Prendre rendez-vous": {"en_US": "Book an appointment", "ar_001": "حجز موعد"},
    "Mairie de Valmont": {"en_US": "Valmont town hall", "ar_001": "بلدية فالمون"},
    "1 place de l'Hôtel de Ville<br/>74000 Valmont<br/>": {
        "en_US": "1 place de l'Hôtel de Ville<br/>74000 Valmont, France<br/>",
        # The French address keeps its order in a right-to-left paragraph.
        "ar_001": "<bdi>1 place de l'Hôtel de Ville</bdi><br/><bdi>74000 Valmont</bdi>، فرنسا<br/>",
    },
    "04 50 12 34 00": {"en_US": "+33 4 50 12 34 00", "ar_001": "+33 4 50 12 34 00"},
    "<br/> Du lundi au vendredi, 8 h 30 – 12 h et 13 h 30 – 17 h ; le samedi, 9 h – 12 h.": {
        "en_US": "<br/>Monday to Friday, 8:30 am – 12 noon and 1:30 – 5 pm; "
        "Saturday, 9 am – 12 noon.",
        "ar_001": "<br/>من الاثنين إلى الجمعة، من 8:30 إلى 12:00 ومن 13:30 إلى 17:00؛ "
        "السبت، من 9:00 إلى 12:00.",
    },
    "Rendez-vous en ligne": {"en_US": "Online appointments", "ar_001": "المواعيد عبر الإنترنت"},
    "Annuler ou déplacer un rendez-vous": {
        "en_US": "Cancel or move an appointment",
        "ar_001": "إلغاء موعد أو تغييره",
    },
    "Mon compte": {"en_US": "My account", "ar_001": "حسابي"},
    "Informations": {"en_US": "Information", "ar_001": "معلومات"},
    "Mentions légales": {
        "en_US": "Legal notice (in French)",
        "ar_001": "الإشعار القانوني (بالفرنسية)",
    },
    "Données personnelles et cookies": {
        "en_US": "Personal data and cookies (in French)",
        "ar_001": "المعطيات الشخصية وملفات تعريف الارتباط (بالفرنسية)",
    },
    "Accessibilité : non conforme": {
        "en_US": "Accessibility: not compliant (in French)",
        "ar_001": "إمكانية الولوج: غير مطابق (بالفرنسية)",
    },
    COPYRIGHT % "© Ville de Valmont": {
        "en_US": COPYRIGHT % "© Town of Valmont",
        "ar_001": COPYRIGHT % "© مدينة فالمون",
    },
}


class RdvDemo(models.AbstractModel):
    """The demo website's header and footer in the three languages of the demo."""

    _inherit = "rdv.demo"

    @api.model
    def _demo_translations(self):
        translations = super()._demo_translations()
        for xmlid in (
            "rdv_booking_portal.demo_footer",
            "rdv_booking_portal.demo_header_call_to_action",
            "rdv_booking_portal.demo_copyright",
        ):
            translations[xmlid] = {"arch_db": {"terms": WEBSITE_TERMS}}
        return translations
