"""Prompts of the debug-pod lifecycle: may svctui create a debug pod here, and remove earlier leftovers?"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from svctui.kube.debugpod import Leftover
from svctui.model.sanitize import plain

PROMPT_CSS = """
ConfirmDebugPod, LeftoversScreen { align: center middle; }
.prompt-box { width: 80; max-width: 95%; height: auto; max-height: 90%; border: thick $warning;
              padding: 0 1; background: $surface; }
.prompt-keys { margin: 1 0 0 0; }
#leftovers-list { height: auto; max-height: 10; }
"""


class ConfirmDebugPod(ModalScreen[bool]):
    """Creating a pod is a mutation: name the namespace, the pod and the image before doing it."""

    DEFAULT_CSS = PROMPT_CSS

    BINDINGS = [
        Binding("y", "answer(True)", "Create", id="debugpod.yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="debugpod.no"),
    ]

    def __init__(self, namespace: str, name: str, image: str) -> None:
        super().__init__()
        self.namespace = namespace
        self.pod_name = name
        self.image = image

    def compose(self) -> ComposeResult:
        with Vertical(id="debugpod-box", classes="prompt-box"):
            yield Static(Text.assemble(
                ("Create a debug pod in namespace ", "bold"), (plain(self.namespace), "bold yellow"), ("?", "bold"),
                "\n\n  pod   ", plain(self.pod_name),
                "\n  image ", plain(self.image),
                ("\n\nOne warm pod per namespace runs the lookups and requests (Pod Security \"restricted\", "
                 "no service account token). svctui deletes it on quit, SIGTERM and SIGHUP; the kubelet ends "
                 "it after 4 h whatever happens. The answer is remembered for this namespace until you quit.", "dim"),
                ("\nsame as: ", "dim"), f"kubectl run {plain(self.pod_name)} -n {plain(self.namespace)} "
                f"--image={plain(self.image)} -- sleep infinity"))
            yield Static(Text.assemble(("y", "bold"), " create   ", ("n", "bold"), "/", ("esc", "bold"), " cancel"),
                         classes="prompt-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class LeftoversScreen(ModalScreen[bool]):
    """Debug pods of svctui sessions that are gone (a crash, a kill -9, a closed laptop): offer to delete them.
    Each line says whose pod it is and why its owner counts as gone; pods of live sessions never get here."""

    DEFAULT_CSS = PROMPT_CSS

    BINDINGS = [
        Binding("y", "answer(True)", "Delete them", id="leftovers.yes"),
        Binding("n,escape", "answer(False)", "Keep", id="leftovers.no"),
    ]

    def __init__(self, items: list[Leftover]) -> None:
        super().__init__()
        self.items = items

    def compose(self) -> ComposeResult:
        with Vertical(id="leftovers-box", classes="prompt-box"):
            yield Static(Text(f"{len(self.items)} debug pod(s) left by svctui sessions that are gone", "bold"))
            with VerticalScroll(id="leftovers-list"):
                yield Static(self._list())
            # Pod by pod: a label selector would take the pods of sessions still running too.
            yield Static(Text.assemble(("same as: ", "dim"), "kubectl delete pod -n NAMESPACE NAME for each; every pod is "
                                       "judged again just before it is deleted", style="dim"))
            yield Static(Text.assemble(("y", "bold"), " delete them   ", ("n", "bold"), "/", ("esc", "bold"), " keep"),
                         classes="prompt-keys")

    def _list(self) -> Text:
        out = Text()
        for i, item in enumerate(self.items):
            if i:
                out.append("\n")
            out.append_text(Text.assemble("  ", ("pod/", "dim"), plain(item.name), ("  -n ", "dim"), plain(item.namespace),
                                          ("  ", "dim"), (plain(item.phase or "?"), "dim"),
                                          ("  since ", "dim"), (plain(item.created), "dim"),
                                          "\n    ", ("owner ", "dim"), (plain(item.owner, 120), "bold"),
                                          ("  session ", "dim"), plain(item.session, 40),
                                          ("  ", "dim"), (plain(item.why, 120), "yellow")))
        return out

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
