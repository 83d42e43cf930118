"""Image references as the kubelet and containerd spell them: repository and tag, the fully qualified
reference in a container's status, its digest and a pull's size. Pure text: no cluster, no registry."""

from __future__ import annotations

import hashlib


def image_name(image: str) -> tuple[str, str]:
    """(repository without registry or tag, tag) of an image reference: `nginx:1.27-alpine` -> (nginx, 1.27-alpine)."""
    ref = image.split("@", 1)[0]
    repo, tag = ref, "latest"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        repo, tag = ref[:colon], ref[colon + 1:]
    parts = repo.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return "/".join(parts), tag


def full_image(image: str) -> str:
    """The reference containerd reports in status.containerStatuses[].image."""
    if "@" in image:
        return image
    ref = image
    first = ref.split("/", 1)[0]
    if "/" not in ref or not ("." in first or ":" in first or first == "localhost"):
        ref = "docker.io/" + (ref if "/" in ref else "library/" + ref)
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        ref += ":latest"
    return ref


def image_id(image: str) -> str:
    full = full_image(image)
    if "@" in full:
        return full
    repo = full.rsplit(":", 1)[0]
    return f"{repo}@sha256:{hashlib.sha256(full.encode()).hexdigest()}"


def image_size(image: str) -> int:
    """A stable, plausible compressed size in bytes."""
    h = int(hashlib.sha256(image.encode()).hexdigest()[:8], 16)
    name, tag = image_name(image)
    base = 3_000_000 if "alpine" in tag or name in ("busybox", "alpine") else 40_000_000
    return base + h % (base * 2)
