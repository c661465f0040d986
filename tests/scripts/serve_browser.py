#!/usr/bin/env python3
"""Drives `zhijian serve` (tests/scripts/serve_web.sh) in headless Chromium with
selenium, and probes its security over plain HTTP. usage: serve_browser.py BASE SHOTS"""
import socket
import sys
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from serve_http import Server

base, shots = sys.argv[1], sys.argv[2]
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


# ------------------------------------------------------------------ HTTP
server = Server(base)
request = server.request


def login(user, password):
    status, set_cookie, cookie, csrf = server.login(user, password)
    check(status == 303, f"login {user}: {status}")
    check("HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie, "cookie flags")
    return cookie, csrf


# Nothing without login: the login page, which leads back to the page.
for path in ["/", "/sample?id=1", "/call?id=PS-011", "/scorecard", "/report"]:
    status, headers, _ = request("GET", path)
    want = "/login" + ("?next=" + urllib.parse.quote(path, safe="") if path != "/" else "")
    check(status == 303 and headers.get("Location") == want, f"{path} without login: {status} {headers}")
status, _, _ = request("POST", "/act", {"action": "confirm", "call": "PS-011"})
check(status == 403, f"POST without a session: {status}")
# A wrong password.
status, headers, page = request("GET", "/login")
cookie = headers["Set-Cookie"].split(";")[0]
csrf = page.split('name="csrf" value="')[1].split('"')[0]
status, _, page = request("POST", "/login", {"csrf": csrf, "user": "张敏", "password": "wrong"}, cookie)
check(status == 401 and "用户名或密码错误" in page, f"wrong password: {status}")

ins_cookie, ins_csrf = login("张敏", "pw-inspector")
agent_cookie, agent_csrf = login("刘洋", "pw-agent")
sup_cookie, sup_csrf = login("王经理", "pw-supervisor")
form = {"action": "confirm", "call": "PS-011", "rule": "taboo.02-bu-zhi-dao", "turn": "2",
        "span_start": "0", "span_end": "3"}
# CSRF: no token, a wrong token, another session's token.
for token in [None, "0" * 64, agent_csrf]:
    body = dict(form)
    if token:
        body["csrf"] = token
    status, _, _ = request("POST", "/act", body, ins_cookie)
    check(status == 403, f"POST with csrf {token!r}: {status}")
# Roles: an agent neither confirms nor rules; an inspector does not rule;
# an agent sees only their own calls (and no audit report).
status, _, _ = request("POST", "/act", dict(form, csrf=agent_csrf), agent_cookie)
check(status == 403, f"agent confirms: {status}")
status, _, _ = request("POST", "/act", {"csrf": agent_csrf, "action": "rule", "call": "PS-040",
                                        "appeal": "1", "decision": "overturn", "reason": "x"}, agent_cookie)
check(status == 403, f"agent rules: {status}")
status, _, _ = request("POST", "/act", {"csrf": ins_csrf, "action": "rule", "call": "PS-040",
                                        "appeal": "1", "decision": "overturn", "reason": "x"}, ins_cookie)
check(status == 403, f"inspector rules: {status}")
# Closing a sample: supervisors only, and only once its decision is reached.
status, _, _ = request("POST", "/act", {"csrf": ins_csrf, "action": "close", "sample": "1"}, ins_cookie)
check(status == 403, f"inspector closes a sample: {status}")
status, _, page = request("POST", "/act", {"csrf": sup_csrf, "action": "close", "sample": "1", "ruleset": "1"},
                          sup_cookie)
check(status == 400 and "cannot be decided yet" in page, f"undecided sample closed: {status}")
status, _, page = request("GET", "/call?id=PS-011", cookie=agent_cookie)
check(status == 403 and "PS-011" in page and "不知道" not in page, f"agent opens another's call: {status}")
status, _, _ = request("GET", "/report", cookie=agent_cookie)
check(status == 403, f"agent reads the audit report: {status}")
status, _, page = request("GET", "/scorecard", cookie=agent_cookie)
check(status == 200 and "A04" in page and "A03" not in page, "agent's scorecard shows only A04")
# Script in transcripts and names is text.
status, _, page = request("GET", "/call?id=XSS-1", cookie=ins_cookie)
check(status == 200, f"hostile call: {status}")
check("<script>alert" not in page and "<img src=x" not in page, "script rendered as markup")
check("&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;script&gt;alert(2)" in page, "escaped text missing")
# An oversized body and a malformed request leave the server running.
status, _, _ = request("POST", "/act", raw_body=b"a=" + b"x" * 70000, cookie=ins_cookie)
check(status == 413, f"oversized body: {status}")
s = socket.create_connection((host, port), timeout=5)
s.sendall(b"\x00\x01GARBAGE / HTTP/9.9\r\n\r\n")
try:
    s.recv(4096)
except OSError:
    pass
s.close()
status, _, _ = request("GET", "/login")
check(status == 200, f"server after bad requests: {status}")

# ------------------------------------------------------------ browser
opts = Options()
opts.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1500",
          "--disable-dev-shm-usage"]:
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
driver.implicitly_wait(5)


def click(element):
    """Clicks and waits until the next page has replaced this one (a mark
    left on this page's window is gone)."""
    driver.execute_script("window.zjOldPage = true;")
    element.click()
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && !window.zjOldPage;"))


def browser_login(user, password, shot=None):
    driver.delete_all_cookies()
    driver.get(base + "/login")
    if shot:
        driver.save_screenshot(f"{shots}/{shot}.png")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    click(driver.find_element(By.ID, "login"))
    check(driver.current_url.rstrip("/") == base and user in driver.find_element(By.CSS_SELECTOR, "nav .user").text,
          f"{user} not logged in: {driver.current_url}")


def row(rule):
    return driver.find_element(By.CSS_SELECTOR, f'table.findings tr[data-rule="{rule}"]')


try:
    browser_login("张敏", "pw-inspector", shot="login")
    driver.save_screenshot(f"{shots}/queue.png")
    click(driver.find_element(By.LINK_TEXT, "抽样 1"))
    driver.save_screenshot(f"{shots}/sample.png")
    click(driver.find_element(By.LINK_TEXT, "PS-011"))
    click(row("taboo.02-bu-zhi-dao").find_element(By.CSS_SELECTOR, "button.reject"))
    check(row("taboo.02-bu-zhi-dao").find_element(By.CLASS_NAME, "state").text == "已驳回", "PS-011 rejected")
    check(driver.find_element(By.CLASS_NAME, "final-score").text == "100", "PS-011 final 100")
    driver.get(base + "/call?id=PS-015")
    click(row("taboo.15-ask-who").find_element(By.CSS_SELECTOR, "button.confirm"))
    check(row("taboo.15-ask-who").find_element(By.CLASS_NAME, "state").text == "已确认", "PS-015 confirmed")
    # A missed finding: select 可以的 (the first three characters of turn 3).
    driver.get(base + "/call?id=PS-002")
    driver.execute_script("""
        const t = document.querySelector('.text[data-turn="2"]');
        const r = document.createRange(); r.setStart(t.firstChild, 0); r.setEnd(t.firstChild, 3);
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
        document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));""")
    got = [driver.find_element(By.ID, i).get_attribute("value") for i in ["add-turn", "add-start", "add-end", "add-text"]]
    check(got == ["3", "0", "3", "可以的"], f"selection filled {got}")
    driver.find_element(By.ID, "add-rule").send_keys("taboo.17-cant-do")
    driver.save_screenshot(f"{shots}/call-inspector.png")
    click(driver.find_element(By.CSS_SELECTOR, "button.add"))
    check(driver.find_element(By.CLASS_NAME, "final-score").text == "90", "PS-002 final 90 after the added finding")
    # A call without findings: reviewed, nothing found.
    driver.get(base + "/call?id=PS-004")
    click(driver.find_element(By.CSS_SELECTOR, "button.confirm-call"))
    check(driver.find_element(By.CLASS_NAME, "whole-call").text == "机器未发现可复核的问题。已复核无误（张敏）。",
          "PS-004 reviewed")

    # Selected after control characters, a bidi override and a CR LF: the
    # page shows them as \x01, \u202e, \u0085 and one LF, the selection
    # counts them so, the server stores the span of the stored text (12-14,
    # serve_web.sh).
    driver.get(base + "/call?id=CRLF-1")
    shown = driver.execute_script("""
        const t = document.querySelector('.text[data-turn="1"]'), n = t.firstChild;
        const i = n.data.indexOf('装修');
        const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 2);
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
        document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        return t.textContent;""")
    check(shown == "我家\\x01楼上\n一直在\\u202e\\u0085装修\n吵死了", f"CRLF-1 shown as {shown!r}")
    got = [driver.find_element(By.ID, i).get_attribute("value") for i in ["add-turn", "add-start", "add-end", "add-text"]]
    check(got == ["2", "24", "26", "装修"], f"selection in CRLF-1 filled {got}")
    driver.find_element(By.CSS_SELECTOR, 'form input[name="category"]').send_keys("噪音")
    click(driver.find_element(By.CSS_SELECTOR, "button.add"))
    check(driver.find_element(By.CSS_SELECTOR, "tr.added").text.startswith("复核补充：噪音 2 装修"),
          f"CRLF-1 added: {driver.find_element(By.CSS_SELECTOR, 'tr.added').text}")

    browser_login("刘洋", "pw-agent")
    driver.get(base + "/call?id=PS-040")
    r = row("taboo.18-troublesome")
    r.find_element(By.NAME, "reason").send_keys("我是在复述住户的话")
    click(r.find_element(By.CSS_SELECTOR, "button.appeal"))
    check(row("taboo.18-troublesome").find_element(By.CLASS_NAME, "state").text == "申诉待裁决", "appeal open")
    driver.save_screenshot(f"{shots}/call-agent.png")

    browser_login("王经理", "pw-supervisor")
    driver.get(base + "/call?id=PS-040")
    r = row("taboo.18-troublesome")
    r.find_elements(By.NAME, "reason")[1].send_keys("录音核实为复述")
    click(r.find_element(By.CSS_SELECTOR, "button.overturn"))
    check(row("taboo.18-troublesome").find_element(By.CLASS_NAME, "state").text == "申诉成立（撤销）", "overturned")
    check(driver.find_element(By.CLASS_NAME, "final-score").text == "95", "PS-040 final 95")
    driver.save_screenshot(f"{shots}/call-supervisor.png")
    driver.get(base + "/sample?id=1")
    d = driver.find_element(By.CLASS_NAME, "decision")
    check(d.get_attribute("data-decision") == "incomplete" and "已复核 4/20 通" in d.text, f"decision: {d.text}")

    # A link to a call followed from another site (a page of another origin,
    # as in mail or a ticket): the browser leaves the SameSite=Strict
    # session cookie off, so the login page answers — and the session stays.
    link = "data:text/html;charset=utf-8," + urllib.parse.quote(
        f'<a id="go" href="{base}/call?id=PS-040">PS-040</a>')

    def follow_link():
        driver.get(link)
        click(driver.find_element(By.ID, "go"))
        check(driver.current_url == base + "/login?next=%2Fcall%3Fid%3DPS-040",
              f"the link from another site led to {driver.current_url}")

    follow_link()
    driver.get(base + "/")
    check("王经理" in driver.find_element(By.CSS_SELECTOR, "nav .user").text, "logged out by the link")
    follow_link()
    click(driver.find_element(By.ID, "next"))  # 直接打开链接的页面: the cookie goes along
    check(driver.find_element(By.TAG_NAME, "h2").text == "通话 PS-040", f"next: {driver.current_url}")
    driver.delete_all_cookies()
    follow_link()
    driver.find_element(By.ID, "user").send_keys("王经理")
    driver.find_element(By.ID, "password").send_keys("pw-supervisor")
    click(driver.find_element(By.ID, "login"))
    check(driver.current_url == base + "/call?id=PS-040", f"after login: {driver.current_url}")
finally:
    driver.quit()
print("browser and security checks passed")
