"""The entry form: one form whose fields, labels and hints follow the
contest's kind (fields.KIND_FIELDS). It carries the CSRF token and the
labels; the rules are the services', so the page and the API accept and
refuse alike."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField

from voting.submissions.domain.fields import KIND_FIELDS, MAX_LINKS, REQUIRED

LABELS = {
    "prize": {"title": _l("Project title"), "summary": _l("Summary of the project"),
              "organisation": _l("Organisation"), "team": _l("Team or contact person")},
    "hackathon": {"title": _l("Project title"), "summary": _l("What the project does"),
                  "team": _l("Team name"), "organisation": _l("Organisation, school or company")},
    "photo": {"title": _l("Title of the photo"), "summary": _l("The story behind the photo"),
              "team": _l("Photographer's name, as credited"), "country": _l("Country where it was taken")},
}


class EntryForm(FlaskForm):
    # validate_choice=False: the services check the category and the country and report them by field.
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 10})
    team = StringField(_l("Team"))
    organisation = StringField(_l("Organisation"), render_kw={"autocomplete": "organization"})
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    links = TextAreaField(_l("Links"), render_kw={"rows": 3, "spellcheck": "false", "autocapitalize": "off"})
    # MEDIA: photo contests' file and its alt text (voting/media reads and checks both).
    image = FileField(_l("Photo"), description=_l("A JPEG, PNG or WebP file."),
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})
    alt_text = TextAreaField(_l("Description of the photo (alt text)"),
                             description=_l("What the photo shows, for people who cannot see it."),
                             render_kw={"rows": 2})


def shape(form: EntryForm, kind: str, max_words: int | None) -> list:
    """The form's fields for this kind, in order, labelled for it; required ones say so."""
    labels = LABELS.get(kind, {})
    shown = [form.category]
    for name in KIND_FIELDS.get(kind, KIND_FIELDS["prize"]):
        field = getattr(form, name)
        text = str(labels.get(name, field.label.text))
        field.label.text = text if name in REQUIRED.get(kind, ()) else _("%(label)s (optional)", label=text)
        shown.append(field)
    if max_words is not None:
        form.summary.description = ngettext("At most %(num)d word.", "At most %(num)d words.", max_words)
    form.links.description = ngettext("Up to %(num)d web address starting with https://, one per line.",
                                      "Up to %(num)d web addresses starting with https://, one per line.", MAX_LINKS)
    form.country.render_kw = {"autocomplete": "country-name"} if kind != "photo" else {}
    if kind == "photo":
        shown[1:1] = [form.image, form.alt_text]
    return shown
