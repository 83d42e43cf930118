"""nginx writes an access line per request, as the official image does, and `kubectl logs` shows it."""

from __future__ import annotations

import json
import re

from .test_pods import wait_for

LINE = re.compile(r'^(\S+) - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET (/\S*) HTTP/1.1" (\d{3}) (\d+) "-" "curl/8.11.1" "-"$')


def test_curl_through_a_service_leaves_a_combined_log_line(sim, kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27-alpine")
    kubectl("expose", "deployment", "web", "--port=80")
    wait_for(lambda: "1/1" in kubectl("get", "deployment", "web", "--no-headers"))
    kubectl("run", "client", "--image=curlimages/curl:8.11.1", "--restart=Never", "--",
            "sh", "-c", "curl -s -o /dev/null http://web/ && curl -s -o /dev/null http://web/missing")
    wait_for(lambda: "Completed" in kubectl("get", "pod", "client", "--no-headers"))
    client_ip = json.loads(kubectl("get", "pod", "client", "-o", "json"))["status"]["podIP"]
    lines = [m.groups() for line in kubectl("logs", "deployment/web").splitlines() if (m := LINE.match(line))]
    assert [(ip, path, code) for ip, path, code, _ in lines] == [(client_ip, "/", "200"), (client_ip, "/missing", "404")]
    assert int(lines[0][3]) == 615  # the default index.html
