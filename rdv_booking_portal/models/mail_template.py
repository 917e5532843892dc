import base64
import re

import lxml.html
from markupsafe import Markup

from odoo import Command, models, tools
from odoo.tools import html2plaintext, safe_eval

from odoo.addons.rdv_booking.tools.contact import mask_email


def plain_text(html):
    """``html`` as plain text with its list items on lines of their own
    ("- item"): Odoo's html2plaintext runs them together."""
    html = re.sub(r"<li\b[^>]*>", "<br/>- ", str(html or ""))
    return html2plaintext(re.sub(r"</(ul|ol)>", r"</\1><br/>", html)).strip()


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _rdv_send_to_citizen(self, appointment, with_files=False):
        """Queue this template to ``appointment``'s citizen, with fresh links;
        return the ``mail.mail``.

        ``with_files``: the summary PDF and the calendar file are attached.
        A cancellation has the calendar file that removes the event.
        """
        self.ensure_one()
        files = []
        if with_files or appointment.state == "cancelled":
            # In the citizen's language, as the message (the template's lang).
            lang = appointment._reader_lang()
            files.append(("ics", "text/calendar", appointment.with_context(lang=lang)._ics()))
        if with_files:
            Report = self.env["report.rdv_booking_portal.report_rdv_appointment"]
            files.append(("pdf", "application/pdf", Report._get_pdf(appointment, refresh=True)))
        attachments = [
            Command.create(
                {
                    "name": "%s.%s" % (appointment.name, extension),
                    "datas": base64.b64encode(data),
                    "mimetype": mimetype,
                }
            )
            for extension, mimetype, data in files
        ]
        Token = self.env["rdv.access.token"]
        mail_id = (
            self.sudo()
            .with_context(
                rdv_manage_url=Token._manage_url(appointment),
                rdv_reschedule_url=Token._manage_url(appointment, "reschedule"),
                rdv_book_again_url=Token._book_again_url(appointment),
            )
            .send_mail(
                appointment.id,
                email_values={"attachment_ids": attachments},
                email_layout_xmlid=False,
            )
        )
        # Queued, not sent: the mail queue sends it, and the message's status
        # says "sent" once the mail server accepted it (rdv.notification).
        office = self.with_context(lang=appointment._office_lang())
        appointment.message_post(
            body=office.env._(
                "%(what)s queued for sending by e-mail to %(to)s.",
                what=office.name,
                to=mask_email(appointment._citizen_email()),
            ),
            subtype_xmlid="mail.mt_note",
        )
        # Wake the mail queue now rather than at its next hourly run.
        self.env["ir.cron"]._rdv_wake("mail.ir_cron_mail_scheduler_action")
        return self.env["mail.mail"].sudo().browse(mail_id)

    def _rdv_render_body(self, record):
        """The body of this template (in the language of its context) for
        ``record``, as ``self._render_field("body_html", ...)`` renders it
        outside a request.

        Odoo compiles the QWeb of a mail template's body at each rendering:
        about as much work as the rest of the code step, for a message sent
        at each booking. Here the compiled body is kept in Odoo's template
        cache (:meth:`_rdv_compiled_body`), per language and text: an edited
        template is a new text.

        The values are those of a mail template (``_render_eval_context``),
        not those of the website page being served: a message reads the same
        whether a request or a cron sends it, and the website's page values
        (its cookie consent, read at each rendering) would cost more than the
        rendering itself.
        """
        self.ensure_one()
        values = self._render_eval_context()
        values["object"] = record
        qweb = self.env["ir.qweb"].with_context(minimal_qcontext=True)
        qweb = qweb._prepare_environment(values)
        safe_eval.check_values(values)
        functions, name = self._rdv_compiled_body(qweb.env.lang, self.body_html)
        # Without the <div> that wraps the fragment, as mail.render.mixin does.
        body = Markup("".join(functions[name](qweb, values))[5:-6])
        return self.env["mail.render.mixin"]._replace_local_links(body, record.get_base_url())

    @tools.ormcache("lang", "source", cache="templates")
    def _rdv_compiled_body(self, lang, source):
        """The QWeb functions of the mail body ``source`` in ``lang``."""
        qweb = self.env["ir.qweb"].with_context(lang=lang, minimal_qcontext=True)
        return qweb._prepare_environment({})._compile(
            lxml.html.fragment_fromstring(source, create_parent="div")
        )
