"""Screenshots of the admin as sales staff see it (Korean), taken by a real browser.

Not part of the test suite (a browser is slow to start); run it after changing admin labels or lists:

    pip install playwright   # the Python package only: it drives Debian's chromium, downloads no browser
    python manage.py seed_demo --password demo-Password-2026
    python manage.py runserver 127.0.0.1:8766 &
    python tools/admin_screenshots.py --base-url http://127.0.0.1:8766 --out var/screenshots

Logs in as the demo user and saves one PNG per page: the first screen of a few changelists, and
whole change forms.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = [
    ("campaign-list", "/admin/campaigns/campaign/"),
    ("campaign-change", "/admin/campaigns/campaign/{first}/change/"),
    ("lead-list", "/admin/leads/lead/"),
    ("lead-change", "/admin/leads/lead/{first}/change/"),
    ("leadlist-list", "/admin/leads/leadlist/"),
    ("result-list", "/admin/campaigns/campaignleadresult/"),
    ("task-change", "/admin/tasks/task/{first}/change/"),
    ("suppressed-add", "/admin/mail/suppressedaddress/add/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8766")
    parser.add_argument("--email", default="demo@salesone.kr")
    parser.add_argument("--password", default="demo-Password-2026")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="ko-KR")
        page.goto(f"{args.base_url}/admin/login/")
        page.fill("#id_username", args.email)
        page.fill("#id_password", args.password)
        page.click("input[type=submit]")
        for name, path in PAGES:
            if "{first}" in path:  # the first row of the changelist
                page.goto(args.base_url + path.split("{first}")[0])
                link = page.locator("#result_list tbody tr th a").first
                href = link.get_attribute("href")
                path = re.sub(r"^.*?/admin/", "/admin/", href)
            page.goto(args.base_url + path)
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=name.endswith(("-change", "-add")))  # lists: the first screen
            print(target)
        browser.close()


if __name__ == "__main__":
    main()
