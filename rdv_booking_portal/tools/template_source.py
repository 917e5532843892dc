"""Rewriting an expression in message templates a database already has (no
Odoo import: used by the migrations of the portal and SMS addons).

The templates are ``noupdate``: an update of the addon keeps what a database
got at its install, in every language. Where a template still holds an
expression of ours word for word, it is replaced by the current one; a
template an administrator rewrote is left as it is.
"""

import json

# The citizen's language and direction: one rule (rdv.appointment._reader_lang),
# no longer written out in each template.
READER_LANG = [
    (
        "{{ object.citizen_lang or object.partner_id.lang }}",
        "{{ object._reader_lang() }}",
    ),
    (
        "t-att-dir=\"'rtl' if (object.citizen_lang or object.partner_id.lang or '')"
        ".startswith('ar') else 'ltr'\"",
        't-att-dir="object._reader_direction()"',
    ),
]


# The confirmation lists each person's pre-application number (ID-card and
# passport types), under the number of persons.
ANTS_NUMBERS = [
    (
        '<t t-out="object.persons"/></p>\n',
        '<t t-out="object.persons"/></p>\n'
        '<p style="margin: 0;" t-if="object.application_ids" '
        't-out="object._ants_numbers_text()"/>\n',
    ),
]


def replace_in_templates(cr, table, module, pairs):
    """Replace each (old, new) of ``pairs`` in the ``lang`` and ``body_html``
    (or ``body``) of the records of ``table`` that ``module`` created."""
    body = "body_html" if table == "mail_template" else "body"
    cr.execute(
        "SELECT res_id FROM ir_model_data WHERE module = %s AND model = %s",
        (module, table.replace("_", ".")),
    )
    ids = tuple(row[0] for row in cr.fetchall())
    if not ids:
        return
    for old, new in pairs:
        # body is translated (jsonb): its text holds the JSON-escaped source.
        cr.execute(
            f"""UPDATE {table}
                   SET lang = replace(lang, %s, %s),
                       {body} = replace({body}::text, %s, %s)::jsonb
                 WHERE id IN %s""",
            (old, new, json.dumps(old)[1:-1], json.dumps(new)[1:-1], ids),
        )
