"""Accounts: create, authenticate, delete. Passwords are hashed with Argon2id."""
from __future__ import annotations

import os
import re

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .models import InterviewSession, User

ROLES = ("candidate", "coach", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# INTERVIEWBOT_CHEAP_HASHING=1 selects argon2's cheapest parameters, for test suites that sign in
# thousands of times; a production server refuses to start with it (see create_app). Hashes
# carry their parameters, so either setting verifies the other's hashes.
CHEAP_HASHING = "INTERVIEWBOT_CHEAP_HASHING"
_hasher = (PasswordHasher.from_parameters(profiles.CHEAPEST) if os.environ.get(CHEAP_HASHING) == "1"
           else PasswordHasher())
# Verified when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


class AccountError(ValueError):
    """A field that cannot be accepted; `field` names it for the form."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise AccountError("email", "Enter an email address like name@example.com.")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", f"Use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password", f"Use at most {MAX_PASSWORD} characters.")


def create_user(db: Database, email: str, password: str, role: str = "candidate") -> User:
    email = normalise_email(email)
    check_password(password)
    if role not in ROLES:
        raise AccountError("role", f"Role must be one of {', '.join(ROLES)}.")
    try:
        with db.session(for_update=True) as s:
            if s.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
                raise AccountError("email", "An account with this email already exists.")
            user = User(email=email, password_hash=_hasher.hash(password), role=role)
            s.add(user)
    except IntegrityError:  # a racing sign-up with the same email
        raise AccountError("email", "An account with this email already exists.") from None
    return user


def authenticate(db: Database, email: str, password: str) -> User | None:
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    with db.session(for_update=True) as s:
        user = s.scalar(select(User).where(User.email == email))
        stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or stored is _DUMMY_HASH:
            return None
        if _hasher.check_needs_rehash(stored):
            user.password_hash = _hasher.hash(password)
        return user


def get_user(db: Database, user_id: int) -> User | None:
    with db.session() as s:
        return s.get(User, user_id)


def delete_user(db: Database, user_id: int) -> None:
    """Remove the account and everything stored for it (sessions, turns, messages cascade)."""
    with db.session(for_update=True) as s:
        s.execute(delete(InterviewSession).where(InterviewSession.owner_id == user_id))
        s.execute(delete(User).where(User.id == user_id))
