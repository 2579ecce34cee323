#!/usr/bin/env python3
"""The page of `limn serve` in a real browser: headless Chromium (Debian's `chromium`,
driven through `chromium-driver`'s WebDriver API with the standard library only) loads
the page, picks Samples/chelsea.jpg, runs an upscale x2, waits for the result, reads its
size from the page and saves a screenshot.

    python3 Tests/Browser/page-test.py LIMN [SCREENSHOT.png]

Exits 0 when the page shows the result at 902 x 600; run by .ci/run.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "Samples", "chelsea.jpg")
# Loopback only, never through a proxy.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(driver, method, path, body=None):
    req = urllib.request.Request(driver + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with OPENER.open(req, timeout=120) as r:
        return json.load(r)["value"]


def main():
    limn, shot = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "page.png"
    server = subprocess.Popen([limn, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    drv_port = free_port()
    driver_proc = subprocess.Popen(["chromedriver", f"--port={drv_port}"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    try:
        page = server.stdout.readline().strip().rsplit(" ", 1)[-1]   # "limn serve: listening on URL"
        driver = f"http://127.0.0.1:{drv_port}"
        for _ in range(100):
            try:
                call(driver, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        session = call(driver, "POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium",
                                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                            "--window-size=1100,1400", "--no-proxy-server"]}}}})["sessionId"]
        s = f"/session/{session}"
        try:
            call(driver, "POST", s + "/url", {"url": page + "/"})

            def find(css):
                return call(driver, "POST", s + "/element", {"using": "css selector", "value": css})

            def element_id(e):
                return next(iter(e.values()))

            call(driver, "POST", s + f"/element/{element_id(find('#file'))}/value", {"text": SAMPLE})
            call(driver, "POST", s + f"/element/{element_id(find('#run'))}/click", {})
            size = ""
            for _ in range(600):
                size = call(driver, "GET", s + f"/element/{element_id(find('#result-size'))}/text")
                if size:
                    break
                time.sleep(0.2)
            error = call(driver, "GET", s + f"/element/{element_id(find('#error'))}/text")
            with open(shot, "wb") as f:
                f.write(base64.b64decode(call(driver, "GET", s + "/screenshot")))
        finally:
            call(driver, "DELETE", s)
        print(f"page: result {size or 'missing'}{'; error: ' + error if error else ''}; screenshot {shot}")
        return 0 if size == "902 × 600" else 1
    finally:
        driver_proc.terminate()
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
