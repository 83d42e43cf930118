"""The command panes under the tree: lookup (nslookup in a debug pod), curl, load balancing, DNS walk.

Each pane is a one-line command bar (what runs, from where, and an editable input with its own
history: up/down recall, enter runs) over a scrolling output. Panes never talk to the cluster: enter
posts `CommandPane.Submitted`, the app runs the command in a worker and hands results back through
messages (panes/messages.py) that call `begin` / `write` / `finish` here. Everything that came from
the cluster is shown literally, line by line through `literal()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from svctui.model.objects import Key
from svctui.model.sanitize import plain

MAX_LINES = 1000
HISTORY = 50

W = TypeVar("W", bound=Widget)


def literal(text: str, style: str = "") -> Text:
    """Untrusted multi-line output as Text: each line through plain() (no escapes, no markup), newlines kept."""
    return Text("\n".join(plain(line) for line in text.split("\n")), style)


class CommandPane(Vertical):
    """A pane with a command bar and output. `kind` names it: lookup, curl, lb, dns."""

    BINDINGS = [
        Binding("up", "history(-1)", "Older command", show=False, id="pane.history.older"),
        Binding("down", "history(1)", "Newer command", show=False, id="pane.history.newer"),
        Binding("ctrl+n", "source", "Source namespace", id="pane.source"),
        Binding("escape", "leave", "Back to the tree", show=False, id="pane.leave"),
    ]

    class Submitted(Message):
        def __init__(self, pane: CommandPane, command: str) -> None:
            super().__init__()
            self.pane = pane
            self.command = command

    class SourceWanted(Message):
        def __init__(self, pane: CommandPane) -> None:
            super().__init__()
            self.pane = pane

    DEFAULT_CSS = """
    CommandPane { height: 1fr; padding: 0 1; }
    CommandPane .pane-bar { height: 1; }
    CommandPane .pane-prefix { width: auto; height: 1; padding: 0 1 0 0; }
    CommandPane .pane-input { width: 1fr; height: 1; border: none; padding: 0; background: $boost; }
    CommandPane .pane-input:focus { border: none; background: $primary 20%; }
    /* A stable gutter: a scrollbar that appears with the last line would narrow the wrapped text,
       add a line, and leave the output one line short of its end. */
    CommandPane .pane-scroll { height: 1fr; scrollbar-size-vertical: 1; scrollbar-gutter: stable; }
    CommandPane .pane-out { width: 1fr; }  /* wrapped: at 80 columns the verdict must be read whole */
    """

    verb = ""
    placeholder = ""
    has_source = True  # the source namespace is the pane's choice (lookup, dns); else the Service's
    empty_text = ""

    def __init__(self, kind: str) -> None:
        super().__init__(id=f"{kind}-pane", classes="command-pane")
        self.kind = kind
        self.target: Key | None = None
        self.source_ns: str | None = None
        self.source_pinned = False  # the user chose source_ns: a new selection keeps it
        self.history: list[str] = []
        self._hpos = 0
        self.lines: list[Text] = []
        self._partial: Text | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-bar"):
            yield Static(self._prefix(), id=f"{self.kind}-prefix", classes="pane-prefix")
            yield Input(placeholder=self.placeholder, id=f"{self.kind}-input", classes="pane-input")
        with VerticalScroll(id=f"{self.kind}-scroll", classes="pane-scroll"):
            yield Static(Text(self.empty_text, "dim"), id=f"{self.kind}-out", classes="pane-out")

    # ---- the bar ----

    @property
    def input(self) -> Input:
        return self.query_one(f"#{self.kind}-input", Input)

    def _prefix(self) -> Text:
        out = Text()
        if self.has_source:
            out.append("from ", "dim")
            # Before a Service is chosen the source is its namespace-to-be, not a "?".
            if self.source_ns:
                out.append(plain(self.source_ns), "bold")
            else:
                out.append("the Service's namespace", "dim")
            out.append(" (ctrl+n) ", "dim")
        elif self.target is not None:
            out.append("in ", "dim")
            out.append(plain(self.target[0]), "bold")
            out.append(" ", "dim")
        if self.running:
            out.append("⟳ ", "yellow")
        out.append(f"{self.verb} ▸" if self.verb else "▸", "bold")
        return out

    def paint_prefix(self) -> None:
        prefix = self._part("prefix", Static)
        if prefix is not None:
            prefix.update(self._prefix())

    def set_command(self, command: str) -> None:
        self.input.value = command
        self.input.cursor_position = len(command)

    def remember(self, command: str) -> None:
        if command and (not self.history or self.history[-1] != command):
            self.history.append(command)
            del self.history[:-HISTORY]
        self._hpos = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._hpos = max(0, min(len(self.history), self._hpos + step))
        self.set_command(self.history[self._hpos] if self._hpos < len(self.history) else "")

    def action_source(self) -> None:
        if self.has_source:
            self.post_message(self.SourceWanted(self))

    def action_leave(self) -> None:
        self.app.set_focus(self.app.query_one("#tree"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        command = event.value.strip()
        if command:
            self.post_message(self.Submitted(self, command))

    # ---- the output ----

    def begin(self, header: Text) -> None:
        """A new run: the previous output stays above, a rule and the command head the new one."""
        self.running = True
        if self.lines or self._partial is not None:
            self._close_partial()
            self.lines.append(Text("─" * 20, "dim"))
        self.lines.append(header)
        self.paint_prefix()
        self._paint()

    def write(self, text: str, style: str = "") -> None:
        """Streamed output: may end mid-line; the next chunk continues it."""
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if not part and i == len(parts) - 1:
                break  # the chunk ended its line: nothing pending
            piece = literal(part, style)
            if self._partial is None:
                self._partial = piece
            else:
                self._partial.append_text(piece)
            if i < len(parts) - 1:
                self._close_partial()
        self._paint()

    def line(self, text: Text) -> None:
        self._close_partial()
        self.lines.append(text)
        self._paint()

    def finish(self, summary: Text | None = None) -> None:
        self._close_partial()
        if summary is not None:
            self.lines.append(summary)
        self.running = False
        self.paint_prefix()
        self._paint()

    def _close_partial(self) -> None:
        if self._partial is not None:
            self.lines.append(self._partial)
            self._partial = None

    def output_text(self) -> Text:
        lines = self.lines[-MAX_LINES:]
        if len(self.lines) > MAX_LINES:
            del self.lines[:-MAX_LINES]
        shown = [*lines, *([self._partial] if self._partial is not None else [])]
        return Text("\n").join(shown) if shown else Text(self.empty_text, "dim")

    def _part(self, name: str, kind: type[W]) -> W | None:
        """A child, or None while the app closes: Textual removes children before their parent, so a
        worker's last line can reach a pane whose output widget is already gone (the lines are kept)."""
        try:
            return self.query_one(f"#{self.kind}-{name}", kind)
        except NoMatches:
            return None

    def _paint(self) -> None:
        out = self._part("out", Static)
        scroll = self._part("scroll", VerticalScroll)
        if out is None or scroll is None:
            return
        out.update(self.output_text())
        # After the refresh: scrolled at once, the end is measured before the new text's layout.
        self.call_after_refresh(scroll.scroll_end, animate=False, immediate=True)

    def plain_output(self) -> str:
        return self.output_text().plain


class LookupPane(CommandPane):
    verb = "nslookup"
    placeholder = "a name: db, db.demo, db.demo.svc.cluster.local"
    empty_text = ("l on a Service: nslookup of its name from a debug pod in the chosen namespace (ctrl+n), "
                  "then the search-path walk the pod's resolver makes")


class DnsPane(CommandPane):
    verb = "DNS walk"
    placeholder = "a name: db, db.demo, _postgres._tcp.db.demo"
    empty_text = ("d on a Service: the resolver's search-path walk for its name, asked of CoreDNS through a "
                  "port-forward (nothing is created), each candidate with its rcode and answers")


class CurlPane(CommandPane):
    verb = ""
    has_source = False
    placeholder = "curl -sS -i http://NAME.NS.svc.cluster.local:PORT/ (or wget -S -O- URL)"
    empty_text = "u on a Service: one request to it with curl from a debug pod in its namespace, output as it arrives"


@dataclass
class Sample:
    n: int
    ok: bool
    status: str
    backend: str
    latency: float


class BalancePane(CommandPane):
    """N requests; a live histogram of which backend answered, with status and latency."""

    verb = "count URL"
    has_source = False
    placeholder = "20 http://NAME.NS.svc.cluster.local:PORT/"
    empty_text = ("b on a Service: N requests to it from a debug pod, and which backend answered each "
                  "(X-Served-By, a hostname or one-line body), as a live histogram")
    BAR = 24

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.samples: list[Sample] = []
        self.total = 0
        self.title = Text()
        self.fmt_latency = lambda s: f"{s * 1000:.0f} ms"

    def start_run(self, title: Text, total: int) -> None:
        self.samples = []
        self.total = total
        self.title = title
        self.running = True
        self.lines = []
        self._partial = None
        self.paint_prefix()
        self._paint()

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        self._paint()

    def finish(self, summary: Text | None = None) -> None:
        self.running = False
        if summary is not None:
            self.lines = [summary]
        self.paint_prefix()
        self._paint()

    def output_text(self) -> Text:
        if not self.samples and not self.running and not self.lines:
            return Text(self.empty_text, "dim")
        out = [self.title.copy()]
        ok = [s for s in self.samples if s.ok]
        failed = len(self.samples) - len(ok)
        head = Text(f"{len(self.samples)}/{self.total} sent  ")
        head.append(f"✓ {len(ok)} ok", "green")
        head.append("  ")
        head.append(f"✗ {failed} failed", "bold red" if failed else "dim")
        if self.samples:
            lat = sorted(s.latency for s in self.samples)
            head.append(f"  median {self.fmt_latency(lat[len(lat) // 2])}", "dim")
        out.append(head)
        groups: dict[str, list[Sample]] = {}
        for s in self.samples:
            label = (s.backend or "(backend not identified)") if s.ok else f"✗ {s.status}"
            groups.setdefault(label, []).append(s)
        width = min(34, max((len(plain(k)) for k in groups), default=0))
        most = max((len(v) for v in groups.values()), default=1)
        for label, items in sorted(groups.items(), key=lambda kv: (kv[0].startswith("✗ "), kv[0])):
            bad = label.startswith("✗ ")
            n = len(items)
            bar = "█" * max(1, round(self.BAR * n / most))
            lat = sorted(s.latency for s in items)
            name = plain(label, width).ljust(width)
            line = Text.assemble((name, "bold red" if bad else "bold"), "  ", (bar.ljust(self.BAR), "red" if bad else "cyan"),
                                 f" {n:3d}  {100 * n / max(1, len(self.samples)):3.0f}%")
            line.append(f"  median {self.fmt_latency(lat[len(lat) // 2])}", "dim")
            statuses = sorted({s.status for s in items})
            if not bad:
                line.append("  " + plain(", ".join(statuses), 30), "dim")
            out.append(line)
        if self.samples:
            s = self.samples[-1]
            last = Text(f"last: #{s.n} ", "dim")
            last.append(plain(s.status, 60), "green" if s.ok else "bold red")
            last.append(f"  {plain(s.backend, 40) or '-'}  {self.fmt_latency(s.latency)}", "dim")
            out.append(last)
        out += self.lines
        return Text("\n").join(out)
