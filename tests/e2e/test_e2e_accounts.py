"""Accounts in the browser."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_signing_up_through_the_form_signs_me_in(page, server):
    page.goto(server.url)
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill("new.director@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Repeat password").fill("a long enough password")
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(f"{server.url}/")
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_contain_text("new.director@example.com")
