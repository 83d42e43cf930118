from svctui.model.httpreply import NGINX_DEFAULT, read_curl

HEAD = b"HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\nContent-Type: text/html\r\n\r\n"


def test_backend_from_header_hostname_and_short_body():
    r = read_curl(0, b"HTTP/1.1 200 OK\r\nX-Served-By: my-app-1\r\n\r\nmy-app-1\n", b"")
    assert (r.ok, r.status, r.backend) == (True, "200 OK", "my-app-1")
    assert read_curl(0, HEAD + b"web-7c5b-abc12\n", b"").backend == "web-7c5b-abc12"
    # The seed's edited index.html: identifies the pod only when asked (the CLI keeps its old reading).
    assert read_curl(0, HEAD + b"Pod 2 responding!\n", b"").backend == ""
    assert read_curl(0, HEAD + b"Pod 2 responding!\n", b"", short_body=True).backend == "Pod 2 responding!"
    assert read_curl(0, HEAD + b"<html><title>Welcome to nginx!</title>\n</html>", b"",
                     short_body=True).backend == NGINX_DEFAULT


def test_failures():
    r = read_curl(7, b"", b"curl: (7) Failed to connect to x port 80\n")
    assert (r.ok, r.status) == (False, "curl: (7) Failed to connect to x port 80")
    assert read_curl(0, b"garbage", b"").status == "no HTTP status in the reply"
    assert read_curl(0, b"HTTP/1.1 503 Service Unavailable\r\n\r\n", b"").ok is False
