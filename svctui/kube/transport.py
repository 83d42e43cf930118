"""One way to the API server for every request svctui makes: REST, watches and exec websockets share
one aiohttp session (TLS context, proxy, tls-server-name), and every request takes its Authorization
and client certificate from the context's `Credentials`, with one retry after a 401.

kubernetes_asyncio's `WsApiClient` would open exec websockets through a second session that ignores
proxy-url and tls-server-name, reads only WSS_PROXY for a wss:// URL, and knows nothing of a refreshed
token; so svctui opens them here. The sync `kubernetes` client (port-forward) gets a Configuration
built from the same Transport and the same Credentials (`sync_configuration`).
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.client.exceptions import ApiException
from yarl import URL

from .api import ApiError
from .credentials import CredentialError, Credentials, Material

if TYPE_CHECKING:
    from kubernetes.client import Configuration as SyncConfiguration

READ_BUFSIZE = 2**21  # as kubernetes_asyncio: watch events of big objects exceed aiohttp's default


class TransportError(Exception):
    pass


@dataclass
class Transport:
    host: str
    ca_file: str | None = None
    verify: bool = True
    server_name: str | None = None
    proxy: str | None = None  # without credentials; those are in proxy_headers
    proxy_headers: dict[str, str] | None = None

    @classmethod
    def for_cluster(cls, host: str, ca_file: str | None, verify: bool, server_name: str | None,
                    proxy_url: str | None) -> Transport:
        """proxy-url from the kubeconfig wins; else the environment's (HTTPS_PROXY for https, HTTP_PROXY
        for http, unless NO_PROXY names the host), resolved once here, not per request."""
        t = cls(host, ca_file, verify, server_name)
        if proxy_url:
            url = URL(proxy_url)
            if url.scheme not in ("http", "https") or not url.host:
                raise TransportError(f"proxy-url {url.with_password(None) if url.password else url}: "
                                     "only http:// and https:// proxies are supported")
            headers = None
            if url.user is not None:  # yarl has decoded them: "s3cr%3Aet" is "s3cr:et"
                pair = f"{url.user}:{url.password or ''}".encode()
                headers = {"Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()}
            t.proxy, t.proxy_headers = str(url.with_user(None)), headers
            return t
        try:
            url, auth = get_env_proxy_for_url(URL(host))
        except (LookupError, ValueError):
            return t
        t.proxy = str(url)
        if auth is not None:
            t.proxy_headers = {"Proxy-Authorization": auth.encode()}
        return t

    def ssl_context(self, cert_file: str | None, key_file: str | None) -> ssl.SSLContext:
        try:
            ctx = ssl.create_default_context(cafile=self.ca_file)
            if cert_file:
                ctx.load_cert_chain(cert_file, keyfile=key_file)
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"TLS material unusable: {exc}") from None
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


class KubeApiClient(ApiClient):
    """kubernetes_asyncio's ApiClient (its request building) on svctui's transport and credentials."""

    def __init__(self, configuration: Configuration, transport: Transport, credentials: Credentials):
        super().__init__(configuration=configuration)
        self.transport = transport
        self.credentials = credentials
        self._retired: list[aiohttp.ClientSession] = [self.rest_client.pool_manager]
        self._tls: tuple[str | None, str | None] | None = None
        # None means "none" to RESTClientObject.request, which its own __init__ sets from Optional fields too.
        self.rest_client.proxy = transport.proxy  # type: ignore[assignment]
        self.rest_client.proxy_headers = transport.proxy_headers  # type: ignore[assignment]
        self.rest_client.server_hostname = transport.server_name  # type: ignore[assignment]

    def _session_for(self, m: Material) -> aiohttp.ClientSession:
        # A new client certificate needs new connections (the server reads it from the TLS handshake):
        # a new session; streams open on the old one finish there, and it is closed with the client.
        if self._tls != (m.cert_file, m.key_file):
            ctx = self.transport.ssl_context(m.cert_file, m.key_file)
            if self._tls is not None:
                self._retired.append(self.rest_client.pool_manager)
            self.rest_client.pool_manager = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.configuration.connection_pool_maxsize, ssl=ctx),
                trust_env=False, read_bufsize=READ_BUFSIZE)
            self._tls = (m.cert_file, m.key_file)
        return self.rest_client.pool_manager

    async def material(self) -> Material:
        """The credential to send now, the session to send it on ready. ApiError(401) if none can be had."""
        try:
            m = await self.credentials.current()
            self._session_for(m)
        except (CredentialError, TransportError) as exc:
            raise ApiError(401, "CredentialError", str(exc)) from None
        return m

    async def retry_after_401(self, used: Material) -> bool:
        try:
            return await self.credentials.rejected(used)
        except CredentialError as exc:
            raise ApiError(401, "CredentialError", str(exc)) from None

    async def call_api(self, *args: Any, **kwargs: Any) -> Any:
        for attempt in (0, 1):
            m = await self.material()
            kw = dict(kwargs)
            headers = dict(kw.get("header_params") or {})
            if m.authorization:
                headers["Authorization"] = m.authorization
            kw["header_params"] = headers
            kw["auth_settings"] = None
            try:
                resp = await super().call_api(*args, **kw)
            except ApiException as exc:
                if exc.status == 401 and attempt == 0 and await self.retry_after_401(m):
                    continue
                raise
            if getattr(resp, "status", None) == 401 and attempt == 0 and isinstance(resp, aiohttp.ClientResponse):
                if await self.retry_after_401(m):
                    resp.release()
                    continue
            return resp
        raise AssertionError("unreachable")

    async def ws_connect(self, path: str, query: list[tuple[str, str]], protocol: str) -> aiohttp.ClientWebSocketResponse:
        """An upgraded websocket to path?query, on the same session, proxy and credentials as REST."""
        url = self.transport.host + path + ("?" + urlencode(query) if query else "")
        url = "ws" + url[4:] if url.startswith("http") else url
        for attempt in (0, 1):
            m = await self.material()
            headers = {"Sec-WebSocket-Protocol": protocol}
            if m.authorization:
                headers["Authorization"] = m.authorization
            try:
                return await self.rest_client.pool_manager.ws_connect(
                    url, headers=headers, proxy=self.transport.proxy, proxy_headers=self.transport.proxy_headers,
                    server_hostname=self.transport.server_name)
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status == 401 and attempt == 0 and await self.retry_after_401(m):
                    continue
                raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        # The credential's files stay (credentials.py, _TempFiles): the sync client may still need them.
        await self.rest_client.pool_manager.close()
        for s in self._retired:
            await s.close()


def sync_configuration_for(api: KubeApiClient, m: Material) -> SyncConfiguration:
    """A `kubernetes` (sync) Configuration for the same server, TLS, proxy and credential."""
    from kubernetes.client import Configuration as SyncConfiguration

    t = api.transport
    cfg = SyncConfiguration()
    cfg.host = t.host
    if m.authorization:
        cfg.api_key = {"BearerToken": m.authorization}  # sent as `authorization` verbatim (no prefix)
    cfg.ssl_ca_cert = t.ca_file
    cfg.verify_ssl = t.verify
    cfg.cert_file, cfg.key_file = m.cert_file, m.key_file
    cfg.tls_server_name = t.server_name
    creds = api.credentials

    def refresh(c: Any) -> None:
        # Asked before every request of the sync client: a debug pod's cleanup at exit may come long
        # after this Configuration was built.
        try:
            fresh = creds.current_sync()
        except CredentialError:
            return  # the request goes with the last one; its 401 tells
        if fresh.authorization:
            c.api_key = {"BearerToken": fresh.authorization}

    cfg.refresh_api_key_hook = refresh  # type: ignore[assignment]  # typed as its None default
    if t.proxy:
        cfg.proxy = t.proxy
        if t.proxy_headers:
            # The sync client's websocket only finds the proxy's credentials under this exact
            # lower-case key (kubernetes/stream/ws_client.py websocket_proxycare).
            cfg.proxy_headers = {k.lower(): v for k, v in t.proxy_headers.items()}
    return cfg

