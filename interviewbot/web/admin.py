"""The admin page: accounts with their roles, and the links between coaches and candidates.

Admins make and end links; they do not read transcripts (see :mod:`..store.coaching`).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..store.coaching import CoachingError, end_link, link
from ..store.coaching_views import active_links, user_by_email, users_with_roles
from .auth import role_required
from .forms import ConfirmForm

bp = Blueprint("admin", __name__)
admin_required = role_required("admin")


class LinkForm(FlaskForm):
    coach = StringField("Coach's email", validators=[DataRequired("Enter the coach's email address."),
                                                     Length(max=320)])
    candidate = StringField("Candidate's email", validators=[DataRequired("Enter the candidate's email address."),
                                                             Length(max=320)])


def _db():
    return current_app.extensions["db"]


def _page(form: LinkForm, status: int = 200):
    return render_template("admin/index.html", users=users_with_roles(_db()), links=active_links(_db()),
                           form=form, end_form=ConfirmForm(formdata=None)), status


@bp.get("/admin")
@admin_required
def index():
    return _page(LinkForm(formdata=None))


@bp.post("/admin/links")
@admin_required
def make_link():
    form = LinkForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    coach = user_by_email(_db(), form.coach.data)
    candidate = user_by_email(_db(), form.candidate.data)
    if coach is None:
        form.coach.errors.append("There is no account with this email address.")
    elif coach.role != "coach":
        form.coach.errors.append("This account is not a coach. Change its role first "
                                 "(interviewbot user create --role coach).")
    if candidate is None:
        form.candidate.errors.append("There is no account with this email address.")
    if form.errors:
        return _page(form, 400)
    try:
        link(_db(), coach.id, candidate.id, g.user.id)
    except CoachingError as exc:
        form.candidate.errors.append(exc.message[:1].upper() + exc.message[1:] + ".")
        return _page(form, 400)
    flash(f"{coach.email} now coaches {candidate.email}.", "success")
    return redirect(url_for("admin.index"))


@bp.post("/admin/links/<int:link_id>/end")
@admin_required
def end(link_id: int):
    ConfirmForm().validate_on_submit()  # the CSRF token is checked for every POST
    try:
        end_link(_db(), link_id, g.user.id)
    except CoachingError:
        abort(404)
    flash("The link was ended.", "info")
    return redirect(url_for("admin.index"))
