"""The registry the simulated nodes pull from: which image references exist, and how a pull of the others fails.

A reference is first parsed as the kubelet does (distribution/reference ParseNormalizedNamed, via
applyDefaultImageTag): one it cannot parse is InvalidImageName, with the kubelet's message. A parsed
reference resolves when its repository is in CATALOGUE (any tag, any digest), or in the images the sim was
started with (`svctui sim --image REF`, SimOptions.images: a repository, or a repository with a tag to allow
that tag only). Anything else fails as containerd on a kind node reports it: Docker Hub answers "pull
access denied" for a repository it does not have, known registries "not found", and an unknown host does
not resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Repositories the simulated registries hold, normalized (docker.io/library/... for official images).
CATALOGUE: frozenset[str] = frozenset({
    *(f"docker.io/library/{n}" for n in (
        "nginx", "busybox", "alpine", "ubuntu", "debian", "centos", "fedora", "rockylinux", "almalinux",
        "amazonlinux", "python", "node", "golang", "openjdk", "eclipse-temurin", "ruby", "php", "httpd", "caddy",
        "haproxy", "traefik", "postgres", "mysql", "mariadb", "redis", "memcached", "mongo", "rabbitmq",
        "elasticsearch", "wordpress", "registry", "hello-world")),
    "docker.io/curlimages/curl", "docker.io/nicolaka/netshoot", "docker.io/coredns/coredns",
    "docker.io/kindest/kindnetd", "docker.io/kindest/local-path-provisioner", "docker.io/kindest/local-path-helper",
    "docker.io/bitnami/nginx", "docker.io/bitnami/redis", "docker.io/bitnami/postgresql",
    "docker.io/hashicorp/http-echo", "docker.io/kennethreitz/httpbin", "docker.io/traefik/whoami",
    *(f"registry.k8s.io/{n}" for n in (
        "coredns/coredns", "pause", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
        "kube-proxy", "e2e-test-images/agnhost", "e2e-test-images/busybox", "e2e-test-images/nginx",
        "echoserver", "metrics-server/metrics-server", "ingress-nginx/controller")),
    "quay.io/curl/curl",
})
# Registries whose every repository exists (the project's own demo images).
CATALOGUE_PREFIXES: tuple[str, ...] = ("ghcr.io/svctui/",)
# Hosts that resolve: a missing repository there is "not found" rather than a DNS failure.
KNOWN_REGISTRIES = frozenset({"docker.io", "registry.k8s.io", "ghcr.io", "quay.io", "gcr.io", "mcr.microsoft.com",
                              "public.ecr.aws", "registry.gitlab.com"})

# distribution/reference's grammar (regexp.go).
_ALNUM = r"[a-z0-9]+"
_SEP = r"(?:[._]|__|[-]+)"
_COMPONENT = rf"{_ALNUM}(?:{_SEP}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}"
_REFERENCE = re.compile(rf"^((?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::({_TAG}))?(?:@({_DIGEST}))?$")
_HEX64 = re.compile(r"^[a-f0-9]{64}$")
_NAME_TOTAL_LENGTH_MAX = 255


def _split_docker_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain: a first component is a registry host if it has a dot or a port, is localhost, or
    has an uppercase letter (which then fails to parse as a host: `YOUR_REGISTRY/api`)."""
    first, slash, rest = name.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost" and first.lower() == first):
        domain, remote = "docker.io", name
    else:
        domain, remote = first, rest
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in remote:
        remote = "library/" + remote
    return domain, remote


def parse_error(image: str) -> str | None:
    """Why the kubelet cannot parse the reference (the text after `couldn't parse image name "x": `), or None."""
    if _HEX64.match(image):
        return f"invalid repository name ({image}), cannot specify 64-byte hexadecimal strings"
    domain, remainder = _split_docker_domain(image)
    remote = remainder.split(":", 1)[0] if ":" in remainder else remainder
    if remote.lower() != remote:
        return f"invalid reference format: repository name ({remote}) must be lowercase"
    full = f"{domain}/{remainder}"
    m = _REFERENCE.match(full)
    if m is None:
        if not image:
            return "repository name must have at least one component"
        if _REFERENCE.match(full.lower()):
            return "repository name must be lowercase"
        return "invalid reference format"
    if len(m.group(1)) > _NAME_TOTAL_LENGTH_MAX:
        return f"repository name must not be more than {_NAME_TOTAL_LENGTH_MAX} characters"
    return None


def invalid_name_message(image: str) -> str | None:
    """The InspectFailed event and InvalidImageName waiting message, or None for a parseable reference."""
    err = parse_error(image)
    if err is None:
        return None
    return f'Failed to apply default image tag "{image}": couldn\'t parse image name "{image}": {err}'


def normalize(image: str) -> tuple[str, str, str]:
    """(domain, repository path, tag or @digest) of a parseable reference; the tag defaults to latest."""
    ref, at, digest = image.partition("@")
    domain, remainder = _split_docker_domain(ref)
    path, colon, tag = remainder.partition(":")
    return domain, path, ("@" + digest) if at and not colon else (tag if colon else "latest")


def full_reference(image: str) -> str:
    domain, path, tag = normalize(image)
    return f"{domain}/{path}{tag if tag.startswith('@') else ':' + tag}"


def _allowed(extra: Iterable[str]) -> tuple[set[str], set[str]]:
    repos, refs = set(), set()
    for item in extra:
        if parse_error(item) is not None:
            continue
        domain, path, _ = normalize(item)
        last = item.rsplit("/", 1)[-1]
        if ":" in last or "@" in item:
            refs.add(full_reference(item))
        else:
            repos.add(f"{domain}/{path}")
    return repos, refs


def pull_error(image: str, extra: Iterable[str] = ()) -> str | None:
    """What containerd answers when asked to pull a parseable reference it cannot have; None if it can."""
    domain, path, tag = normalize(image)
    repo = f"{domain}/{path}"
    full = full_reference(image)
    repos, refs = _allowed(extra)
    if repo in CATALOGUE or repo in repos or full in refs or any(repo.startswith(p) for p in CATALOGUE_PREFIXES):
        return None
    head = f'failed to pull and unpack image "{full}": failed to resolve reference "{full}"'
    if domain == "docker.io":
        return (f"rpc error: code = Unknown desc = {head}: pull access denied, repository does not exist or may "
                "require authorization: server message: insufficient_scope: authorization failed")
    if domain in KNOWN_REGISTRIES:
        return f"rpc error: code = NotFound desc = {head}: {full}: not found"
    host = domain.rsplit(":", 1)[0] if not domain.endswith("]") else domain
    ref_part = tag[1:] if tag.startswith("@") else tag
    return (f'rpc error: code = Unknown desc = {head}: failed to do request: Head "https://{domain}/v2/{path}/manifests/'
            f'{ref_part}": dial tcp: lookup {host} on 172.18.0.1:53: no such host')
