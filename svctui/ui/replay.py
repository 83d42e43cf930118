"""`svctui replay`: the svctui screen on a recording. The model is fed by kube/replay.py's Replayer
through a ModelSink, as the watch streams feed it, on the recording's clock (ReplayClock), which the
keys pause, step, seek and speed up. Nothing reaches a cluster: pod deletion and the debug-pod panes
say so instead of running."""

from __future__ import annotations

import argparse
import asyncio

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Input

from svctui.kube.replay import ReplayClock, Replayer
from svctui.model import recording as fmt
from svctui.model.sanitize import plain

from .app import SvctuiApp
from .clock import hms
from .messages import ModelChanged, TargetResolved, WatchSynced
from .scope import ALL
from .screens.main import MainScreen
from .watching import WatchConfig

_PRIORITY = {"play_pause", "restart"}  # bound over the tree's keys, but never over a text box's
NO_CLUSTER = "replaying a recording: there is no cluster"


def _leading_lists_end(rec: fmt.Recording) -> float:
    """When the recording's first lists are all in: the replay opens there, on the steady state."""
    t = rec.start
    for r in rec.records:
        if not isinstance(r, fmt.ListRecord):
            break
        t = r.t
    return t


class ReplayScreen(MainScreen):
    """The main screen fed by a recording instead of a cluster."""

    def __init__(self, cfg: WatchConfig, rec: fmt.Recording, clock: ReplayClock) -> None:
        self.rec = rec
        self.replay_clock = clock
        self.player: Replayer | None = None
        super().__init__(cfg)

    @work(group="watch", exclusive=True, exit_on_error=False)
    async def _watch(self, gen: int) -> None:
        scope = self.rec.header.get("scope") or {}
        ns = scope.get("namespace")
        self.post_message(TargetResolved(gen, f"replay of {plain(str(scope.get('context') or '?'))}",
                                         ns if isinstance(ns, str) else ALL))
        player = Replayer(self.rec, self.model, lambda ch: self.post_message(ModelChanged(gen, ch)),
                          self.replay_clock)
        self.player = player
        task = asyncio.ensure_future(player.run())
        try:
            await player.caught_up.wait()
            self.post_message(WatchSynced(gen))
            await task
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def connection_text(self) -> Text:
        c = self.replay_clock
        now, length = c(), self.rec.end - self.rec.start
        at_end = now >= self.rec.end
        state = "⏸ paused" if c.paused else ("■ end" if at_end else f"▶ replay {c.speed:g}×")
        pos = min(now - self.rec.start, length)
        return Text(f"{state} {pos:.1f}/{length:.1f}s ({hms(min(now, self.rec.end))})", "bold cyan")

    def tick(self) -> None:
        super().tick()
        if self.query("#hdr-left"):
            self.paint_header()


class ReplayApp(SvctuiApp):
    BINDINGS = [
        # Over the tree's space (expand: enter does it too) and home.
        Binding("space", "play_pause", "Play/pause", id="replay.pause", priority=True),
        Binding("full_stop", "step", "Step", id="replay.step"),
        Binding("left_square_bracket", "seek(-10)", "−10s", id="replay.back"),
        Binding("right_square_bracket", "seek(10)", "+10s", id="replay.forward"),
        Binding("plus", "speed(2)", "Faster", show=False, id="replay.faster"),
        Binding("minus", "speed(0.5)", "Slower", show=False, id="replay.slower"),
        Binding("home", "restart", "Restart", show=False, id="replay.restart", priority=True),
        *SvctuiApp.BINDINGS,  # repeated so the help screen, which lists BINDINGS, has them all
    ]

    def __init__(self, rec: fmt.Recording, *, speed: float = 1.0, start: float = 0.0, name: str = "recording",
                 **kw: object) -> None:
        self.rec = rec
        self.replay_name = name
        self.replay_clock = ReplayClock(max(rec.start + start, _leading_lists_end(rec)), speed)
        scope = rec.header.get("scope") or {}
        ns = scope.get("namespace")
        service = scope.get("service")
        kw.setdefault("all_namespaces", not isinstance(ns, str) or ns == ALL)
        if isinstance(ns, str) and ns != ALL:
            kw.setdefault("namespace", ns)
        if isinstance(service, str):
            kw.setdefault("service", service)
        super().__init__(clock=self.replay_clock, **kw)  # type: ignore[arg-type]

    def make_main(self, cfg: WatchConfig) -> MainScreen:
        return ReplayScreen(cfg, self.rec, self.replay_clock)

    @property
    def player(self) -> Replayer | None:
        main = self.main
        return main.player if isinstance(main, ReplayScreen) else None

    # ---- keys ----

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _PRIORITY and isinstance(self.focused, Input):
            return False
        return super().check_action(action, parameters)

    def action_play_pause(self) -> None:
        c = self.replay_clock
        if c.paused:
            if c() >= self.rec.end:  # at the end: play again from the start
                self.action_restart()
            c.resume()
        else:
            c.pause()
        self._wake()

    def action_step(self) -> None:
        if self.player is not None and self.player.step() is None:
            self.notify("end of the recording", timeout=2)
        self.main.paint_header()

    def action_seek(self, seconds: float) -> None:
        self.seek_to(self.replay_clock() + seconds)

    def action_restart(self) -> None:
        self.seek_to(_leading_lists_end(self.rec))

    def action_speed(self, factor: float) -> None:
        c = self.replay_clock
        c.set_speed(min(1000.0, max(0.01, c.speed * factor)))  # the limits of --speed
        self._wake()

    def seek_to(self, t: float) -> None:
        # Never before the first lists are in: a model without them is an empty screen, not the past.
        t = min(max(t, _leading_lists_end(self.rec)), self.rec.end)
        back = t < self.replay_clock()
        self.replay_clock.set(t)
        if back:
            # What was applied cannot be un-applied: a new model, fed from the start up to t.
            self.main.start_watch()
        else:
            self._wake()

    def _wake(self) -> None:
        if self.player is not None:
            self.player.wake()
        self.main.paint_header()
        self.main.tick()

    # ---- what a replay cannot do ----

    def _refuse(self, what: str) -> None:
        self.notify(f"{NO_CLUSTER}: {what} is unavailable", title="replay", severity="warning")

    def action_delete(self) -> None:
        self._refuse("deleting pods")

    def action_lookup(self) -> None:
        self._refuse("nslookup (it runs in a debug pod)")

    def action_curl(self) -> None:
        self._refuse("curl (it runs in a debug pod)")

    def action_balance(self) -> None:
        self._refuse("the load-balancing check (it runs in a debug pod)")

    def action_probe(self) -> None:
        self._refuse("the probe (it runs in a debug pod)")

    def action_dns(self) -> None:
        self._refuse("the DNS walk (it port-forwards to the cluster DNS)")

    def action_context(self) -> None:
        self._refuse("switching context")

    def action_record(self) -> None:
        self._refuse("recording (this is a recording)")


def run_replay(rec: fmt.Recording, args: argparse.Namespace) -> int:
    app = ReplayApp(rec, speed=args.speed, start=args.start, name=args.file)
    app.run()
    return app.return_code or 0
