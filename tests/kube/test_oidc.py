"""The oidc auth-provider on the real path (kubeconfig → client → HTTPS → the sim's front door), with a small
OIDC issuer on loopback that mints tokens the sim accepts: the sim's own HMAC tokens, which have a JWT's
three dot-separated parts and an `exp` claim in the middle one, all the client reads of an id-token."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import ssl
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from svctui.kube import api as kapi
from svctui.kube import oidc
from svctui.kube.config import KubeConfigError, load_target
from svctui.sim import tokens
from svctui.sim.frontdoor import GROUPS, USER
from svctui.sim.pki import CertificateAuthority

from ..conftest import Kubectl, start_sim

CLIENT_ID, CLIENT_SECRET = "svctui", "s3:cr+t%21"  # each character form-encoding changes


class Issuer:
    """Discovery document and token endpoint; counts refreshes, checks the client and the refresh token."""

    def __init__(self, secret: bytes, refresh_token: str = "rt-1", rotate: bool = False,
                 revoked: bool = False, ttl: float = 3600.0, post_only: bool = False):
        self.secret = secret
        self.refresh_token = refresh_token
        self.rotate = rotate
        self.revoked = revoked
        self.ttl = ttl
        self.post_only = post_only  # refuses HTTP Basic client authentication (client_secret_post only)
        self.description = "refresh token revoked"
        self.delay = 0.0  # seconds the token endpoint takes to answer
        self.refreshes = 0
        self.refused: list[str] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    def id_token(self, ttl: float | None = None) -> str:
        return tokens.mint(self.secret, USER, GROUPS, float(int(time.time() + (self.ttl if ttl is None else ttl))))

    async def start(self, ca: CertificateAuthority | None = None, tmp: Path | None = None) -> Issuer:
        """On http://, or on https:// with a certificate from `ca` (its files written under `tmp`)."""
        ctx = None
        if ca is not None:
            assert tmp is not None
            pair = ca.server_pair()
            (tmp / "issuer.crt").write_bytes(pair.cert_pem)
            (tmp / "issuer.key").write_bytes(pair.key_pem)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(tmp / "issuer.crt", tmp / "issuer.key")
        app = web.Application()
        app.router.add_get("/dex/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/dex/token", self._token)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ctx)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"{'https' if ctx else 'http'}://127.0.0.1:{port}/dex"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _discovery(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": self.url, "token_endpoint": self.url + "/token"})

    def _client(self, request: web.Request, form: Any) -> tuple[str, str] | None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic ") and not self.post_only:
            from urllib.parse import unquote_plus

            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            return unquote_plus(cid), unquote_plus(secret)
        if "client_id" in form and not auth:
            return form["client_id"], form.get("client_secret", "")
        return None

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        await asyncio.sleep(self.delay)
        if self._client(request, form) != (CLIENT_ID, CLIENT_SECRET):
            self.refused.append("client")
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token \
                or self.revoked:
            self.refused.append("grant")
            return web.json_response({"error": "invalid_grant", "error_description": self.description},
                                     status=400)
        self.refreshes += 1
        answer = {"access_token": f"at-{self.refreshes}", "token_type": "Bearer", "expires_in": int(self.ttl),
                  "id_token": self.id_token()}
        if self.rotate:
            self.refresh_token = f"rt-{self.refreshes + 1}"
            answer["refresh_token"] = self.refresh_token
        return web.json_response(answer)


def oidc_kubeconfig(sim: Any, path: Path, issuer: Issuer, id_token: str, **extra: str) -> Path:
    sim.write_kubeconfig(path)
    cfg = yaml.safe_load(path.read_text())
    cfg["users"][0]["user"] = {"auth-provider": {"name": "oidc", "config": {
        "idp-issuer-url": issuer.url, "client-id": CLIENT_ID, "client-secret": CLIENT_SECRET,
        "id-token": id_token, "refresh-token": issuer.refresh_token, "extra-scopes": "groups", **extra}}}
    cfg["users"].append({"name": "bystander", "user": {"token": "untouched"}})
    path.write_text(yaml.safe_dump(cfg))
    path.chmod(0o600)
    return path


def provider_config(path: Path) -> dict[str, str]:
    users = {u["name"]: u["user"] for u in yaml.safe_load(path.read_text())["users"]}
    return users[USER]["auth-provider"]["config"]


async def services(t: Any) -> set[str]:
    body = await kapi.get_json(t.api, "/api/v1/namespaces/default/services", [])
    return {i["metadata"]["name"] for i in body["items"]}


@pytest.fixture
async def env():
    sim = start_sim(tls=True, auth="exec")
    assert sim.cluster is not None
    issuer = await Issuer(sim.cluster.frontdoor.secret, rotate=True).start()
    yield sim, issuer
    await issuer.close()
    sim.stop()


async def test_an_expired_id_token_is_refreshed_then_persisted(env, tmp_path):
    sim, issuer = env
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    before = yaml.safe_load(kc.read_text())
    t = await load_target(str(kc))
    try:
        assert "kubernetes" in await services(t)
        assert issuer.refreshes == 1 and issuer.refused == []  # HTTP Basic, form-encoded parts, at once
        assert "kubernetes" in await services(t)
        assert issuer.refreshes == 1  # the new one is valid for an hour
    finally:
        await t.close()
    after = yaml.safe_load(kc.read_text())
    cfg = provider_config(kc)
    assert cfg["refresh-token"] == "rt-2" == issuer.refresh_token  # the rotated one
    assert tokens.verify(sim.cluster.frontdoor.secret, cfg["id-token"], time.time()) is not None
    # Only those two fields changed: the rest of the user, the other user, clusters, contexts are as they were.
    for key in ("id-token", "refresh-token"):
        before["users"][0]["user"]["auth-provider"]["config"].pop(key)
        after["users"][0]["user"]["auth-provider"]["config"].pop(key)
    assert after == before
    assert kc.stat().st_mode & 0o777 == 0o600
    assert not kc.with_name("kubeconfig.lock").exists()
    # A second start reads the persisted tokens: no refresh, and the rotated refresh token is the one held.
    t = await load_target(str(kc))
    try:
        assert "kubernetes" in await services(t)
        assert issuer.refreshes == 1
    finally:
        await t.close()


async def test_a_401_refreshes_once_and_the_request_is_retried(env, tmp_path):
    sim, issuer = env
    # Not expired by its exp, but the API server does not accept it (revoked, or another cluster's key).
    forged = tokens.mint(b"not the sim's key", USER, GROUPS, time.time() + 3600)
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, forged)
    t = await load_target(str(kc))
    try:
        assert issuer.refreshes == 0  # its exp says it is good
        assert "kubernetes" in await services(t)  # 401, one refresh, the same request again: 200
        assert issuer.refreshes == 1
        assert t.api.credentials.oidc_refreshes == 1
        assert "kubernetes" in await services(t)
        assert issuer.refreshes == 1
    finally:
        await t.close()
    assert provider_config(kc)["id-token"] != forged


async def test_a_failing_refresh_is_one_line_naming_context_and_user(env, tmp_path):
    sim, issuer = env
    issuer.revoked = True
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    text = kc.read_text()
    with pytest.raises(KubeConfigError) as err:
        await load_target(str(kc))
    msg = str(err.value)
    assert "\n" not in msg
    assert "context svctui-sim (user svctui-sim)" in msg
    assert "invalid_grant: refresh token revoked" in msg
    assert issuer.refused == ["grant", "grant"]  # Basic, then the form: x/oauth2's auto-detection
    assert kc.read_text() == text


async def test_a_401_whose_refresh_fails_is_an_api_error_naming_the_user(env, tmp_path):
    sim, issuer = env
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, tokens.mint(b"x", USER, GROUPS, time.time() + 3600))
    t = await load_target(str(kc))
    issuer.revoked = True
    try:
        with pytest.raises(kapi.ApiError) as err:
            await services(t)
        assert "user svctui-sim" in str(err.value) and "invalid_grant" in str(err.value)
        assert "\n" not in str(err.value)
    finally:
        await t.close()


async def test_client_secret_post_issuers_work_too(env, tmp_path):
    sim, issuer = env
    issuer.post_only = True
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    t = await load_target(str(kc))
    try:
        assert "kubernetes" in await services(t)
        assert issuer.refreshes == 1 and issuer.refused == ["client"]
    finally:
        await t.close()


async def test_the_user_is_written_in_the_file_that_defines_it(env, tmp_path):
    # KUBECONFIG=a:b with the context in a and the user in b: b gets the tokens, a is untouched.
    sim, issuer = env
    full = oidc_kubeconfig(sim, tmp_path / "full", issuer, issuer.id_token(ttl=-60))
    cfg = yaml.safe_load(full.read_text())
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text(yaml.safe_dump({**cfg, "users": []}))
    b.write_text(yaml.safe_dump({"users": cfg["users"]}))
    a_text = a.read_text()
    t = await load_target(environ={"KUBECONFIG": f"{a}:{b}", "HOME": str(tmp_path)})
    try:
        assert "kubernetes" in await services(t)
    finally:
        await t.close()
    assert a.read_text() == a_text
    assert provider_config(b)["refresh-token"] == "rt-2"


@pytest.mark.parametrize("name,plugin", [("gcp", "gke-gcloud-auth-plugin"), ("azure", "kubelogin")])
async def test_removed_auth_providers_name_their_exec_plugin(tmp_path, name, plugin):
    kc = tmp_path / "kubeconfig"
    kc.write_text(yaml.safe_dump({
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"auth-provider": {"name": name, "config": {}}}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}], "current-context": "x"}))
    with pytest.raises(KubeConfigError) as err:
        await load_target(str(kc))
    msg = str(err.value)
    assert plugin in msg and "context x (user u)" in msg and "\n" not in msg


@pytest.mark.parametrize("config,why", [
    ({"client-id": "k"}, "must provide idp-issuer-url"),
    ({"idp-issuer-url": "http://127.0.0.1:1", "client-id": "k"}, "cannot refresh without refresh-token"),
    ({"idp-issuer-url": "http://127.0.0.1:1", "client-id": "k", "id-token": "opaque"}, "not a valid JWT"),
])
async def test_an_unusable_oidc_config_is_one_line(tmp_path, config, why):
    kc = tmp_path / "kubeconfig"
    kc.write_text(json.dumps({
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"auth-provider": {"name": "oidc", "config": config}}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}], "current-context": "x"}))
    with pytest.raises(KubeConfigError, match=why) as err:
        await load_target(str(kc))
    assert "context x (user u)" in str(err.value) and "\n" not in str(err.value)


async def test_concurrent_requests_share_one_refresh(env, tmp_path):
    sim, issuer = env
    # Valid for the server for 5 s, expired for the client (client-go's 10 s allowance for clock skew).
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=5))
    t = await load_target(str(kc), authenticate=False)  # the first requests are the ones to refresh
    try:
        results = await asyncio.gather(*(services(t) for _ in range(8)))
        assert all("kubernetes" in r for r in results)
        assert issuer.refreshes == 1
    finally:
        await t.close()


async def test_a_second_client_takes_the_tokens_another_refreshed_into_the_file(env, tmp_path):
    # Two svctui (or svctui and kubectl) on one kubeconfig, the issuer rotating refresh tokens: the first
    # to refresh spends rt-1; the second must not try it again (invalid_grant) but read rt-2's id-token.
    sim, issuer = env
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    first = await load_target(str(kc), authenticate=False)
    second = await load_target(str(kc), authenticate=False)
    try:
        assert "kubernetes" in await services(first)
        assert "kubernetes" in await services(second)
        assert issuer.refreshes == 1 and issuer.refused == []
        assert second.api.credentials.oidc_refreshes == 0
    finally:
        await first.close()
        await second.close()


async def test_the_sync_client_path_refreshes_too(env, tmp_path):
    # The sync `kubernetes` client (port-forward, a debug pod's cleanup at exit) asks from a thread.
    from kubernetes.client import ApiClient as SyncApiClient
    from kubernetes.client import CoreV1Api

    from svctui.kube.transport import sync_configuration_for

    sim, issuer = env
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    t = await load_target(str(kc), authenticate=False)
    try:
        m = await asyncio.to_thread(t.api.credentials.current_sync)
        assert issuer.refreshes == 1
        cfg = sync_configuration_for(t.api, m)

        def listing() -> list[str]:
            with SyncApiClient(cfg) as c:
                return [s.metadata.name for s in CoreV1Api(c).list_namespaced_service("default").items]

        assert "kubernetes" in await asyncio.to_thread(listing)
        assert "kubernetes" in await services(t)  # the loop's path sees the thread's refresh
        assert issuer.refreshes == 1
    finally:
        await t.close()


async def test_the_loop_and_a_thread_due_at_once_share_one_refresh(env, tmp_path):
    # Each path has its own lock (an asyncio one cannot be taken from a thread); a rotating issuer would
    # answer the second refresh with invalid_grant, so the second must take the first's tokens.
    sim, issuer = env
    issuer.delay = 0.3
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    t = await load_target(str(kc), authenticate=False)
    try:
        creds = t.api.credentials
        a, b = await asyncio.gather(asyncio.to_thread(creds.current_sync), creds.current())
        assert a.authorization == b.authorization
        assert issuer.refreshes == 1 and issuer.refused == []
    finally:
        await t.close()


@pytest.mark.parametrize("trust", ["data", "file", None])
async def test_an_https_issuer_is_trusted_through_idp_certificate_authority(tmp_path, trust):
    sim = start_sim(tls=True, auth="exec")
    assert sim.cluster is not None
    ca = CertificateAuthority("oidc-issuer-ca")  # not the sim's, nor one the system trusts
    issuer = await Issuer(sim.cluster.frontdoor.secret).start(ca, tmp_path)
    try:
        extra = {}
        if trust == "data":
            extra["idp-certificate-authority-data"] = base64.b64encode(ca.cert_pem).decode()
        elif trust == "file":
            (tmp_path / "issuer-ca.pem").write_bytes(ca.cert_pem)
            extra["idp-certificate-authority"] = str(tmp_path / "issuer-ca.pem")
        kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60), **extra)
        if trust is None:
            with pytest.raises(KubeConfigError) as err:
                await load_target(str(kc))
            assert "CERTIFICATE_VERIFY_FAILED" in str(err.value) and "\n" not in str(err.value)
            assert "user svctui-sim" in str(err.value)
            return
        t = await load_target(str(kc))
        try:
            assert "kubernetes" in await services(t)
            assert issuer.refreshes == 1
        finally:
            await t.close()
    finally:
        await issuer.close()
        sim.stop()


def kubectl_for(kc: Path, tmp_path: Path) -> Kubectl:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    return Kubectl(kc, tmp_path / "kube-cache")


async def test_kubectl_and_svctui_take_each_others_refreshed_tokens(env, tmp_path):
    # The same file for both, the issuer rotating: kubectl's client-go refreshes against the same test
    # issuer (so it behaves as one client-go accepts) and persists; svctui then needs no refresh. Then
    # svctui refreshes and persists, and kubectl uses what svctui wrote without a refresh of its own.
    sim, issuer = env
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    k = kubectl_for(kc, tmp_path)
    assert "kubernetes" in await asyncio.to_thread(k, "get", "svc", "-o", "name")
    assert issuer.refreshes == 1 and issuer.refused == [] and provider_config(kc)["refresh-token"] == "rt-2"
    t = await load_target(str(kc))
    try:
        assert "kubernetes" in await services(t)
        assert issuer.refreshes == 1
    finally:
        await t.close()
    cfg = yaml.safe_load(kc.read_text())
    me = next(u for u in cfg["users"] if u["name"] == USER)  # kubectl's write sorted the users by name
    me["user"]["auth-provider"]["config"]["id-token"] = issuer.id_token(ttl=-60)
    kc.write_text(yaml.safe_dump(cfg))
    t = await load_target(str(kc))
    try:
        assert issuer.refreshes == 2
    finally:
        await t.close()
    assert "kubernetes" in await asyncio.to_thread(k, "get", "svc", "-o", "name")
    assert issuer.refreshes == 2 and provider_config(kc)["refresh-token"] == "rt-3"


def test_persist_follows_a_symlink_and_keeps_other_users(tmp_path):
    real = tmp_path / "real-config"
    real.write_text(yaml.safe_dump({"users": [
        {"name": "other", "user": {"token": "t"}},
        {"name": "me", "user": {"auth-provider": {"name": "oidc", "config": {"id-token": "a", "refresh-token": "b",
                                                                             "client-id": "c"}}}}]}))
    real.chmod(0o640)
    link = tmp_path / "config"
    link.symlink_to(real)
    oidc.persist(link, "me", "new-id", "new-refresh")
    assert link.is_symlink()
    data = yaml.safe_load(real.read_text())
    assert data["users"][0] == {"name": "other", "user": {"token": "t"}}
    assert data["users"][1]["user"]["auth-provider"]["config"] == {"id-token": "new-id", "refresh-token": "new-refresh",
                                                                   "client-id": "c"}
    assert real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "real-config"]  # no temporary, no lock left


def test_persist_waits_for_kubectl_lock_then_gives_up_with_the_file_untouched(tmp_path):
    kc = tmp_path / "config"
    kc.write_text(yaml.safe_dump({"users": [{"name": "me", "user": {"auth-provider": {"name": "oidc", "config": {}}}}]}))
    before = kc.read_text()
    (tmp_path / "config.lock").touch()
    with pytest.raises(oidc.OidcError, match="config.lock exists"):
        oidc.persist(kc, "me", "x", "y", lock_wait=0.2)
    assert kc.read_text() == before


async def test_an_issuers_error_text_is_shown_plain(env, tmp_path):
    sim, issuer = env
    issuer.revoked = True
    issuer.description = "revoked\x1b[2J\x07 [bold]by admin[/bold]\nsecond line"
    kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
    with pytest.raises(KubeConfigError) as err:
        await load_target(str(kc))
    msg = str(err.value)
    assert "\x1b" not in msg and "\x07" not in msg and "\n" not in msg
    assert "invalid_grant" in msg


def unsigned_jwt(claims: dict[str, Any]) -> str:
    # What a test can mint without a key: client-go reads exp and leaves the signature to the API server.
    def part(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}."


@pytest.mark.parametrize("exp,valid", [(1000 + 11, True), (1000 + 10, False), (1000 + 10.9, False),
                                       (1011.5, True), (None, False), (999, False)])
def test_id_token_validity_is_exp_minus_ten_seconds(exp, valid):
    claims = {"sub": "me"} if exp is None else {"sub": "me", "exp": exp}
    assert oidc.id_token_valid(unsigned_jwt(claims), now=1000.0) is valid


@pytest.mark.parametrize("token", ["opaque", "a.b", "a.!!!.c", unsigned_jwt({"exp": "soon"}), unsigned_jwt({"exp": True})])
def test_an_id_token_that_is_not_a_jwt_with_a_numeric_exp_is_an_error(token):
    with pytest.raises(oidc.OidcError):
        oidc.id_token_valid(token, now=1000.0)


async def test_credentials_refresh_only_once_the_clock_reaches_exp_minus_ten_seconds():
    import datetime as dt

    from svctui.kube.credentials import CredentialError, Credentials

    clock = [dt.datetime.fromtimestamp(1000, dt.UTC)]
    token = unsigned_jwt({"exp": 1100})
    user = {"auth-provider": {"name": "oidc", "config": {
        "idp-issuer-url": "http://127.0.0.1:1/nowhere", "client-id": "k", "id-token": token, "refresh-token": "r"}}}
    creds = Credentials(user, context="ctx", user_name="me", now=lambda: clock[0])
    m = await creds.current()
    assert m.authorization == f"Bearer {token}" and creds.oidc_refreshes == 0
    clock[0] = dt.datetime.fromtimestamp(1089, dt.UTC)
    assert (await creds.current()).authorization == f"Bearer {token}"
    clock[0] = dt.datetime.fromtimestamp(1090, dt.UTC)
    with pytest.raises(CredentialError) as err:
        await creds.current()  # due now: the refresh is tried, and the issuer is not there
    assert creds.oidc_refreshes == 1
    assert "oidc auth-provider for context ctx (user me)" in str(err.value) and "\n" not in str(err.value)
    assert "127.0.0.1:1/nowhere/.well-known/openid-configuration" in str(err.value)


async def test_the_live_watches_outlive_several_id_tokens(tmp_path):
    # Tokens the issuer gives last 12 s for the server, 2 s for the client (exp - 10 s); the server ends
    # every watch after 1-2 s, so the streams re-list and re-watch across several refreshes, each of which
    # spends the rotating refresh token of the one before.
    from svctui.kube.state import LOST

    from .conftest import start_harness

    sim = start_sim(tls=True, auth="exec", watch_timeout=1.0)
    assert sim.cluster is not None
    issuer = await Issuer(sim.cluster.frontdoor.secret, rotate=True, ttl=12.0).start()
    h = None
    try:
        kc = oidc_kubeconfig(sim, tmp_path / "kubeconfig", issuer, issuer.id_token(ttl=-60))
        h = await start_harness(sim, tmp_path, kubeconfig=kc, watch_timeout=(1, 2))
        await asyncio.sleep(5.0)
        # kubectl as the sim's admin with its own kubeconfig: on this one it would refresh too, and two
        # processes spending one rotating refresh token at the same moment is a race one of them loses.
        k = kubectl_for(sim.write_kubeconfig(tmp_path / "admin-kubeconfig"), tmp_path)
        await asyncio.to_thread(k, "run", "victim", "--image=busybox", "--restart=Never", "--", "sleep", "3600")
        await h.wait_for(lambda: ("default", "victim") in h.model.store.pods, timeout=10, what="the new pod")
        assert not [s for s in h.states if s.state == LOST], [s.text for s in h.states if s.state == LOST]
        assert 3 <= issuer.refreshes <= 6, issuer.refreshes  # one per token lifetime, not one per request
        assert issuer.refused == []
    finally:
        if h is not None:
            await h.close()
        await issuer.close()
        sim.stop()
