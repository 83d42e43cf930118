"""The command panes' owner: the debug session, its approvals, the probes and the ports chosen.

`PaneController` is an invisible widget beside the panes. The screen hands it the keys' requests
(`lookup(key)`, `curl(key)`, ...) and the panes' own messages (enter, ctrl+n); it runs each command in
a worker of its own (panes/jobs.py), and the workers' messages (panes/messages.py) come back here to be
handed to the pane. What the rest of the screen must know goes up as messages: `ProbesChanged` (the tab
strip and the timeline), `ProbeAnswered` (a Service's row, its findings, a recording).

Debug pods (panes/session.py): one warm pod per namespace (image curlimages/curl: curl, plus busybox's
nslookup and wget), created only after a prompt naming namespace, pod and image; a yes is remembered per
namespace until quit, a no cancels that one command. `--read-only` creates none: the panes say so and
the DNS walk still runs, because a port-forward creates no object (it is a `pods/portforward` create in
RBAC terms, but nothing is left in the cluster), so read-only allows it.
Never leaked: `install_cleanup_handlers` (SIGTERM, SIGHUP, atexit) from the moment a session exists, and
the session's pods are deleted when the app unmounts (quit: the app calls `cleanup_debug_pods`, which
needs no widget, since by then the screens are gone). At start-up, pods of other sessions whose owner is
gone (stale heartbeat, or a dead pid on this host) are listed and a prompt offers to delete them
(panes/leftovers.py; read-only: only a notice); pods of sessions still running are never offered. A failing heartbeat is said
once (a notification and the log), and once more when it works again.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from rich.text import Text
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.worker import Worker

from svctui.kube.debugpod import install_cleanup_handlers
from svctui.model.cluster import ClusterModel
from svctui.model.objects import Key
from svctui.model.podowner import HEARTBEAT_SECONDS, STALE_SECONDS
from svctui.model.probe import ProbeEntry, ProbeLog
from svctui.model.sanitize import plain

from ..screens.pick import PickScreen
from . import jobs
from .messages import (
    BalanceSample,
    BalanceStarted,
    PaneBegin,
    PaneDone,
    PaneOutput,
    ProbeAnswered,
    ProbeEnded,
    ProbeSample,
    ProbesChanged,
)
from .pane import BalancePane, CommandPane
from .screens import ConfirmDebugPod
from .session import GatedSession

DEBUG_IMAGE = "curl"  # curlimages/curl: curl, and busybox's nslookup and wget
PANES = ("lookup", "curl", "lb", "dns")
ZONE = "cluster.local"


def fqdn(key: Key) -> str:
    return f"{key[1]}.{key[0]}.svc.{ZONE}"


class PaneHost(Protocol):
    """What the controller reads from the screen that holds it: the watch's model and API client of
    the moment (both change on a context or namespace switch)."""

    @property
    def model(self) -> ClusterModel: ...

    @property
    def api(self) -> Any: ...


class PaneController(Widget):
    DEFAULT_CSS = "PaneController { display: none; }"

    def __init__(self, host: PaneHost, show: Callable[[str], None], *, read_only: bool, now: Callable[[], float],
                 debug_session_id: str | None = None) -> None:
        super().__init__(id="pane-controller")
        self.host = host
        self.show = show  # the screen shows and focuses a pane (it owns the bottom switcher)
        self.read_only = read_only
        self.now = now
        self.probe_log = ProbeLog()
        self.debug_session: GatedSession | None = None
        self.debug_session_id = debug_session_id or secrets.token_hex(4)
        self.debug_cleaned: list[str] = []  # what the last cleanup deleted (tests, the exit message)
        self.approved: set[str] = set()  # namespaces the user said yes to, until quit
        self._approve_lock: asyncio.Lock | None = None
        self._uninstall_cleanup: Callable[[], None] | None = None
        # Instance attributes so a test can shorten them before the session exists.
        self.debug_heartbeat = HEARTBEAT_SECONDS
        self.debug_stale_after = STALE_SECONDS
        self.probes: dict[Key, Worker[None]] = {}
        self._ports: dict[Key, int] = {}
        # Latency: a monotonic clock normally; the injected (frozen) clock in tests, so snapshots are stable.
        self.elapsed_clock = time.monotonic if now is time.time else now
        self._env = jobs.JobEnv(post=self.post_message, session=self.session, api=lambda: self.host.api,
                                elapsed=self.elapsed_clock, now=self.now, elsewhere=self._elsewhere)

    def pane(self, kind: str) -> CommandPane:
        return self.screen.query_one(f"#{kind}-pane", CommandPane)

    def probe_status(self) -> Text:
        out = Text()
        for key in self.probes:
            sent, failed = self.probe_log.counts(key)
            out.append("  ● probe ", "bold cyan")
            out.append(plain(key[1]))
            out.append(f" ✓{sent - failed}", "green")
            out.append(f" ✗{failed}", "bold red" if failed else "dim")
        return out

    # ---- the ports ----

    def _service_url(self, key: Key, port: int) -> str:
        return f"http://{fqdn(key)}:{port}/"

    def _with_port(self, key: Key, then: Callable[[int], None]) -> None:
        """Run then(port): the Service's only TCP port, the one chosen before, or ask."""
        svc = self.host.model.store.services.get(key)
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
        self.app.push_screen(PickScreen(f"Port of {plain(key[1])}", list(labels), None), chosen)

    # ---- requests from the screen (keys) ----

    def lookup(self, key: Key) -> None:
        self._start_name_pane(self.pane("lookup"), key)

    def dns(self, key: Key) -> None:
        self._start_name_pane(self.pane("dns"), key)

    def ask_name(self, kind: str, namespace: str) -> None:
        """No Service under the cursor (a namespace row, where the cursor starts): the pane opens empty,
        asking from that namespace, for a name to type (`l`, db.demo, Enter)."""
        pane = self.pane(kind)
        if not pane.source_pinned:
            pane.source_ns = namespace
        pane.set_command("")
        pane.paint_prefix()
        self.show(kind)

    def _start_name_pane(self, pane: CommandPane, key: Key) -> None:
        pane.target = key
        if not pane.source_pinned:
            pane.source_ns = key[0]
        pane.set_command(key[1])
        pane.paint_prefix()
        self.show(pane.kind)
        self.run_in(pane, key[1])

    def curl(self, key: Key) -> None:
        self._run_on_port(key, "curl", lambda url: f"curl -sS -i -m {jobs.REQUEST_TIMEOUT:g} {url}")

    def balance(self, key: Key) -> None:
        self._run_on_port(key, "lb", lambda url: f"{jobs.LB_COUNT} {url}")

    def _run_on_port(self, key: Key, kind: str, command_for: Callable[[str], str]) -> None:
        """Ask for the port of a multi-port Service, then run the pane's command against its URL."""
        def go(port: int) -> None:
            pane = self.pane(kind)
            pane.target = key
            pane.paint_prefix()
            command = command_for(self._service_url(key, port))
            pane.set_command(command)
            self.show(kind)
            self.run_in(pane, command)
        self._with_port(key, go)

    def toggle_probe(self, key: Key) -> None:
        if key in self.probes:
            self._stop_probe(key, "stopped (p)")
            return
        if self.read_only:
            self.notify("read-only mode: the probe needs a debug pod, and svctui creates none (--read-only)",
                        title="refused", severity="error")
            return

        def go(port: int) -> None:
            url = self._service_url(key, port)
            self.probes[key] = self.run_worker(jobs.probe_job(self._env, key, url), group=f"probe {key[0]}/{key[1]}",
                                               exclusive=True, exit_on_error=False)
            self._probe_entry(self.probe_log.start(key, self.now(), f"GET {url} every {jobs.PROBE_INTERVAL:g}s"))
        self._with_port(key, go)

    def _stop_probe(self, key: Key, reason: str) -> None:
        worker = self.probes.pop(key, None)
        if worker is not None:
            worker.cancel()
        self._probe_entry(self.probe_log.stop(key, self.now()))

    def _probe_entry(self, entry: ProbeEntry | None) -> None:
        self.post_message(ProbesChanged(timeline=entry is not None))

    # ---- requests from the panes (the screen passes them on) ----

    def pick_source(self, pane: CommandPane) -> None:
        model = self.host.model
        known = sorted({k[0] for k in model.topology.service_keys()} | {k[0] for k in model.store.pods})

        def chosen(ns: str | None) -> None:
            if ns is None:
                return
            pane.source_ns = ns
            pane.source_pinned = True
            pane.paint_prefix()
            command = pane.input.value.strip()
            if command:
                self.run_in(pane, command)
        self.app.push_screen(PickScreen("Ask from namespace", known, pane.source_ns), chosen)

    def run_in(self, pane: CommandPane, command: str) -> None:
        pane.remember(command)
        kind = pane.kind
        job: Coroutine[Any, Any, None]
        if kind == "lookup":
            job = jobs.lookup_job(self._env, command, pane.source_ns or "default")
        elif kind == "dns":
            job = jobs.dns_job(self._env, command, pane.source_ns or "default")
        elif kind == "curl":
            job = jobs.curl_job(self._env, command, pane.target)
        else:
            job = jobs.balance_job(self._env, command, pane.target)
        self.run_worker(job, group=f"pane {kind}", exclusive=True, exit_on_error=False)

    def _elsewhere(self, name: str, source: str) -> str | None:
        """From the model (no API call): the same short name as a Service in other namespaces."""
        if "." in name.strip(".") or name.startswith("_"):
            return None
        others = sorted({k[0] for k in self.host.model.topology.service_keys() if k[1] == name} - {source})
        if not others:
            return None
        return (f"hint: a Service named {plain(name)} exists in namespace {', '.join(plain(n) for n in others)}: "
                f"try {', '.join(f'{plain(name)}.{plain(n)}' for n in others)}")

    # ---- the debug session ----

    def session(self) -> GatedSession | None:
        api = self.host.api
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
        self.approved.clear()
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
            if namespace in self.approved:
                return True
            yes = await self.app.push_screen_wait(ConfirmDebugPod(namespace, name, image))
            if yes:
                self.approved.add(namespace)
            return bool(yes)

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
        counted = r.service in self.probes  # else a request that was in flight when the probe stopped
        if counted:
            entry = self.probe_log.record(r)
            if entry is not None:
                self.post_message(ProbesChanged(timeline=True))
            self.host.model.ledger.note_request(r.service, r.time, r.ok)
        self.post_message(ProbeAnswered(r, counted))

    def on_probe_ended(self, m: ProbeEnded) -> None:
        if m.key in self.probes:
            self._stop_probe(m.key, m.reason)
            self.notify(plain(m.reason, 300), title=f"probe of {plain(m.key[1])} stopped", severity="warning")

    # ---- lifecycle (the screen calls these) ----

    def retarget(self) -> None:
        """After a context switch the old session's pods are deleted (its API client is going away)."""
        s = self.debug_session
        if s is not None and s.api is not self.host.api:
            self._retire_session(s)
            for key in list(self.probes):
                self._stop_probe(key, "context switched")

    def cleanup_now(self) -> None:
        """The lifeline's last resort (a signal, a crash): blocking, from any thread."""
        s = self.debug_session
        if s is not None:
            s.cleanup_sync()

    async def cleanup_debug_pods(self) -> list[str]:
        """Delete this session's debug pods (quit). Uses the blocking client in a thread: the watch's
        API client may already be closed when the app unmounts."""
        s = self.debug_session
        removed: list[str] = []
        if s is not None:
            s.heartbeat.stop()
            await s.close_executor()
            removed = await asyncio.to_thread(s.cleanup_sync)
            self.debug_cleaned = removed
        if self._uninstall_cleanup is not None:
            self._uninstall_cleanup()
            self._uninstall_cleanup = None
        return removed
