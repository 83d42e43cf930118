"""A small POSIX shell (busybox ash as far as the tutorials go): lists with `;` `&&` `||` and newlines,
pipes, `!`, redirections (`>` `>>` `<` `2>` `2>&1` `>&2`), quotes, `$VAR` `${VAR}` `$?` `$1`, `$((...))`,
`$(...)`, assignments, `for`/`while`/`until`/`if`, `{ ...; }` and `( ... )`. A trailing `&` runs the job in
the foreground. No globbing, functions, here-documents or brace expansion (ash has none of the last either:
`{1..3}` stays a word).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from .catalog import image_kind
from .context import Ctx, Input, Output

OPS = ("&&", "||", ";;", ">>", "2>&1", ">&2", "1>&2", "2>>", "2>", "1>", ";", "&", "|", "<", ">", "(", ")", "\n")
RESERVED = {"for", "in", "do", "done", "while", "until", "if", "then", "elif", "else", "fi", "{", "}", "!"}
_REDIRECTIONS = (">", ">>", "<", "2>", "2>>", "1>", "2>&1", ">&2", "1>&2")
MAX_STEPS = 100_000
# A container command still running after this much simulated time is taken for a server loop.
VIRTUAL_LIMIT = 3600.0


class Incomplete(Exception):
    """The input ends inside a quote or compound command: an interactive shell reads more."""


class ParseError(Exception):
    pass


class ExitShell(Exception):
    def __init__(self, code: int):
        self.code = code


# ---- lexing ----

def _scan_word(s: str, i: int) -> int:
    """End of the word starting at i."""
    n = len(s)
    while i < n:
        c = s[i]
        if c in " \t\n;&|<>()":
            return i
        if c == "\\":
            if i + 1 >= n:
                raise Incomplete
            i += 2
        elif c == "'":
            j = s.find("'", i + 1)
            if j < 0:
                raise Incomplete
            i = j + 1
        elif c == '"':
            i = _scan_double(s, i + 1)
        elif c == "`":
            j = s.find("`", i + 1)
            if j < 0:
                raise Incomplete
            i = j + 1
        elif c == "$" and i + 1 < n and s[i + 1] == "(":
            i = _scan_parens(s, i + 1)
        elif c == "$" and i + 1 < n and s[i + 1] == "{":
            j = s.find("}", i + 2)
            if j < 0:
                raise Incomplete
            i = j + 1
        else:
            i += 1
    return i


def _scan_double(s: str, i: int) -> int:
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif c == "$" and i + 1 < n and s[i + 1] == "(":
            i = _scan_parens(s, i + 1)
        elif c == "`":
            j = s.find("`", i + 1)
            if j < 0:
                raise Incomplete
            i = j + 1
        else:
            i += 1
    raise Incomplete


def _scan_parens(s: str, i: int) -> int:
    """s[i] == '('; index after the matching ')'."""
    depth = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == "'":
            j = s.find("'", i + 1)
            if j < 0:
                raise Incomplete
            i = j
        elif c == '"':
            i = _scan_double(s, i + 1) - 1
        elif c == "\\":
            i += 1
        i += 1
    raise Incomplete


def tokenize(s: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t":
            i += 1
            continue
        if c == "\\" and i + 1 < n and s[i + 1] == "\n":
            i += 2
            continue
        if c == "#" and (not out or out[-1][0] == "op" or s[i - 1] in " \t"):
            while i < n and s[i] != "\n":
                i += 1
            continue
        op = next((o for o in OPS if s.startswith(o, i)), None)
        if op is not None and not (op[0].isdigit() and i > 0 and s[i - 1] not in " \t\n;&|"):
            out.append(("op", op))
            i += len(op)
            continue
        j = _scan_word(s, i)
        if j == i:
            raise ParseError(f"syntax error: unexpected \"{c}\"")
        out.append(("word", s[i:j]))
        i = j
    return out


# ---- syntax tree ----

@dataclass
class Simple:
    assigns: list[tuple[str, str]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    redirs: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Pipeline:
    cmds: list[Any]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)


@dataclass
class Seq:
    items: list[AndOr] = field(default_factory=list)


@dataclass
class For:
    var: str
    words: list[str] | None
    body: Seq


@dataclass
class Loop:
    cond: Seq
    body: Seq
    until: bool = False


@dataclass
class If:
    branches: list[tuple[Seq, Seq]]
    orelse: Seq | None = None


@dataclass
class Group:
    body: Seq
    subshell: bool = False
    redirs: list[tuple[str, str]] = field(default_factory=list)


_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


class Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.t = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise Incomplete
        self.i += 1
        return tok

    def is_word(self, value: str) -> bool:
        tok = self.peek()
        return tok is not None and tok == ("word", value)

    def expect_word(self, value: str) -> None:
        tok = self.take()
        if tok != ("word", value):
            raise ParseError(f"syntax error: unexpected \"{tok[1]}\" (expecting \"{value}\")")

    def skip_newlines(self) -> None:
        while self.peek() in (("op", "\n"), ("op", ";")):
            self.i += 1

    def program(self) -> Seq:
        seq = self.seq(())
        left = self.peek()
        if left is not None:
            raise ParseError(f"syntax error: unexpected \"{left[1]}\"")
        return seq

    def seq(self, stops: tuple[str, ...]) -> Seq:
        seq = Seq()
        while True:
            while self.peek() in (("op", "\n"),):
                self.i += 1
            tok = self.peek()
            if tok is None or (tok[0] == "word" and tok[1] in stops) or tok == ("op", ")"):
                return seq
            seq.items.append(self.and_or())
            tok = self.peek()
            if tok is not None and tok[0] == "op" and tok[1] in (";", "&", "\n"):
                self.i += 1
            elif tok is not None and not (tok[0] == "word" and tok[1] in stops) and tok != ("op", ")"):
                raise ParseError(f"syntax error: unexpected \"{tok[1]}\"")

    def and_or(self) -> AndOr:
        node = AndOr(self.pipeline())
        while self.peek() in (("op", "&&"), ("op", "||")):
            op = self.take()[1]
            while self.peek() == ("op", "\n"):
                self.i += 1
            node.rest.append((op, self.pipeline()))
        return node

    def pipeline(self) -> Pipeline:
        negate = False
        if self.is_word("!"):
            self.i += 1
            negate = True
        cmds = [self.command()]
        while self.peek() == ("op", "|"):
            self.i += 1
            while self.peek() == ("op", "\n"):
                self.i += 1
            cmds.append(self.command())
        return Pipeline(cmds, negate)

    def command(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise Incomplete
        if tok[0] == "word":
            word = tok[1]
            if word == "for":
                return self._for()
            if word in ("while", "until"):
                self.i += 1
                cond = self.seq(("do",))
                self.expect_word("do")
                body = self.seq(("done",))
                self.expect_word("done")
                return Loop(cond, body, word == "until")
            if word == "if":
                return self._if()
            if word == "{":
                self.i += 1
                body = self.seq(("}",))
                self.expect_word("}")
                return Group(body, False, self._redirs())
        if tok == ("op", "("):
            self.i += 1
            body = self.seq(())
            if self.take() != ("op", ")"):
                raise ParseError("syntax error: missing )")
            return Group(body, True, self._redirs())
        return self.simple()

    def _redirs(self) -> list[tuple[str, str]]:
        out = []
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in _REDIRECTIONS:
            op = self.take()[1]
            if op in ("2>&1", ">&2", "1>&2"):
                out.append((op, ""))
            else:
                target = self.take()
                if target[0] != "word":
                    raise ParseError(f"syntax error: unexpected \"{target[1]}\"")
                out.append((op, target[1]))
        return out

    def _for(self) -> For:
        self.i += 1
        var = self.take()
        if var[0] != "word":
            raise ParseError("syntax error: bad for loop variable")
        words = None
        while self.peek() == ("op", "\n"):
            self.i += 1
        if self.is_word("in"):
            self.i += 1
            words = []
            while (tok := self.peek()) is not None and tok[0] == "word":
                words.append(self.take()[1])
        self.skip_newlines()
        self.expect_word("do")
        body = self.seq(("done",))
        self.expect_word("done")
        return For(var[1], words, body)

    def _if(self) -> If:
        self.i += 1
        branches = []
        cond = self.seq(("then",))
        self.expect_word("then")
        body = self.seq(("elif", "else", "fi"))
        branches.append((cond, body))
        orelse = None
        while True:
            word = self.take()
            if word == ("word", "elif"):
                cond = self.seq(("then",))
                self.expect_word("then")
                branches.append((cond, self.seq(("elif", "else", "fi"))))
            elif word == ("word", "else"):
                orelse = self.seq(("fi",))
                self.expect_word("fi")
                return If(branches, orelse)
            elif word == ("word", "fi"):
                return If(branches, orelse)
            else:
                raise ParseError(f"syntax error: unexpected \"{word[1]}\"")

    def simple(self) -> Simple:
        cmd = Simple()
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok[0] == "op":
                if tok[1] in (">", ">>", "<", "2>", "2>>", "1>", "2>&1", ">&2", "1>&2"):
                    cmd.redirs += self._redirs()
                    continue
                break
            if not cmd.words and _ASSIGN.match(tok[1]):
                name, value = tok[1].split("=", 1)
                cmd.assigns.append((name, value))
                self.i += 1
                continue
            if not cmd.words and tok[1] in ("then", "do", "done", "fi", "elif", "else", "}", "in"):
                raise ParseError(f"syntax error: unexpected \"{tok[1]}\"")
            cmd.words.append(tok[1])
            self.i += 1
        if not cmd.words and not cmd.assigns and not cmd.redirs:
            tok = self.peek()
            if tok is None:
                raise Incomplete
            raise ParseError(f"syntax error: unexpected \"{tok[1] if tok[1] != chr(10) else 'newline'}\"")
        return cmd


def parse(text: str) -> Seq:
    return Parser(tokenize(text)).program()


# ---- expansion ----

async def expand_word(ctx: Ctx, raw: str, split: bool = True) -> list[str]:
    """Quote removal and parameter/arithmetic/command expansion; unquoted expansions split on whitespace."""
    fields: list[str] = []
    cur: list[str] = []
    have = False  # the current field exists even if empty (quotes seen)
    i, n = 0, len(raw)

    def add_unquoted(value: str) -> None:
        nonlocal have
        if not split:
            cur.append(value)
            return
        parts = re.split(r"[ \t\n]+", value)
        if len(parts) == 1:
            cur.append(value)
            if value:
                have = True
            return
        for k, part in enumerate(parts):
            if k > 0:
                if cur or have:
                    fields.append("".join(cur))
                cur.clear()
                have = False
            if part:
                cur.append(part)
                have = True

    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            cur.append(raw[i + 1])
            have = True
            i += 2
        elif c == "'":
            j = raw.index("'", i + 1)
            cur.append(raw[i + 1:j])
            have = True
            i = j + 1
        elif c == '"':
            j = _scan_double(raw, i + 1)
            cur.append(await _expand_double(ctx, raw[i + 1:j - 1]))
            have = True
            i = j
        elif c == "$" or c == "`":
            value, i = await _dollar(ctx, raw, i)
            add_unquoted(value)
        else:
            cur.append(c)
            have = True
            i += 1
    if cur or have:
        fields.append("".join(cur))
    return fields


async def _expand_double(ctx: Ctx, s: str) -> str:
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in '$`"\\\n':
            out.append(s[i + 1])
            i += 2
        elif c in "$`":
            value, i = await _dollar(ctx, s, i)
            out.append(value)
        else:
            out.append(c)
            i += 1
    return "".join(out)


async def _dollar(ctx: Ctx, s: str, i: int) -> tuple[str, int]:
    if s[i] == "`":
        j = s.index("`", i + 1)
        return await command_substitution(ctx, s[i + 1:j]), j + 1
    if s.startswith("$((", i):
        j = _scan_parens(s, i + 1)
        return str(arith(ctx, s[i + 3:j - 2])), j
    if s.startswith("$(", i):
        j = _scan_parens(s, i + 1)
        return await command_substitution(ctx, s[i + 2:j - 1]), j
    if s.startswith("${", i):
        j = s.index("}", i)
        inner = s[i + 2:j]
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*|\d+|[?#$])(:?[-=+?])?(.*)$", inner, re.S)
        if not m:
            return "", j + 1
        value = _param(ctx, m.group(1))
        op, word = m.group(2), m.group(3)
        if op and op.endswith("-") and not value:
            value = word
        elif op and op.endswith("+"):
            value = word if value else ""
        return value, j + 1
    m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*|[0-9?#$@*!-])", s[i:])
    if not m:
        return "$", i + 1
    return _param(ctx, m.group(1)), i + len(m.group(0))


def _param(ctx: Ctx, name: str) -> str:
    if name == "?":
        return str(ctx.last_status)
    if name == "#":
        return str(len(ctx.positional))
    if name == "$":
        return "1"
    if name in ("@", "*"):
        return " ".join(ctx.positional)
    if name.isdigit():
        k = int(name)
        if k == 0:
            return "sh"
        return ctx.positional[k - 1] if k <= len(ctx.positional) else ""
    return ctx.env.get(name, "")


def arith(ctx: Ctx, expr: str) -> int:
    text = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: ctx.env.get(m.group(1), "0") or "0", expr)
    text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: ctx.env.get(m.group(0), "0") or "0", text)
    if not re.fullmatch(r"[\d\s+\-*/%()<>=!&|]*", text):
        raise ShellError("arithmetic syntax error")
    text = text.replace("&&", " and ").replace("||", " or ").replace("/", "//")
    text = re.sub(r"!(?!=)", " not ", text)
    try:
        value = eval(text, {"__builtins__": {}}, {})  # noqa: S307 (digits and operators only, checked above)
    except Exception:
        raise ShellError("arithmetic syntax error") from None
    return int(value)


class ShellError(Exception):
    pass


async def command_substitution(ctx: Ctx, text: str) -> str:
    out = Output()
    sub = ctx.child(stdout=out)
    try:
        sub.last_status = await run_seq(sub, parse(text))
    except ExitShell as e:
        sub.last_status = e.code
    ctx.absorb(sub)
    ctx.last_status = sub.last_status
    return out.data.decode(errors="replace").rstrip("\n")


# ---- execution ----

async def run_seq(ctx: Ctx, seq: Seq) -> int:
    status = 0
    for item in seq.items:
        status = await run_and_or(ctx, item)
        ctx.last_status = status
    return status


async def run_and_or(ctx: Ctx, node: AndOr) -> int:
    status = await run_pipeline(ctx, node.first)
    for op, pipe in node.rest:
        ctx.last_status = status
        if (op == "&&" and status == 0) or (op == "||" and status != 0):
            status = await run_pipeline(ctx, pipe)
    return status


async def run_pipeline(ctx: Ctx, pipe: Pipeline) -> int:
    if len(pipe.cmds) == 1:
        status = await run_command(ctx, pipe.cmds[0])
    else:
        data: bytes | None = None
        status = 0
        for k, cmd in enumerate(pipe.cmds):
            last = k == len(pipe.cmds) - 1
            out = ctx.stdout if last else Output()
            sub = ctx.child(stdin=Input(data) if data is not None else None, stdout=out)
            status = await run_command(sub, cmd)
            ctx.absorb(sub)
            data = bytes(out.data) if not last else None
    return (0 if status else 1) if pipe.negate else status


async def run_command(ctx: Ctx, cmd: Any) -> int:
    ctx.steps += 1
    if ctx.steps > MAX_STEPS or (ctx.virtual and ctx.elapsed > VIRTUAL_LIMIT):
        raise ExitShell(137)
    if isinstance(cmd, Simple):
        return await run_simple(ctx, cmd)
    if isinstance(cmd, For):
        words = ctx.positional if cmd.words is None else [w for raw in cmd.words for w in await expand_word(ctx, raw)]
        status = 0
        for w in words:
            ctx.env[cmd.var] = w
            status = await run_seq(ctx, cmd.body)
        return status
    if isinstance(cmd, Loop):
        status = 0
        while True:
            cond = await run_seq(ctx, cmd.cond)
            if (cond == 0) == cmd.until:
                return status
            status = await run_seq(ctx, cmd.body)
            ctx.steps += 1
            if ctx.steps > MAX_STEPS:
                raise ExitShell(137)
    if isinstance(cmd, If):
        for test, body in cmd.branches:
            if await run_seq(ctx, test) == 0:
                return await run_seq(ctx, body)
        return await run_seq(ctx, cmd.orelse) if cmd.orelse else 0
    if isinstance(cmd, Group):
        sub = await _redirected(ctx, cmd.redirs)
        if sub is None:
            return 1
        if cmd.subshell:
            sub.env = dict(ctx.env)
            try:
                status = await run_seq(sub, cmd.body)
            except ExitShell as e:
                status = e.code
        else:
            status = await run_seq(sub, cmd.body)
        ctx.absorb(sub)
        return status
    raise ShellError(f"unknown command node {cmd!r}")


async def _redirected(ctx: Ctx, redirs: list[tuple[str, str]]) -> Ctx | None:
    """A context whose streams follow the redirections, or None after reporting an error."""
    if not redirs:
        return ctx.child()
    out, err, inp = ctx.stdout, ctx.stderr, ctx.stdin
    files: list[tuple[Output, str]] = []
    for op, raw in redirs:
        if op == "2>&1":
            err = out
            continue
        if op in (">&2", "1>&2"):
            out = err
            continue
        target = (await expand_word(ctx, raw, split=False) or [""])[0]
        path = ctx.path(target)
        if op == "<":
            data = ctx.fs.read(path)
            if data is None:
                ctx.stderr.write(f"sh: can't open '{target}': No such file or directory\n")
                return None
            inp = Input(data)
            continue
        if target == "/dev/null":
            sink = Output(lambda _b: None)
        elif target in ("/dev/stderr",):
            sink = ctx.stderr
        elif target in ("/dev/stdout",):
            sink = ctx.stdout
        else:
            problem = ctx.fs.write(path, b"", append=op.endswith(">>"))
            if problem is not None:
                msg = "Is a directory" if problem == "Is a directory" else "nonexistent directory"
                ctx.stderr.write(f"sh: can't create {target}: {msg}\n")
                return None
            sink = Output()
            files.append((sink, path))
        if op.startswith("2"):
            err = sink
        else:
            out = sink
    sub = ctx.child(stdin=inp, stdout=out, stderr=err)
    sub.open_files = files
    return sub


def _flush_files(ctx: Ctx) -> None:
    for sink, path in ctx.open_files:
        ctx.fs.write(path, bytes(sink.data), append=True)
        sink.data.clear()


async def run_simple(ctx: Ctx, cmd: Simple) -> int:
    words: list[str] = []
    for raw in cmd.words:
        words += await expand_word(ctx, raw)
    assigns = [(name, (await expand_word(ctx, value, split=False) or [""])[0]) for name, value in cmd.assigns]
    if not words:
        for name, value in assigns:
            ctx.env[name] = value
        return 0
    sub = await _redirected(ctx, cmd.redirs)
    if sub is None:
        return 1
    if assigns:
        sub.env = dict(ctx.env)
        sub.env.update(assigns)
    try:
        status = await sub.run(words, shell=True)
    finally:
        _flush_files(sub)
        ctx.absorb(sub)
        if sub.cwd != ctx.cwd:
            ctx.cwd = sub.cwd
    return status


async def run_script(ctx: Ctx, text: str) -> int:
    """`sh -c TEXT`: the exit status of the script (syntax errors as ash reports them, status 2)."""
    try:
        tree = parse(text)
    except Incomplete:
        ctx.stderr.write("sh: syntax error: unexpected end of file\n")
        return 2
    except ParseError as e:
        ctx.stderr.write(f"sh: {e}\n")
        return 2
    try:
        return await run_seq(ctx, tree)
    except ExitShell as e:
        return e.code
    except ShellError as e:
        ctx.stderr.write(f"sh: {e}\n")
        return 2


INTERRUPTED = object()


async def _foreground(ctx: Ctx, coro: Any) -> Any:
    """Await coro; with a TTY, ctrl-c (Input.interrupt) cancels it instead and gives INTERRUPTED."""
    if not ctx.tty:
        return await coro
    signal = ctx.stdin.interrupts()
    signal.clear()
    task = asyncio.ensure_future(coro)
    waiter = asyncio.ensure_future(signal.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except BaseException:  # whatever the cancelled command raised on its way out
        pass
    return INTERRUPTED


def prompt(ctx: Ctx, shell: str) -> str:
    """PS1 as each image's shell shows it: busybox ash `\\w \\$ `, dash `# `, Debian bash's bashrc
    `\\u@\\h:\\w\\$ `, Alpine bash's `\\h:\\w\\$ `."""
    uid = ((ctx.spec.get("securityContext") or {}).get("runAsUser")
           or ((ctx.pod.get("spec") or {}).get("securityContext") or {}).get("runAsUser") or 0)
    mark = "#" if uid == 0 else "$"
    home = ctx.env.get("HOME") or ("/root" if uid == 0 else "/")
    cwd = "~" + ctx.cwd[len(home):] if home != "/" and (ctx.cwd == home or ctx.cwd.startswith(home + "/")) else ctx.cwd
    debian = image_kind(ctx.image).startswith("debian")
    if shell == "bash" and not debian:
        # Alpine's /etc/bash/bashrc (netshoot)
        return f"{ctx.env.get('HOSTNAME', 'localhost')}:{cwd}{mark} "
    if shell == "bash":
        user = "root" if uid == 0 else "I have no name!"
        return f"{user}@{ctx.env.get('HOSTNAME', 'localhost')}:{cwd}{mark} "
    if debian:
        return f"{mark} "
    return f"{cwd} {mark} "


async def interactive(ctx: Ctx, shell: str = "sh") -> int:
    """`sh` reading commands from stdin until EOF or `exit`; a prompt only with a TTY."""
    pending = ""
    while True:
        if ctx.tty:
            ctx.stdout.write(prompt(ctx, shell) if not pending else "> ")
        line = await _foreground(ctx, ctx.stdin.readline())
        if line is INTERRUPTED:
            pending = ""
            ctx.last_status = 130
            continue
        if not line:
            return ctx.last_status
        text = line.decode(errors="replace")
        if ctx.tty:
            text = text.replace("\r", "\n")
        pending += text if text.endswith("\n") else text + "\n"
        try:
            tree = parse(pending)
        except Incomplete:
            continue
        except ParseError as e:
            ctx.stderr.write(f"sh: {e}\n")
            pending = ""
            ctx.last_status = 2
            continue
        pending = ""
        try:
            status = await _foreground(ctx, run_seq(ctx, tree))
            ctx.last_status = 130 if status is INTERRUPTED else status
        except ExitShell as e:
            return e.code
        except ShellError as e:
            ctx.stderr.write(f"sh: {e}\n")
            ctx.last_status = 2


async def shell_command(ctx: Ctx, argv: list[str]) -> int:
    """`sh`, `ash` or `bash` as a command: `-c SCRIPT [NAME ARGS...]`, a script file, or interactive."""
    args = argv[1:]
    while args and args[0] in ("-e", "-x", "-l", "-i", "-eu", "-ex"):
        args = args[1:]
    if args and args[0] == "-c":
        if len(args) < 2:
            ctx.stderr.write("sh: -c requires an argument\n")
            return 2
        sub = ctx.child()
        sub.positional = args[3:]
        status = await run_script(sub, args[1])
        ctx.absorb(sub)
        return status
    if args:
        data = ctx.fs.read(ctx.path(args[0]))
        if data is None:
            ctx.stderr.write(f"sh: can't open '{args[0]}': No such file or directory\n")
            return 2
        return await run_script(ctx, data.decode(errors="replace"))
    return await interactive(ctx, argv[0].rsplit("/", 1)[-1])
