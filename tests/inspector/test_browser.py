"""The web inspector in a real headless Chromium: every view and every control, driven as a user would.

Requests come from the reference clients (real HTTP, real encryption); the page
is waited on with Playwright's auto-waiting ``expect``, never with sleeps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sealmail.conformance.clients.stayprivate import OutgoingAttachment

from . import traffic
from .conftest import LoopbackSite, Served

expect: Any = pytest.importorskip("playwright.sync_api").expect
LIVE_TIMEOUT_MS = 3000
"""A new request must show up this fast (the issue asks for "within a second"; slack for a shared CI machine)."""


def rows(page: Any, table: str = "#journal-table") -> Any:
    return page.locator(f"{table} tbody tr")


def test_journal_shows_a_new_request_live(page: Any, inspector: Served, screenshot_dir: Path) -> None:
    expect(page.locator("#journal-empty")).to_be_visible()
    message_id = traffic.netcore_email(inspector.mocks["netcore-email"])
    row = rows(page).filter(has_text="/v6/mail/send")
    expect(row).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(row).to_contain_text("accepted")
    row.click()
    expect(page.locator("#decrypted")).to_contain_text("Hi [%NAME%]")
    expect(page.locator("#journal-detail")).to_contain_text(message_id)
    expect(page.locator("#raw-body")).not_to_contain_text("Hi [%NAME%]")  # the wire body is ciphertext
    expect(page.locator("#journal-detail")).to_contain_text("X-AES-KEY")
    page.screenshot(path=str(screenshot_dir / "journal.png"))
