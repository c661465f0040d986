"""Plain HTTP to `zhijian serve` for its tests (serve_browser.py,
serve_web.sh): one request, and a login returning the session."""
import http.client
import urllib.parse


class Server:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port

    def request(self, method, path, body=None, cookie=None, raw_body=None):
        """(status, headers, page) of one request; body: form fields."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        headers = {}
        if cookie:
            headers["Cookie"] = cookie
        data = raw_body
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        out = (r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace"))
        c.close()
        return out

    def login(self, user, password):
        """Logs in: (status of the POST, its Set-Cookie header, session
        cookie, the home page's CSRF token)."""
        _, headers, page = self.request("GET", "/login")
        cookie = headers["Set-Cookie"].split(";")[0]
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        status, headers, _ = self.request("POST", "/login",
                                          {"csrf": csrf, "user": user, "password": password},
                                          cookie)
        set_cookie = headers.get("Set-Cookie", "")
        cookie = set_cookie.split(";")[0]
        _, _, home = self.request("GET", "/", cookie=cookie)
        csrf = home.split('name="csrf" value="')[1].split('"')[0] if status == 303 else ""
        return status, set_cookie, cookie, csrf
