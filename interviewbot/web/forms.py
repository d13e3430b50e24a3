"""Forms: fields, limits and the message shown for each invalid field (CSRF via Flask-WTF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, PasswordField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from ..store.accounts import MAX_PASSWORD, MIN_PASSWORD


class SignUpForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired("Enter your email address."), Length(max=320)])
    password = PasswordField("Password", validators=[
        DataRequired("Choose a password."),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD, message=f"Use at least {MIN_PASSWORD} characters."),
    ])
    confirm = PasswordField("Repeat password", validators=[
        DataRequired("Repeat the password."), EqualTo("password", "The two passwords differ.")])


class SignInForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired("Enter your email address."), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD)])


class PracticeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only opens the interview page, which changes nothing

    areas = SelectMultipleField("Areas", validators=[InputRequired("Choose at least one area.")])
    count = IntegerField("Number of questions", default=5,
                         validators=[InputRequired("Say how many questions."),
                                     NumberRange(1, 20, "Choose between 1 and 20 questions.")])
    difficulty = SelectField("Difficulty", default="", validators=[Optional()],
                             choices=[SelectChoice("", "Any"), SelectChoice("1", "1 — foundational"),
                                      SelectChoice("2", "2 — experienced"),
                                      SelectChoice("3", "3 — senior executive")])
    mode = RadioField("Mode", default="practice", validators=[InputRequired()],
                      choices=[SelectChoice("practice", "Practice — feedback after every answer"),
                               SelectChoice("mock", "Mock interview — timed, feedback at the end")])


class ConfirmForm(FlaskForm):
    """A POST with nothing but its CSRF token (delete a session, sign out)."""


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to confirm.")])
    confirm = BooleanField("I understand that everything stored for me is deleted",
                           validators=[DataRequired("Tick the box to confirm.")])
