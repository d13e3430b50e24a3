"""Sign up, sign in, sign out; who is signed in; page guards."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   session, url_for)

from ..store.accounts import AccountError, authenticate, create_user, get_user
from .forms import ConfirmForm, SignInForm, SignUpForm
from .security import limiter

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_user() -> None:
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None:
        g.user = get_user(current_app.extensions["db"], user_id)
        if g.user is None:  # the account was deleted
            session.clear()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a fresh sign-in to another site."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not urlsplit(target).netloc):
        return target
    return url_for("pages.home")


def _sign_in(user_id: int) -> None:
    session.clear()  # a new session id on sign-in (no fixation)
    session["user_id"] = user_id
    session.permanent = True


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = create_user(current_app.extensions["db"], form.email.data, form.password.data)
        except AccountError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            _sign_in(user.id)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("pages.home"))
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def signin():
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(current_app.extensions["db"], form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("That email and password do not match an account.")
        else:
            _sign_in(user.id)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/signin.html", form=form), 400 if form.errors else 200


@bp.post("/signout")
def signout():
    ConfirmForm().validate_on_submit()  # CSRF checked globally; nothing else to validate
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("pages.home"))
