"""The app's side of the command panes: keys l/u/b/d/p, the workers that run commands, the debug pods.

`PanesMixin` is mixed into SvctuiApp. Widgets never call the API: an action (or enter in a pane) starts
a worker here; the worker posts messages (panes/messages.py); the handlers below hand them to the pane.

Debug pods (panes/session.py): one warm pod per namespace (image curlimages/curl: curl, plus busybox's
nslookup and wget), created only after a prompt naming namespace, pod and image; a yes is remembered per
namespace until quit, a no cancels that one command. `--read-only` creates none: the panes say so and
the DNS walk still runs, because a port-forward creates no object (it is a `pods/portforward` create in
RBAC terms, but nothing is left in the cluster), so read-only allows it.
Never leaked: `install_cleanup_handlers` (SIGTERM, SIGHUP, atexit) from the moment a session exists, and
the session's pods are deleted when the app unmounts (quit). At start-up, pods of other sessions whose
owner is gone (stale heartbeat, or a dead pid on this host) are listed and a prompt offers to delete them
(read-only: only a notice); pods of sessions still running are never offered. A failing heartbeat is said
once (a notification and the log), and once more when it works again.

Hooks: besides what app.py calls, Textual calls every class's handler of a message along the MRO, so
`on_target_resolved` / `on_watch_synced` / `on_unmount` here run next to (after) the app's own.
"""

from __future__ import annotations

import asyncio
import codecs
import secrets
import shlex
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import ContentSwitcher

from svctui.kube.debugpod import DebugPodError, install_cleanup_handlers
from svctui.kube.exec import ExecError
from svctui.model.dnsverdict import verdict
from svctui.model.httpreply import Reply, read_curl
from svctui.model.objects import Key
from svctui.model.podowner import HEARTBEAT_SECONDS, STALE_SECONDS
from svctui.model.probe import ProbeEntry, ProbeLog, ProbeResult
from svctui.model.sanitize import plain

from ..screens.pick import PickScreen
from .messages import (
    BalanceSample,
    BalanceStarted,
    LeftoversFound,
    LeftoversRemoved,
    PaneBegin,
    PaneDone,
    PaneOutput,
    ProbeEnded,
    ProbeSample,
)
from .pane import BalancePane, CommandPane, CurlPane, DnsPane, LookupPane, Sample
from .screens import ConfirmDebugPod, LeftoversScreen
from .session import DECLINED, READ_ONLY, GatedSession

if TYPE_CHECKING:
    from textual.app import App

    from svctui.model.cluster import ClusterModel

    from ..clock import Now
    from ..widgets.service_tree import ServiceTree

    _Host = App[None]
else:
    _Host = object  # at run time the App comes in beside the mixin (class SvctuiApp(PanesMixin, App))

DEBUG_IMAGE = "curl"  # curlimages/curl: curl, and busybox's nslookup and wget
PANES = ("lookup", "curl", "lb", "dns")
PANE_TITLES = {"lookup": "lookup", "curl": "curl", "lb": "balance", "dns": "dns"}
PANE_KEYS = {"lookup": "pane.lookup", "curl": "pane.curl", "lb": "pane.balance", "dns": "pane.dns"}
LB_COUNT = 20
REQUEST_TIMEOUT = 3.0
PROBE_INTERVAL = 0.5
ZONE = "cluster.local"


def fqdn(key: Key) -> str:
    return f"{key[1]}.{key[0]}.svc.{ZONE}"


def probe_line(e: ProbeEntry, with_namespace: bool, clock_text, name_width: int = 0) -> Text:
    """A probe transition on the churn timeline, shaped like the endpoint lines around it."""
    svc = (f"{e.service[0]}/{e.service[1]}" if with_namespace else e.service[1]).ljust(name_width)
    style = {"probe-ok": "green", "probe-failing": "bold red"}.get(e.change, "dim")
    return Text.assemble((clock_text(e.time), "dim"), "  ", (plain(svc), "bold"), "  ", (plain(e.text), style))


class _Decoder:
    """Streamed bytes to text per stream, without splitting a UTF-8 character across chunks."""

    def __init__(self) -> None:
        self._d = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in ("stdout", "stderr")}

    def __call__(self, stream: str, data: bytes) -> str:
        return self._d.get(stream, self._d["stdout"]).decode(data).replace("\r\n", "\n")


class PanesMixin(_Host):
    """Mixed into SvctuiApp (see the module docstring)."""

    if TYPE_CHECKING:  # what SvctuiApp provides, for the type checker
        _api: Any  # kubernetes_asyncio's ApiClient, or None before the first connection
        read_only: bool
        now: Now
        model: ClusterModel
        gen: int
        _dirty: set[Key]
        _diag_dirty: set[Key]

        @property
        def tree(self) -> ServiceTree: ...  # type: ignore[override]  # SvctuiApp's own, over DOMNode.tree

        def _paint_tabs(self) -> None: ...

        def _schedule_flush(self) -> None: ...

        def _scope(self) -> str | None: ...

    def _init_panes(self, debug_session_id: str | None = None) -> None:
        self.probe_log = ProbeLog()
        self.debug_session: GatedSession | None = None
        self.debug_session_id = debug_session_id or secrets.token_hex(4)
        self.debug_cleaned: list[str] = []  # what the last cleanup deleted (tests, the exit message)
        self._debug_ok: set[str] = set()
        self._approve_lock: asyncio.Lock | None = None
        self._uninstall_cleanup: Callable[[], None] | None = None
        self._leftovers_checked = False
        # Instance attributes so a test can shorten them before the session exists.
        self.debug_heartbeat = HEARTBEAT_SECONDS
        self.debug_stale_after = STALE_SECONDS
        self._probes: dict[Key, Any] = {}
        self._ports: dict[Key, int] = {}
        # Latency: a monotonic clock normally; the injected (frozen) clock in tests, so snapshots are stable.
        self.elapsed_clock = time.monotonic if self.now is time.time else self.now

    # ---- layout helpers ----

    def compose_panes(self):
        yield LookupPane("lookup")
        yield CurlPane("curl")
        yield BalancePane("lb")
        yield DnsPane("dns")

    def pane(self, kind: str) -> CommandPane:
        return self.query_one(f"#{kind}-pane", CommandPane)

    def show_pane(self, kind: str) -> None:
        """Shown and focused: the key that opened the pane meant "I want this", so what is typed next
        edits its command (Input selects it whole on focus: typing replaces it) instead of firing hotkeys."""
        self._pane = kind
        self.query_one("#bottom", ContentSwitcher).current = f"{kind}-pane"
        self._paint_tabs()
        self.pane(kind).input.focus()

    def key_for(self, binding_id: str) -> str:
        keymap = dict(self._keymap) if hasattr(self, "_keymap") else {}
        default = next((b.key for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id), "?")
        return keymap.get(binding_id, default).split(",")[0]

    def pane_title(self, name: str) -> str:
        """A tab's title; command panes carry their key (l lookup), so the strip doubles as the key help."""
        title = PANE_TITLES.get(name, name)
        if name in PANE_KEYS:
            return f"{self.key_for(PANE_KEYS[name])} {title}"
        return title

    def probe_status(self) -> Text:
        out = Text()
        for key in self._probes:
            sent, failed = self.probe_log.counts(key)
            out.append("  ● probe ", "bold cyan")
            out.append(plain(key[1]))
            out.append(f" ✓{sent - failed}", "green")
            out.append(f" ✗{failed}", "bold red" if failed else "dim")
        return out

    # ---- the selection ----

    def _selected_service(self) -> Key | None:
        data = self.tree.selected_data()
        if data is None or data[0] == "ns" or len(data) < 2:
            self.notify("select a Service first", severity="warning")
            return None
        return data[1]

    def _service_url(self, key: Key, port: int) -> str:
        return f"http://{fqdn(key)}:{port}/"

    def _with_port(self, key: Key, then) -> None:
        """Run then(port): the Service's only TCP port, the one chosen before, or ask."""
        svc = self.model.store.services.get(key)
        if svc is None:
            self.notify(f"{plain(key[0])}/{plain(key[1])} is gone", severity="warning")
            return
        ports = [p for p in svc.ports if (p.protocol or "TCP") == "TCP"]
        if not ports:
            if svc.type == "ExternalName":
                then(80)
                return
            self.notify(f"{plain(key[1])} has no TCP port to request", severity="warning")
            return
        if len(ports) == 1:
            then(ports[0].port)
            return
        if key in self._ports and any(p.port == self._ports[key] for p in ports):
            then(self._ports[key])
            return
        labels = {f"{p.port}/{p.protocol or 'TCP'}" + (f" ({p.name})" if p.name else ""): p.port for p in ports}

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self._ports[key] = labels[choice]
                then(labels[choice])
        self.push_screen(PickScreen(f"Port of {plain(key[1])}", list(labels), None), chosen)

    # ---- actions (keys) ----

    def action_lookup(self) -> None:
        self._name_pane("lookup")

    def action_dns(self) -> None:
        self._name_pane("dns")

    def _name_pane(self, kind: str) -> None:
        data = self.tree.selected_data()
        if data is not None and data[0] != "ns" and len(data) > 1:
            self._start_name_pane(self.pane(kind), data[1])
            return
        # On a namespace row (where the cursor starts) there is no Service to take the name from: the
        # pane opens empty, asking from that namespace, for a name to type (`l`, db.demo, Enter).
        pane = self.pane(kind)
        if not pane.source_pinned:
            pane.source_ns = data[1] if data is not None and len(data) > 1 else (self._scope() or "default")
        pane.set_command("")
        pane.paint_prefix()
        self.show_pane(kind)

    def _start_name_pane(self, pane: CommandPane, key: Key) -> None:
        pane.target = key
        if not getattr(pane, "source_pinned", False):
            pane.source_ns = key[0]
        pane.set_command(key[1])
        pane.paint_prefix()
        self.show_pane(pane.kind)
        self._run_in(pane, key[1])

    def action_curl(self) -> None:
        self._run_on_port("curl", lambda url: f"curl -sS -i -m {REQUEST_TIMEOUT:g} {url}")

    def action_balance(self) -> None:
        self._run_on_port("lb", lambda url: f"{LB_COUNT} {url}")

    def _run_on_port(self, kind: str, command_for: Callable[[str], str]) -> None:
        """Ask for the port of a multi-port Service, then run the pane's command against its URL."""
        key = self._selected_service()
        if key is None:
            return

        def go(port: int) -> None:
            pane = self.pane(kind)
            pane.target = key
            pane.paint_prefix()
            command = command_for(self._service_url(key, port))
            pane.set_command(command)
            self.show_pane(kind)
            self._run_in(pane, command)
        self._with_port(key, go)

    def action_probe(self) -> None:
        key = self._selected_service()
        if key is None:
            return
        if key in self._probes:
            self._stop_probe(key, "stopped (p)")
            return
        if self.read_only:
            self.notify("read-only mode: the probe needs a debug pod, and svctui creates none (--read-only)",
                        title="refused", severity="error")
            return

        def go(port: int) -> None:
            url = self._service_url(key, port)
            self._probes[key] = self.run_worker(self._probe_job(key, url), group=f"probe {key[0]}/{key[1]}",
                                                exclusive=True, exit_on_error=False)
            self._probe_entry(self.probe_log.start(key, self.now(), f"GET {url} every {PROBE_INTERVAL:g}s"))
            self._paint_tabs()
        self._with_port(key, go)

    def _stop_probe(self, key: Key, reason: str) -> None:
        worker = self._probes.pop(key, None)
        if worker is not None:
            worker.cancel()
        entry = self.probe_log.stop(key, self.now())
        if entry is not None:
            self._probe_entry(entry)
        self._paint_tabs()

    def _probe_entry(self, entry: ProbeEntry | None) -> None:
        if entry is None:
            return
        self._timeline_dirty = True
        self._schedule_flush()

    # ---- pane events ----

    # Plain handler names: Textual's @on only registers handlers of the class that carries its metaclass.
    def on_command_pane_submitted(self, m: CommandPane.Submitted) -> None:
        self._run_in(m.pane, m.command)

    def on_command_pane_source_wanted(self, m: CommandPane.SourceWanted) -> None:
        pane = m.pane
        known = sorted({k[0] for k in self.model.topology.service_keys()} | {k[0] for k in self.model.store.pods})

        def chosen(ns: str | None) -> None:
            if ns is None:
                return
            pane.source_ns = ns
            pane.source_pinned = True
            pane.paint_prefix()
            command = pane.input.value.strip()
            if command:
                self._run_in(pane, command)
        self.push_screen(PickScreen("Ask from namespace", known, pane.source_ns), chosen)

    def _run_in(self, pane: CommandPane, command: str) -> None:
        pane.remember(command)
        kind = pane.kind
        if kind == "lookup":
            job = self._lookup_job(command, pane.source_ns or "default")
        elif kind == "dns":
            job = self._dns_job(command, pane.source_ns or "default")
        elif kind == "curl":
            job = self._curl_job(command, pane.target)
        else:
            job = self._balance_job(command, pane.target)
        self.run_worker(job, group=f"pane {kind}", exclusive=True, exit_on_error=False)

    # ---- the debug session ----

    def _session(self) -> GatedSession | None:
        api = self._api
        if api is None:
            return None
        s = self.debug_session
        if s is not None and s.api is api:
            return s
        if s is not None:
            self._retire_session(s)
        s = self.debug_session = GatedSession(api, approve=self._approve_debug_pod, read_only=self.read_only,
                                              image=DEBUG_IMAGE, session_id=self.debug_session_id,
                                              heartbeat_interval=self.debug_heartbeat,
                                              stale_after=self.debug_stale_after,
                                              on_heartbeat=self._heartbeat_report)
        if not self.read_only:
            self._uninstall_cleanup = install_cleanup_handlers(s)
        return s

    def _retire_session(self, s: GatedSession) -> None:
        """The watch moved to another cluster (context switch): the old session's pods go now."""
        if self._uninstall_cleanup is not None:
            self._uninstall_cleanup()
            self._uninstall_cleanup = None
        s.heartbeat.stop()
        self.debug_session = None
        self._debug_ok.clear()
        self.debug_session_id = secrets.token_hex(4)
        if s.pods:
            self.run_worker(asyncio.to_thread(s.cleanup_sync), group="debug cleanup", exit_on_error=False)

    def _heartbeat_report(self, problem: str | None) -> None:
        if problem is None:
            self.notify("debug pod heartbeat renewed again", title="debug pod", timeout=4)
            return
        self.notify(f"{plain(problem, 300)}\nAnother svctui session may offer to delete this session's debug pod "
                    f"once the heartbeat is {self.debug_stale_after:g} s old.", title="debug pod heartbeat failed",
                    severity="warning", timeout=10)

    async def _approve_debug_pod(self, namespace: str, name: str, image: str) -> bool:
        if self._approve_lock is None:
            self._approve_lock = asyncio.Lock()
        async with self._approve_lock:
            if namespace in self._debug_ok:
                return True
            yes = await self.push_screen_wait(ConfirmDebugPod(namespace, name, image))
            if yes:
                self._debug_ok.add(namespace)
            return bool(yes)

    def _progress(self, kind: str):
        return lambda text: self.post_message(PaneOutput(kind, line=Text(plain(text), "dim")))

    def _refusal(self, exc: Exception) -> Text:
        kind = getattr(exc, "kind", "")
        if kind == READ_ONLY:
            return Text(f"✗ {plain(exc)}", "bold magenta")
        if kind == DECLINED:
            return Text(f"✗ {plain(exc)} (asked again next time)", "yellow")
        return Text(f"✗ {plain(exc)}", "bold red")

    # ---- workers ----

    async def _stream(self, kind: str, session: GatedSession, ns: str, argv: list[str], timeout: float):
        dec = _Decoder()

        def out(stream: str, data: bytes) -> None:
            self.post_message(PaneOutput(kind, dec(stream, data), "red" if stream == "stderr" else ""))
        return await session.exec(ns, argv, on_output=out, timeout=timeout, on_progress=self._progress(kind))

    async def _lookup_job(self, name: str, source: str) -> None:
        from svctui.kube.dns import DnsError, lookup

        P = "lookup"
        self.post_message(PaneBegin(P, Text.assemble(("$ ", "dim"), (f"nslookup {plain(name)}", "bold"),
                                                      (f"   in a debug pod in {plain(source)}", "dim"))))
        session = self._session()
        if session is None:
            self.post_message(PaneDone(P, Text("not connected to a cluster", "bold red")))
            return
        nslookup_ok = None
        try:
            result = await self._stream(P, session, source, ["nslookup", name], 15.0)
            nslookup_ok = "Name:" in result.text
            code = Text(f"exit {result.exit_code}", "green" if result.exit_code == 0 else "red")
            if result.exit_code and nslookup_ok:
                code.append(" (busybox exits 1 when any query failed, even when another found the name)", "dim")
            self.post_message(PaneOutput(P, line=code))
        except (DebugPodError, ExecError) as exc:
            self.post_message(PaneOutput(P, line=self._refusal(exc)))
        self.post_message(PaneOutput(P, line=Text.assemble(
            ("The resolver's walk ", "bold"), (f"(getaddrinfo in a pod in {plain(source)}; asked of CoreDNS):", "dim"))))
        try:
            walk = await lookup(self._api, name, source, session=session)
        except DnsError as exc:
            self.post_message(PaneDone(P, Text(f"✗ {plain(exc)}", "bold red")))
            return
        for line in _walk_lines(walk):
            self.post_message(PaneOutput(P, line=line))
        if "." in name.strip(".") and nslookup_ok is False and walk.resolved:
            self.post_message(PaneOutput(P, line=Text(
                f"note: busybox nslookup asks a dotted name as-is, without the search path; applications "
                f"resolve {plain(name)} through it (ndots:5), as the walk shows", "yellow")))
        self.post_message(PaneDone(P, _verdict(walk, self._elsewhere(name, source))))

    async def _dns_job(self, name: str, source: str) -> None:
        from svctui.kube.dns import DnsError, lookup

        P = "dns"
        self.post_message(PaneBegin(P, Text.assemble(("DNS walk for ", "dim"), (plain(name), "bold"),
                                                      (" from a pod in ", "dim"), (plain(source), "bold"))))
        session = self._session()
        if session is None or self._api is None:
            self.post_message(PaneDone(P, Text("not connected to a cluster", "bold red")))
            return
        try:
            walk = await lookup(self._api, name, source, session=session)
        except DnsError as exc:
            self.post_message(PaneDone(P, Text(f"✗ {plain(exc)}", "bold red")))
            return
        for line in _walk_lines(walk):
            self.post_message(PaneOutput(P, line=line))
        if walk.fallback:
            self.post_message(PaneOutput(P, line=Text(f"fell back to a debug pod: {plain(walk.fallback)}", "yellow")))
        self.post_message(PaneDone(P, _verdict(walk, self._elsewhere(name, source))))

    def _elsewhere(self, name: str, source: str) -> str | None:
        """From the model (no API call): the same short name as a Service in other namespaces."""
        if "." in name.strip(".") or name.startswith("_"):
            return None
        others = sorted({k[0] for k in self.model.topology.service_keys() if k[1] == name} - {source})
        if not others:
            return None
        return (f"hint: a Service named {plain(name)} exists in namespace {', '.join(plain(n) for n in others)}: "
                f"try {', '.join(f'{plain(name)}.{plain(n)}' for n in others)}")

    async def _curl_job(self, command: str, key: Key | None) -> None:
        P = "curl"
        ns = key[0] if key else "default"
        self.post_message(PaneBegin(P, Text.assemble(("$ ", "dim"), (plain(command), "bold"),
                                                      (f"   in a debug pod in {plain(ns)}", "dim"))))
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            self.post_message(PaneDone(P, Text(f"✗ cannot parse the command: {plain(exc)}", "bold red")))
            return
        session = self._session()
        if session is None or not argv:
            self.post_message(PaneDone(P, Text("not connected to a cluster" if argv else "nothing to run", "bold red")))
            return
        try:
            await session.pod(ns, on_progress=self._progress(P))  # the first time: created, waited for
            start = self.elapsed_clock()
            result = await self._stream(P, session, ns, argv, 30.0)
        except (DebugPodError, ExecError) as exc:
            self.post_message(PaneDone(P, self._refusal(exc)))
            return
        took = self.elapsed_clock() - start
        summary = Text(f"exit {result.exit_code}", "green" if result.exit_code == 0 else "bold red")
        if argv[0] == "curl" and "-i" in argv:
            reply = read_curl(result.exit_code, result.stdout, result.stderr, short_body=True)
            summary.append(f" · {plain(reply.status, 80)}")
            if reply.backend:
                summary.append(" · served by ", "dim")
                summary.append(plain(reply.backend, 60), "bold")
        summary.append(f" · {_ms(took)} (exec included)", "dim")
        self.post_message(PaneDone(P, summary))

    async def _balance_job(self, command: str, key: Key | None) -> None:
        P = "lb"
        ns = key[0] if key else "default"
        words = command.split()
        count = LB_COUNT
        if words and words[0].isdigit():
            count = max(1, min(1000, int(words.pop(0))))
        if not words:
            self.post_message(PaneDone(P, Text("give a URL: COUNT URL", "bold red")))
            return
        url = words[0]
        argv = ["curl", "-sS", "-i", "-m", f"{REQUEST_TIMEOUT:g}", url]
        self.post_message(BalanceStarted(Text.assemble((f"{count} × GET ", "bold"), (plain(url), "bold"),
                                                       (f"  from a debug pod in {plain(ns)}", "dim")), count))
        session = self._session()
        if session is None:
            self.post_message(PaneDone(P, Text("not connected to a cluster", "bold red")))
            return
        try:
            await session.pod(ns, on_progress=self._progress(P))
        except DebugPodError as exc:
            self.post_message(PaneDone(P, self._refusal(exc)))
            return
        for n in range(1, count + 1):
            reply, took = await self._request(session, ns, argv)
            self.post_message(BalanceSample(Sample(n, reply.ok, reply.status, reply.backend, took)))
        self.post_message(PaneDone(P))

    async def _request(self, session: GatedSession, ns: str, argv: list[str]) -> tuple[Reply, float]:
        start = self.elapsed_clock()
        try:
            result = await session.exec(ns, argv, timeout=REQUEST_TIMEOUT + 10)
            reply = read_curl(result.exit_code, result.stdout, result.stderr, short_body=True)
        except (DebugPodError, ExecError) as exc:
            reply = Reply(False, str(exc), "")
        return reply, self.elapsed_clock() - start

    async def _probe_job(self, key: Key, url: str) -> None:
        session = self._session()
        if session is None:
            self.post_message(ProbeEnded(key, "not connected to a cluster"))
            return
        try:
            await session.pod(key[0])
        except DebugPodError as exc:
            self.post_message(ProbeEnded(key, str(exc)))
            return
        argv = ["curl", "-sS", "-i", "-m", f"{REQUEST_TIMEOUT:g}", url]
        while True:
            sent = self.now()
            start = time.monotonic()
            reply, took = await self._request(session, key[0], argv)
            self.post_message(ProbeSample(ProbeResult(sent, key, reply.ok, plain(reply.status, 120),
                                                      plain(reply.backend, 60), took)))
            await asyncio.sleep(max(0.05, PROBE_INTERVAL - (time.monotonic() - start)))

    # ---- messages from the workers ----

    def _live_pane(self, kind: str) -> CommandPane | None:
        """The pane, or None once the app is closing: a worker's last line (a debug pod's progress) can
        arrive after the widgets are gone, and must not turn a quit into an error."""
        try:
            return self.pane(kind)
        except NoMatches:
            return None

    def on_pane_begin(self, m: PaneBegin) -> None:
        pane = self._live_pane(m.pane)
        if pane is not None:
            pane.begin(m.header)

    def on_pane_output(self, m: PaneOutput) -> None:
        pane = self._live_pane(m.pane)
        if pane is None:
            return
        if m.line is not None:
            pane.line(m.line)
        else:
            pane.write(m.text, m.style)

    def on_pane_done(self, m: PaneDone) -> None:
        pane = self._live_pane(m.pane)
        if pane is not None:
            pane.finish(m.summary)

    def on_balance_started(self, m: BalanceStarted) -> None:
        pane = self._live_pane("lb")
        if isinstance(pane, BalancePane):
            pane.start_run(m.title, m.total)

    def on_balance_sample(self, m: BalanceSample) -> None:
        pane = self._live_pane("lb")
        if isinstance(pane, BalancePane):
            pane.add(m.sample)

    def on_probe_sample(self, m: ProbeSample) -> None:
        r = m.result
        if r.service not in self._probes:
            return  # a request that was in flight when the probe stopped
        self._probe_entry(self.probe_log.record(r))
        self.model.ledger.note_request(r.service, r.time, r.ok)
        # Refused requests are evidence for a port finding (model/refusals.py): diagnose and repaint
        # the row with each result (one row every PROBE_INTERVAL).
        self._diag_dirty.add(r.service)
        self._dirty.add(r.service)
        self._details_dirty = True
        self._schedule_flush()
        self._paint_tabs()

    def on_probe_ended(self, m: ProbeEnded) -> None:
        if m.key in self._probes:
            self._stop_probe(m.key, m.reason)
            self.notify(plain(m.reason, 300), title=f"probe of {plain(m.key[1])} stopped", severity="warning")

    # ---- lifecycle ----

    def on_target_resolved(self, m) -> None:
        # After a context switch the old session's pods are deleted (its API client is going away).
        s = self.debug_session
        if s is not None and s.api is not self._api:
            self._retire_session(s)
            for key in list(self._probes):
                self._stop_probe(key, "context switched")

    def on_watch_synced(self, m) -> None:
        if self._leftovers_checked or m.gen != self.gen or self._api is None:
            return
        self._leftovers_checked = True
        self.run_worker(self._leftovers_job(), group="leftovers", exit_on_error=False)

    async def _leftovers_job(self) -> None:
        session = self._session()
        if session is None:
            return
        try:
            items = await session.leftovers()
        except Exception:  # noqa: BLE001 - listing pods cluster-wide may be forbidden: no offer then
            return
        if items:
            self.post_message(LeftoversFound(items))

    def on_leftovers_found(self, m: LeftoversFound) -> None:
        if self.read_only:
            # Named one by one: a label selector would take the pods of sessions still running too.
            commands = "; ".join(f"kubectl delete pod -n {plain(i.namespace)} {plain(i.name)}" for i in m.items[:3])
            more = f"; and {len(m.items) - 3} more" if len(m.items) > 3 else ""
            self.notify(f"{len(m.items)} debug pod(s) left by svctui sessions that are gone; read-only: not removing "
                        f"them ({commands}{more})", title="leftovers", severity="warning", timeout=10)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._remove_leftovers_job(m.items), group="leftovers", exit_on_error=False)
        self.push_screen(LeftoversScreen(m.items), answered)

    async def _remove_leftovers_job(self, items) -> None:
        session = self._session()
        if session is None:
            return
        try:
            removal = await session.remove_leftovers(items)
            self.post_message(LeftoversRemoved(removal.removed, kept=removal.kept))
        except Exception as exc:  # noqa: BLE001
            self.post_message(LeftoversRemoved([], f"{type(exc).__name__}: {exc}"))

    def on_leftovers_removed(self, m: LeftoversRemoved) -> None:
        if m.error:
            self.notify(plain(m.error, 300), title="could not remove leftovers", severity="error")
            return
        kept = f"; kept {len(m.kept)}: its owner renewed its heartbeat meanwhile" if m.kept else ""
        self.notify(f"removed {len(m.removed)} leftover debug pod(s){kept}", timeout=6 if kept else 4)

    async def on_unmount(self) -> None:
        await self.cleanup_debug_pods()

    async def cleanup_debug_pods(self) -> list[str]:
        """Delete this session's debug pods (quit). Uses the blocking client in a thread: the watch's
        API client may already be closed when the app unmounts."""
        s = self.debug_session
        removed: list[str] = []
        if s is not None:
            s.heartbeat.stop()
            if s._executor is not None:
                try:
                    await s._executor.close()
                except Exception:  # noqa: BLE001
                    pass
                s._executor = None
            removed = await asyncio.to_thread(s.cleanup_sync)
            self.debug_cleaned = removed
        if self._uninstall_cleanup is not None:
            self._uninstall_cleanup()
            self._uninstall_cleanup = None
        return removed


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _walk_lines(walk) -> list[Text]:
    from svctui.kube.dns import format_walk

    lines = format_walk(walk, plain)
    out = [Text(lines[0], "dim"), Text(lines[1], "dim")]
    for line in lines[2:]:
        style = ""
        if "[" in line and "NOERROR" in line and not line.lstrip().startswith(("A ", "AAAA")):
            style = "green"
        elif "NXDOMAIN" in line or "SERVFAIL" in line or "TIMEOUT" in line:
            style = "red"
        out.append(Text(line, style))
    return out


def _verdict(walk, hint: str | None) -> Text:
    text = verdict(walk)
    out = Text(text, "bold green" if walk.resolved else "bold red")
    if hint and not walk.resolved:
        out.append("\n")
        out.append(hint, "yellow")
    return out
