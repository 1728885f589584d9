"""The API reference page (/api/docs) in Chromium: Swagger UI, served by the service itself,
renders every operation of docs/openapi.yaml under the pages' Content-Security-Policy, and its
"Try it out" reaches the API with the XSRF token."""
from playwright.sync_api import expect

from tests.browser_support import DESKTOP, browser, open_page, screenshot  # noqa: F401 - fixtures
from utils.api_reference import load_spec

OPERATIONS = sum(1 for item in load_spec()["paths"].values() for method in item if method in ("get", "post", "delete", "head"))


def test_the_reference_renders_every_operation_and_tries_one(open_page, server):
    page = open_page(viewport=DESKTOP)
    page.goto("/api/docs")
    expect(page.locator(".opblock")).to_have_count(OPERATIONS)
    expect(page.get_by_role("heading", name="iHome (爱家租房) API")).to_be_visible()
    screenshot(page, "api-docs")

    areas = page.locator("#operations-houses-listAreas")
    areas.locator(".opblock-summary").click()
    areas.get_by_role("button", name="Try it out").click()
    areas.get_by_role("button", name="Execute").click()
    expect(areas.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(areas.locator(".live-responses-table")).to_contain_text("东城区")
    screenshot(page, "api-docs-try-it-out")
