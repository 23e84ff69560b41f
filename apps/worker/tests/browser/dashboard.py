"""The dashboard in a real browser: Debian's Chromium (/usr/bin/chromium), driven by Playwright
for Python, against workers the Rust test (apps/worker/tests/app/browser.rs) started.

Usage: python dashboard.py CONFIG_JSON
CONFIG_JSON: {"auto": URL, "semi": URL, "admin": [user, password], "viewer": [user, password] or
null, "shots": DIR, "lockout_failures": N, "lockout_minutes": M}

The `auto` worker trades on its own; the `semi` worker holds every order as a proposal and locks
sign-in after `lockout_failures` failures (it is used last: a lockout also locks this address).
Prints one JSON line: each flow with "ok" or "skipped: why", the load-to-first-chart times,
the screenshots' folder. Exits non-zero (with the reason on stderr) when a flow fails or the
page logged an error.
"""

import json
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium's connections are refused by this machine's
# closed network, many at a time (the machine notes).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000
# What a page may log without failing the test: the browser's own line for an answer the flow
# expects (401 wrong password, 429 lockout, 404 a route this server does not have yet).
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of (401|404|429)\b")

config = json.loads(sys.argv[1])
shots = config["shots"]
flows = {}
console = []
timings = {}


def shot(page, name):
    page.screenshot(path=os.path.join(shots, name + ".png"), full_page=True)


def api(base, method, path, token=None, body=None):
    """A request outside the browser, to check what the page did."""
    req = urllib.request.Request(base + path, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data=data, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {}


def watch(page, who):
    page.on("console", lambda m: console.append((who, m.type, m.text)))
    page.on("pageerror", lambda e: console.append((who, "pageerror", str(e))))
    # The 404s the page may meet are the API's optional routes, never one of its own files.
    page.on(
        "response",
        lambda r: console.append((who, "error", "%s answered %s" % (r.url, r.status)))
        if "/static/" in r.url and r.status >= 400
        else None,
    )
    # Every confirm() (kill switch, approvals) is accepted.
    page.on("dialog", lambda d: d.accept())


def sign_in(page, user, password):
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-button")


def canvas_size(page, selector):
    return page.eval_on_selector(selector + " canvas", "c => [c.clientWidth, c.clientHeight]")


def wait_for_canvas(page, selector):
    page.wait_for_function(
        "s => { const c = document.querySelector(s + ' canvas'); return c && c.clientWidth > 0 && c.clientHeight > 0; }",
        arg=selector,
        timeout=WAIT_MS,
    )
    return canvas_size(page, selector)


def first_chart_ms(page):
    page.wait_for_function(
        "() => performance.getEntriesByName('mirai:first-chart').length > 0", timeout=WAIT_MS
    )
    return page.evaluate("() => performance.getEntriesByName('mirai:first-chart')[0].startTime")


def flow(name):
    def run(fn):
        try:
            flows[name] = fn() or "ok"
        except Exception as e:  # noqa: BLE001 - every failure is reported with its flow
            flows[name] = "FAILED: " + (str(e).splitlines()[0] if str(e) else repr(e))
            try:
                shot(current["page"], "failed-" + name)
            except Exception:  # noqa: BLE001
                pass
        return fn

    return run


current = {}


def main():
    auto, semi = config["auto"], config["semi"]
    admin_user, admin_pw = config["admin"]
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="mirai-chromium-") as profile:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(WAIT_MS)
        page = context.pages[0] if context.pages else context.new_page()
        current["page"] = page
        watch(page, "admin")
        page.goto(auto)

        @flow("login_wrong_password")
        def _():
            expect(page.locator("#login")).to_be_visible()
            sign_in(page, admin_user, "not the password")
            expect(page.locator("#login-error")).to_have_text("Wrong username or password.")
            shot(page, "01-wrong-password")

        @flow("login")
        def _():
            sign_in(page, admin_user, admin_pw)
            expect(page.locator("#app")).to_be_visible()
            expect(page.locator("#who-role")).to_have_text("admin")
            expect(page.locator("#kill")).to_be_visible()
            page.wait_for_function("() => document.querySelectorAll('#trades tr[data-key]').length > 0", timeout=60_000)
            wait_for_canvas(page, "#equity-chart")
            shot(page, "02-overview")

        @flow("load_to_first_chart")
        def _():
            runs = []
            for _ in range(5):
                page.reload()
                runs.append(first_chart_ms(page))
            timings["load_to_first_chart_ms"] = [round(x, 1) for x in runs]
            timings["load_to_first_chart_median_ms"] = round(statistics.median(runs), 1)

        @flow("equity_chart_with_trade_markers_updates_in_place")
        def _():
            wait_for_canvas(page, "#equity-chart")
            # After several polls: the same canvas, and every row still listed the same element
            # (updated in place, never rebuilt).
            page.evaluate(
                "() => { window.__canvas = document.querySelector('#equity-chart canvas');"
                " window.__rows = [...document.querySelectorAll('#positions tr[data-key], #trades tr[data-key]')]; }"
            )
            page.wait_for_timeout(6000)
            same = page.evaluate(
                "() => { const now = new Map([...document.querySelectorAll('#positions tr[data-key], #trades tr[data-key]')]"
                ".map(r => [r.parentNode.id + r.dataset.key, r]));"
                " const kept = window.__rows.filter(r => now.has(r.parentNode ? r.parentNode.id + r.dataset.key : ''));"
                " const rebuilt = window.__rows.filter(r => !r.isConnected && [...now.values()].some(n => n.dataset.key === r.dataset.key));"
                " return [window.__canvas === document.querySelector('#equity-chart canvas'), kept.length, rebuilt.length]; }"
            )
            assert same[0] and same[1] > 0 and same[2] == 0, "a poll re-created the chart or rows: %s" % same
            meta = page.locator("#equity-meta").text_content()
            assert "points" in meta, meta
            return "ok (%d rows kept across polls; %s)" % (same[1], meta)

        @flow("round_trips_and_performance")
        def _():
            page.click("#nav button[data-page=trades]")
            page.wait_for_function("() => document.querySelectorAll('#round-trips tr[data-key]').length > 3")
            page.wait_for_function("() => document.querySelectorAll('#performance tr[data-key]').length >= 2")
            # Scroll the table: while polls add trips above, the row in view stays where it was
            # (the same element, at the same place in the box).
            where = (
                "() => { const b = document.querySelector('#round-trips-box');"
                " return [window.__trip.isConnected, Math.round(window.__trip.getBoundingClientRect().top"
                " - b.getBoundingClientRect().top)]; }"
            )
            page.evaluate(
                "() => { const b = document.querySelector('#round-trips-box'); b.style.maxHeight = '200px';"
                " b.scrollTop = 80; window.__trip = document.querySelector('#round-trips tr[data-key]:nth-child(4)'); }"
            )
            before = page.evaluate(where)
            page.wait_for_timeout(4000)
            after = page.evaluate(where)
            assert after[0] and abs(after[1] - before[1]) <= 2, "the row in view moved: %s -> %s" % (before, after)
            before = page.locator("#round-trips tr[data-key]").count()
            if page.locator("#round-trips-older").is_enabled():
                page.click("#round-trips-older")
                page.wait_for_function(
                    "n => document.querySelectorAll('#round-trips tr[data-key]').length > n", arg=before
                )
            shot(page, "03-round-trips")

        @flow("decisions_why_not")
        def _():
            page.click("#nav button[data-page=decisions]")
            page.wait_for_function("() => document.querySelectorAll('#decisions tr[data-key]').length > 0")
            page.select_option("#decisions-kind", "refused")
            page.wait_for_function(
                "() => { const rows = [...document.querySelectorAll('#decisions tr[data-key]')];"
                " return rows.length > 0 && rows.every(r => r.children[6].textContent.trim() !== ''"
                " && r.children[7].textContent.trim() !== ''); }",
                timeout=60_000,
            )
            gate = page.locator("#decisions tr[data-key] td.gate").first.text_content()
            shot(page, "04-decisions-refused")
            page.select_option("#decisions-kind", "")
            return "ok (a refusal shows gate %s)" % gate

        @flow("pause_resume")
        def _():
            page.click("#nav button[data-page=overview]")
            page.click("#pause")
            expect(page.locator("#paused")).to_be_visible()
            page.click("#resume")
            expect(page.locator("#paused")).to_be_hidden()

        @flow("kill_switch_and_admin_resume")
        def _():
            page.click("#kill")
            expect(page.locator("#halted")).to_be_visible()
            shot(page, "05-halted")
            page.click("#resume")
            expect(page.locator("#halted")).to_be_hidden()

        @flow("backtest_with_charts")
        def _():
            page.click("#nav button[data-page=backtests]")
            page.fill("#bt-bars", "5000")
            page.click("#bt-submit")
            expect(page.locator("#backtest-result")).to_be_visible(timeout=60_000)
            eq = wait_for_canvas(page, "#bt-equity-chart")
            px = wait_for_canvas(page, "#bt-price-chart")
            page.wait_for_function("() => document.querySelectorAll('#bt-trades tr[data-key]').length > 0")
            assert eq[0] > 0 and eq[1] > 0 and px[0] > 0 and px[1] > 0, (eq, px)
            shot(page, "06-backtest")
            return "ok (equity chart %dx%d, trades on the price %dx%d)" % (eq[0], eq[1], px[0], px[1])

        @flow("news_search")
        def _():
            page.click("#nav button[data-page=search]")
            page.fill("#news-q", "bitcoin")
            page.click("#news-form button[type=submit]")
            page.wait_for_function("() => document.querySelectorAll('#news-results li').length > 0")
            assert page.locator("#news-error").text_content() == ""

        @flow("risk_limits")
        def _():
            token = page.evaluate("() => sessionStorage.getItem('mirai.token')")
            page.click("#nav button[data-page=admin]")
            expect(page.locator("#risk-panel")).to_be_visible()
            expect(page.locator("#risk-source")).to_contain_text("configuration")
            field = page.locator("#risk-fields input[name=max_trades_per_day]")
            field.fill("49")
            page.click("#risk-save")
            expect(page.locator("#risk-note")).to_contain_text("Saved")
            expect(page.locator("#risk-source")).to_contain_text("set from the dashboard by admin")
            _, after = api(auto, "GET", "/api/risk", token)
            assert after["limits"]["max_trades_per_day"] == 49 and after["source"] == "dashboard", after
            shot(page, "07-risk-limits")

        @flow("admin_users_page")
        def _():
            token = page.evaluate("() => sessionStorage.getItem('mirai.token')")
            expect(page.locator("#users-panel")).to_be_visible()
            page.wait_for_function("() => document.querySelector('#users tr[data-key=\"admin\"]') !== null")
            page.fill("#user-name", "browser-user")
            page.select_option("#user-role", "trader")
            page.fill("#user-password", "browser-user-password")
            page.click("#user-add")
            expect(page.locator("#users-note")).to_contain_text("Added browser-user (trader)")
            row = page.locator('#users tr[data-key="browser-user"]')
            expect(row).to_be_visible()
            row.locator("select").select_option("viewer")
            expect(page.locator("#users-note")).to_contain_text("browser-user is now viewer")
            _, listed = api(auto, "GET", "/api/users", token)
            roles = {u["name"]: u["role"] for u in listed["users"]}
            assert roles.get("browser-user") == "viewer", listed
            assert "password" not in json.dumps(listed) and "argon2" not in json.dumps(listed), listed
            shot(page, "08-users")
            row.locator("button").click()
            expect(page.locator("#users-note")).to_contain_text("browser-user removed")
            expect(row).to_have_count(0)

        @flow("audit_viewer")
        def _():
            expect(page.locator("#audit-panel")).to_be_visible()
            page.wait_for_function("() => document.querySelectorAll('#audit tr[data-key]').length > 0")
            expect(page.locator("#audit-verified")).to_contain_text("verified through entry")
            # Newest first; the trading loop appends faster than the page polls, so the user
            # changes above are looked for through the API (a few pages back).
            seqs = page.evaluate("() => [...document.querySelectorAll('#audit tr[data-key]')].map(r => Number(r.dataset.key))")
            assert seqs == sorted(seqs, reverse=True), seqs[:10]
            token = page.evaluate("() => sessionStorage.getItem('mirai.token')")
            found, cursor = False, None
            for _ in range(50):
                _, p = api(auto, "GET", "/api/audit?limit=500" + ("&cursor=" + cursor if cursor else ""), token)
                found = any(e["kind"] == "user" and e["actor"] == "admin" for e in p["entries"])
                cursor = p.get("next")
                if found or not cursor:
                    break
            assert found, "the user changes are not in the audit log"
            rows = page.locator("#audit tr[data-key]").count()
            if page.locator("#audit-older").is_enabled():
                page.click("#audit-older")
                page.wait_for_function("n => document.querySelectorAll('#audit tr[data-key]').length > n", arg=rows)
            shot(page, "09-audit")
            return "ok (%d entries listed, %s)" % (
                page.locator("#audit tr[data-key]").count(),
                page.locator("#audit-verified").text_content(),
            )

        @flow("live_approval")
        def _():
            token = page.evaluate("() => sessionStorage.getItem('mirai.token')")
            expect(page.locator("#live-panel")).to_be_visible()
            expect(page.locator("#live-state")).to_contain_text("Not approved")
            # The pre-flight cannot pass here (no Binance key, no backup): approved with a reason.
            page.fill("#live-password", admin_pw)
            page.fill("#live-confirm", page.locator("#live-phrase").text_content())
            page.fill("#live-override", "browser test rehearsal")
            page.click("#live-approve")
            expect(page.locator("#live-note")).to_contain_text("approved until")
            expect(page.locator("#live-state")).to_contain_text("APPROVED")
            assert page.locator("#live-password").input_value() == "", "the password stays in the page"
            _, live = api(auto, "GET", "/api/live", token)
            assert live["approved"] and live["approved_by"] == "admin", live
            page.click("#live-revoke")
            expect(page.locator("#live-state")).to_contain_text("Not approved")
            shot(page, "10-live")

        @flow("admin_panels_hidden_when_absent")
        def _():
            token = page.evaluate("() => sessionStorage.getItem('mirai.token')")
            absent = []
            for name, path in [("risk", "/api/risk"), ("live", "/api/live"), ("users", "/api/users"), ("audit", "/api/audit")]:
                status, _ = api(auto, "GET", path, token)
                hidden = page.evaluate("n => document.getElementById(n + '-panel').classList.contains('absent')", name)
                assert hidden == (status == 404), "%s: %s but hidden=%s" % (path, status, hidden)
                if status == 404:
                    absent.append(path)
            return "ok (absent, so hidden: %s)" % (", ".join(absent) or "none")

        page.click("#logout")
        expect(page.locator("#login")).to_be_visible()

        viewer = config.get("viewer")
        vpage = context.new_page()
        current["page"] = vpage
        watch(vpage, "viewer")

        @flow("viewer_sees_no_controls")
        def _():
            if not viewer:
                return "skipped: no viewer user (mirai users add is not available)"
            vpage.goto(auto)
            sign_in(vpage, viewer[0], viewer[1])
            expect(vpage.locator("#who-role")).to_have_text("viewer")
            wait_for_canvas(vpage, "#equity-chart")
            for sel in ["#pause", "#resume", "#kill", "#nav-admin"]:
                expect(vpage.locator(sel)).to_be_hidden()
            vpage.click("#nav button[data-page=backtests]")
            expect(vpage.locator("#backtest-form-panel")).to_be_hidden()
            expect(vpage.locator("#backtests-panel")).to_be_visible()
            shot(vpage, "11-viewer")
            vpage.click("#logout")

        # The semi worker: approve a proposal, then the lockout (last: it locks this address).
        spage = context.new_page()
        current["page"] = spage
        watch(spage, "semi")
        spage.goto(semi)

        @flow("approve_proposal")
        def _():
            sign_in(spage, admin_user, admin_pw)
            expect(spage.locator("#app")).to_be_visible()
            approve = spage.locator("#proposals tr[data-key] td.actions button.primary").first
            expect(approve).to_be_visible(timeout=60_000)
            approve.click()
            expect(spage.locator("#proposal-note")).to_contain_text("Approved", timeout=WAIT_MS)
            note = spage.locator("#proposal-note").text_content()
            shot(spage, "12-proposal-approved")
            spage.click("#logout")
            return "ok (%s)" % note

        @flow("lockout_message_with_duration")
        def _():
            if spage.locator("#logout").is_visible():
                spage.click("#logout")
            n, minutes = config["lockout_failures"], config["lockout_minutes"]
            for _ in range(n):
                sign_in(spage, admin_user, "wrong-" + admin_pw)
                expect(spage.locator("#login-error")).to_have_text("Wrong username or password.")
                spage.evaluate("() => { document.getElementById('login-error').textContent = ''; }")
            sign_in(spage, admin_user, "wrong-" + admin_pw)
            want = "locked for %d minute%s" % (minutes, "" if minutes == 1 else "s")
            expect(spage.locator("#login-error")).to_contain_text(want)
            expect(spage.locator("#login-button")).to_be_disabled()
            text = spage.locator("#login-error").text_content()
            shot(spage, "13-lockout")
            return "ok (%s)" % text

        context.close()


start = time.monotonic()
try:
    main()
except Exception as e:  # noqa: BLE001
    flows["setup"] = "FAILED: %s" % e
errors = [c for c in console if c[1] in ("error", "pageerror") and not EXPECTED_CONSOLE.search(c[2])]
summary = {
    "flows": flows,
    "console_errors": errors,
    "console_messages": len(console),
    "timings": timings,
    "screenshots": shots,
    "seconds": round(time.monotonic() - start, 1),
}
print(json.dumps(summary))
failed = [k for k, v in flows.items() if v.startswith("FAILED")]
if failed or errors:
    print("failed flows: %s; console errors: %s" % (failed, errors), file=sys.stderr)
    sys.exit(1)
