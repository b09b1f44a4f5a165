#!/usr/bin/env python3
"""Takes the README's screenshots of the supervisor's console, in Debian's headless Chromium.

Starts a node (binoculars-server, in memory) with a small contact centre, puts a few conversations in progress on
web messaging, WhatsApp and SMS, lets one supervisor monitor one of them, and photographs through chromedriver:
  docs/images/console-interactions.png   Performance > Interactions as another supervisor sees it (button greyed)
  docs/images/console-monitoring.png     the monitored conversation as the monitoring supervisor sees it
  docs/images/console-timeline.png       the interaction details' timeline with the monitoring span
  docs/images/console-details.png        the interaction details' participants, with Stop Monitoring
  docs/images/console-queue-activity.png Performance > Queue Activity for the Support queue

Usage: scripts/console-screenshots.py [--out docs/images] [--server .build/debug/binoculars-server]
It builds binoculars-server first when it is missing, and installs chromium and chromium-driver with .ci/setup.
"""
import argparse
import base64
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent

SCENARIO = """\
name: console-screenshots
seed: 1
duration: 1h
queues: [{name: Support}, {name: Billing}]
channels:
  - {kind: webMessaging, queue: Support, ratesPerHour: [60]}
agentGroups:
  - {name: Agent, count: 6, queues: [Support, Billing], channels: [webMessaging], capacity: 3}
supervisorGroups:
  - {name: Supervisor, count: 4, thinkTime: {exponential: {mean: 60s}}, holdTime: {exponential: {mean: 90s}}}
"""


def call(port, method, path, body=None, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path}: {error.code} {error.read().decode()}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Driver:
    """chromedriver over the W3C WebDriver protocol."""

    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["chromedriver", f"--port={self.port}", "--allowed-ips=127.0.0.1", "--log-level=SEVERE"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                if self.request("GET", "/status")["value"]["ready"]:
                    break
            except OSError:
                time.sleep(0.1)
        arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                     "--window-size=1280,800", "--force-device-scale-factor=1"]
        capabilities = {"browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": arguments}}
        self.session = self.request("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})["value"]["sessionId"]

    def request(self, method, path, body=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def run(self, script):
        return self.request("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": []})["value"]

    def photograph(self, url, ready, path):
        self.request("POST", f"/session/{self.session}/url", {"url": url})
        for _ in range(200):
            if self.run(f"return document.querySelector({json.dumps(ready)}) !== null;"):
                break
            time.sleep(0.05)
        else:
            raise SystemExit(f"{url}: {ready} never appeared")
        time.sleep(0.3)
        png = base64.b64decode(self.request("GET", f"/session/{self.session}/screenshot")["value"])
        path.write_bytes(png)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def stop(self):
        try:
            self.request("DELETE", f"/session/{self.session}")
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--server", default=str(ROOT / ".build" / "debug" / "binoculars-server"))
    arguments = parser.parse_args()
    out = pathlib.Path(arguments.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not (shutil.which("chromedriver") and os.path.exists("/usr/bin/chromium")):
        subprocess.run(["bash", str(ROOT / ".ci" / "setup"), "chromium", "chromium-driver", "fonts-dejavu-core"], check=True)
    if not os.path.exists(arguments.server):
        subprocess.run(["swift", "build", "--product", "binoculars-server"], cwd=ROOT, check=True)

    work = pathlib.Path(tempfile.mkdtemp(prefix="binoculars-screenshots-"))
    (work / "centre.yaml").write_text(SCENARIO)
    server = subprocess.Popen(
        [arguments.server, "--port", "0", "--store", "memory", "--directory", str(work / "centre.yaml"),
         "--tokens", str(work / "tokens.json"), "--log-level", "warning"], stdout=subprocess.PIPE, text=True)
    driver = None
    try:
        line = server.stdout.readline()
        port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))
        tokens = {entry["name"]: entry for entry in json.loads((work / "tokens.json").read_text())}
        admin = tokens["Administrator"]["token"]
        conversations = []
        plan = [({"type": "webMessaging"}, "Ann Baker", "Agent 1", 1,
                 ["Hello, my order #A-17 has not arrived.", "Sorry to hear that, Ann. Let me look it up."]),
                ({"type": "messaging", "platform": "whatsApp"}, "Omar Diaz", "Agent 2", 1,
                 ["Can I change my delivery address?", "Of course. Which address should we use?"]),
                ({"type": "sms"}, "Lena Fischer", "Agent 3", 2, ["Why was I charged twice?"]),
                ({"type": "webMessaging"}, "Priya Nair", "Agent 4", 2, ["I'd like a refund, please."])]
        for channel, customer, agent, queue, lines in plan:
            created = call(port, "POST", "/api/v2/conversations/messages", {
                "channel": channel, "customerName": customer, "participantData": {"orderId": "A-17", "tier": "gold"},
                "journey": ["/orders", "/help/delivery"]})
            conversation, customer_token = created["conversationId"], created["customerToken"]
            base = f"/api/v2/conversations/messages/{conversation}"
            call(port, "POST", base + "/queue", {"queueId": queue}, admin)
            alerted = call(port, "POST", base + "/alerts", {"userId": tokens[agent]["user"]}, admin)
            participant = alerted["participant"]
            call(port, "POST", base + f"/participants/{participant}/connect", token=tokens[agent]["token"])
            for index, text in enumerate(lines):
                sender, token = (0, customer_token) if index % 2 == 0 else (participant, tokens[agent]["token"])
                call(port, "POST", base + f"/participants/{sender}/messages", {"body": text}, token)
            conversations.append((conversation, participant))
        watcher = tokens["Supervisor 1"]
        first, participant = conversations[0]
        call(port, "POST", f"/api/v2/conversations/messages/{first}/participants/{participant}/monitor",
             {"entryPoint": "interactions"}, watcher["token"])

        driver = Driver()
        console = f"http://127.0.0.1:{port}/console/#token="
        driver.photograph(f"{console}{tokens['Supervisor 2']['token']}&view=interactions",
                          "button[data-state=monitoredBy]", out / "console-interactions.png")
        driver.photograph(f"{console}{watcher['token']}&view=monitoring/{first}", "#monitor-bar",
                          out / "console-monitoring.png")
        driver.photograph(f"{console}{watcher['token']}&view=conversations/{first}/timeline", ".span-row",
                          out / "console-timeline.png")
        driver.photograph(f"{console}{watcher['token']}&view=conversations/{first}", "#agent-actions",
                          out / "console-details.png")
        driver.photograph(f"{console}{tokens['Supervisor 2']['token']}&view=queues/1", "#queue-picker",
                          out / "console-queue-activity.png")
    finally:
        if driver:
            driver.stop()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
