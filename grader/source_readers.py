"""The richer facts of grader.source, read from the AST (`from_tree`); for code that does not parse,
grader.source_text reads them from the text. Both return the same keys, the names of `source.Facts`
fields.

Only grader.source calls these. Of what they find only `threads` feeds a verdict (uses_threading, for
a server the grader could not run); the other rules verdicts rest on live in source.py.
"""
from __future__ import annotations

import ast
import re
import string

MULTIPLEXERS = {"select", "selectors", "asyncio"}
THREAD_STARTERS = {"Thread", "threading.Thread"}
THREAD_POOLS = {"ThreadingMixIn", "ThreadingTCPServer", "ThreadingUDPServer", "ThreadingHTTPServer", "ThreadPoolExecutor"}
# What `threads` may hold: a Thread(...) call, a Thread subclass, Thread.__init__(self), _thread's
# start_new_thread, or one of THREAD_POOLS by name.
THREAD_KINDS = ("Thread", "subclass", "Thread.__init__", "start_new_thread", *sorted(THREAD_POOLS))
LINE_READERS = {"readline", "readlines", "makefile", "splitlines"}
NEWLINES = {"\n", "\r\n", b"\n", b"\r\n"}
SEPARATING = {"split", "rsplit", "partition", "rpartition"}
PACKING = {"pack", "unpack", "pack_into", "unpack_from", "Struct", "calcsize"}
RECEIVING = {"recv", "read", "recv_exactly", "recvall", "recv_all", "read_exactly"}
LENGTH_BYTES = 4   # recv(4): a 4-byte length comes first
JSON_CALLS = {"dumps", "loads", "dump", "load"}
PORT_CALLS = {"bind", "connect", "connect_ex", "sendto", "create_connection", "create_server"}
MAX_PORT = 65535
MAX_WIRE_FORM = 16   # characters: longer constants compared with are sentences, not protocol forms
# What may be a password: one word, not a command ("/quit", "@all", "!help").
SECRET = re.compile(r"[^\s/@!]\S{0,63}")
SENDS = re.compile(r"send|write|put", re.I)   # the calls that put a line on the wire: sendall, send_msg...
RECIPIENT = re.compile(r"кому|получател|адресат|\bto\b|whom|recipient", re.I)
EXITS = {"exit", "quit", "sys.exit", "os._exit"}
NOT_INPUT = re.compile(r"__name__|\bargv\b|\bplatform\b|\bos\.name\b")   # what is compared, but never received
# A string that asks for a name: one of these words, in a sentence or a prompt (not a bare key).
NAME_PROMPT = re.compile(r"\b(name|nick|nickname|username|login|alias|handle|имя|ник|никнейм|логин|псевдоним|зовут|"
                         r"представ\w*)\b|who are you|кто ты", re.I)
PROMPT_SHAPE = re.compile(r"[:?>]$|^(enter|type|input|choose|pick|give|what|who|your|введите|введи|укажите|укажи|"
                          r"как|назови|напиши|ваш|твой)\b", re.I)
MAX_PROMPT = 60
ROLE_SERVER = re.compile(r"server|сервер|host|хост", re.I)
ROLE_CLIENT = re.compile(r"client|клиент|connect|join|подключ|присоедин", re.I)
ROLE_ANSWER = re.compile(r"^(s|c|h|j|1|2|server|client|host|join|с|к|сервер|клиент)$", re.I)
# What an answer means when the code does not tell (the Cyrillic с is сервер's, the Latin c client's).
ANSWER_ROLES = {"server": re.compile(r"^(s|h|server|host|с|сервер|хост)$", re.I),
                "client": re.compile(r"^(c|j|client|join|connect|к|клиент)$", re.I)}
# Calls that make a branch the server's or the client's, wherever the functions it names lead.
ROLE_CALLS = {"server": {"listen", "accept", "serve_forever", "bind"},
              "client": {"connect", "connect_ex", "create_connection"}}
SENDING = re.compile(r"send|write|broadcast|put|emit|отправ", re.I)
INTERRUPTS = {"KeyboardInterrupt"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return ""


def _last(node: ast.AST) -> str:
    return _dotted(node).rpartition(".")[2]


def _text(node: ast.AST) -> str | None:
    """A str or bytes constant as text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        value = node.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return None


def _in_order(nodes) -> list:
    return sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _unique(items) -> tuple:
    return tuple(dict.fromkeys(items))


def _ints(node: ast.AST | None) -> set[int]:
    """The int constants a value can be: 5000, `a or 5000`, `x if c else 5000`."""
    if isinstance(node, ast.Constant) and type(node.value) is int and 0 < node.value <= MAX_PORT:
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _ints(node.body) | _ints(node.orelse)
    if isinstance(node, ast.BoolOp):
        return set().union(*(_ints(v) for v in node.values))
    return set()


def asks_for_name(text: str) -> bool:
    """A prompt with a name word ("Введите имя: ", "Enter alias"), or the keyword a server sends
    for it ("NICK"); not a bare key ("name") nor a sentence that only mentions names."""
    s = text.strip()
    if not NAME_PROMPT.search(s) or len(s) > MAX_PROMPT:
        return False
    return bool(PROMPT_SHAPE.search(s)) or s.isupper() and s.replace("_", "").isalpha()


def asks_for_role(text: str) -> bool:
    return bool(ROLE_SERVER.search(text) and ROLE_CLIENT.search(text))


# -- from the AST -------------------------------------------------------------------------------

class _Tree:
    """The nodes of a tree, walked once, in source order and by type."""
    def __init__(self, tree: ast.Module):
        self.nodes = _in_order(ast.walk(tree))
        self.by_type: dict[type, list] = {}
        for n in self.nodes:
            self.by_type.setdefault(type(n), []).append(n)
        self.calls = self.of(ast.Call)

    def of(self, *kinds: type) -> list:
        """Nodes of these types; in source order for one type."""
        return [n for kind in kinds for n in self.by_type.get(kind, ())]


def from_tree(tree: ast.Module) -> dict[str, object]:
    t = _Tree(tree)
    imports = _imports(t)
    prompts = _unique(p for c in t.calls if _dotted(c.func) == "input" and c.args for p in [_prompt(c.args[0])] if p)
    role_prompts = tuple(p for p in prompts if asks_for_role(p))
    return {
        "imports": imports,
        "threads": _threads(t),
        "multiplexing": frozenset(MULTIPLEXERS & ({m.split(".")[0] for m in imports} |
                                                 {_dotted(c.func).split(".")[0] for c in t.calls})),
        "framing": _framing(t, imports),
        "name_prompts": _name_prompts(t),
        "keyboard": _keyboard(t),
        "input_prompts": prompts,
        "role_prompts": role_prompts,
        "role_answers": _role_answers(t) if role_prompts else (),
        "role_choices": _role_choices(t) if role_prompts else (),
        "argv_indexes": frozenset(n.slice.value for n in t.of(ast.Subscript)
                                  if _dotted(n.value) in ("sys.argv", "argv") and isinstance(n.slice, ast.Constant)
                                  and type(n.slice.value) is int),
        "argparse_names": _unique(s for c in t.calls if _last(c.func) == "add_argument"
                                  for s in map(_text, c.args) if s is not None),
        "split_on": _unique(s for c in t.calls if _last(c.func) in SEPARATING
                            for s in [_text(c.args[0]) if c.args else None] if s is not None),
        "interrupt_sends": _interrupt_sends(t),
        "port_literals": _ports(t),
        "wire_forms": _wire_forms(t),
        "keys_read": _unique(s for n in t.nodes for s in [_key_read(n)] if s),
        "name_prefix": _name_prefix(t),
        "secrets": _secrets(t, tree),
        "enter_first": _enter_first(t),
        "menu": _menu(t),
    }


def _menu(t: _Tree) -> tuple[tuple[str, str], ...]:
    """The options of a console menu: (what is typed, what its branch does) for each `if choice == "1":`
    on a variable an input() was assigned to: one more input() and a send is "message", two are
    "private" ("private_text_first" where only the second asks who for), none and a break, a return
    or an exit is "leave". Where the variable is itself sent (a chat line, `if msg == "/pm":`), a
    branch that sends one more line is no message option (`/nick` and a new name)."""
    chosen = {a.targets[0].id for a in t.of(ast.Assign) if len(a.targets) == 1 and isinstance(a.targets[0], ast.Name)
              and any(isinstance(c, ast.Call) and _dotted(c.func) == "input" for c in ast.walk(a.value))}
    sent = {n.id for c in t.calls if SENDS.search(_last(c.func)) for a in c.args for n in ast.walk(a)
            if isinstance(n, ast.Name)}
    found = []
    for node in t.of(ast.If):
        test = node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
            continue
        left = test.left.func.value if isinstance(test.left, ast.Call) and isinstance(test.left.func, ast.Attribute) \
            else test.left
        option = _text(test.comparators[0])
        kind = _branch(node.body) if isinstance(left, ast.Name) and left.id in chosen and option else None
        if kind and not (kind == "message" and left.id in sent):
            found.append((option, kind))
    return _unique(found)


def _branch(body: list[ast.stmt]) -> str | None:
    nodes = _in_order(n for stmt in body for n in ast.walk(stmt))
    prompts = [_prompt(c.args[0]) if c.args else "" for c in nodes if isinstance(c, ast.Call) and _dotted(c.func) == "input"]
    sends = any(isinstance(c, ast.Call) and SENDS.search(_last(c.func)) for c in nodes)
    if len(prompts) == 1 and sends:
        return "message"
    if len(prompts) == 2 and sends:
        who = [bool(p and (asks_for_name(p) or RECIPIENT.search(p))) for p in prompts]
        return "private_text_first" if who == [False, True] else "private"
    leaves = any(isinstance(n, (ast.Break, ast.Return)) or isinstance(n, ast.Call) and _dotted(n.func) in EXITS
                 for n in nodes)
    return "leave" if not prompts and leaves else None


def _enter_first(t: _Tree) -> int:
    """How many input() calls whose answer is thrown away ("Press Enter to connect") come before the
    first one whose answer is kept, in the order of the code."""
    discarded = {id(n.value) for n in t.of(ast.Expr)}
    count = 0
    for call in t.calls:
        if _dotted(call.func) == "input":
            if id(call) not in discarded:
                return count
            count += 1
    return 0


def _secrets(t: _Tree, tree: ast.Module) -> tuple[str, ...]:
    """Words a value is compared with for equality (==, !=), as constants or through a module-level
    name (PASSWORD = "qwerty"): what a handshake may want before the name."""
    named = {target.id: value for node in tree.body if isinstance(node, ast.Assign)
             for value in [_text(node.value)] if value is not None
             for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for n in t.of(ast.Compare):
        if len(n.ops) != 1 or not isinstance(n.ops[0], (ast.Eq, ast.NotEq)):
            continue
        for side, other in ((n.left, n.comparators[0]), (n.comparators[0], n.left)):
            value = _text(side) if isinstance(side, ast.Constant) else named.get(getattr(side, "id", None))
            if value and not isinstance(other, ast.Constant) and SECRET.fullmatch(value) \
                    and not NOT_INPUT.search(ast.unparse(other)):
                found.append(value)
    return _unique(found)


def _wire_forms(t: _Tree) -> tuple[str, ...]:
    """Short str or bytes constants data is compared with (==, !=, in) or tested to start with: the
    forms a server's protocol may take ("LOGIN ", b"NICK:", "msg")."""
    found = []
    for n in t.of(ast.Compare):
        found += [o for o in [n.left, *n.comparators] if not isinstance(o, (ast.Tuple, ast.List, ast.Set))]
        found += [e for o in n.comparators if isinstance(o, (ast.Tuple, ast.List, ast.Set)) for e in o.elts]
    found += [a for c in t.calls if _last(c.func) == "startswith" for a in c.args[:1]]
    found += [e for a in list(found) if isinstance(a, ast.Tuple) for e in a.elts]
    return _unique(s for n in _in_order(found) for s in [_text(n)] if s and s.strip() and len(s) <= MAX_WIRE_FORM and not s.startswith("__"))


def _key_read(node: ast.AST) -> str | None:
    """The string key `node` reads from a mapping (`msg["type"]`, `msg.get("text")`), if it reads one."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        key = node.slice
    elif isinstance(node, ast.Call) and _last(node.func) == "get" and node.args:
        key = node.args[0]
    else:
        return None
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


def _prompt(node: ast.AST) -> str | None:
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) or "{}" for v in node.values)
    return _text(node)


def _keyboard(t: _Tree) -> frozenset[str]:
    found = {"input"} if any(_dotted(c.func) == "input" for c in t.calls) else set()
    if any(_dotted(n) == "sys.stdin" for n in t.of(ast.Attribute)) or any(
            a.name == "stdin" for n in t.of(ast.ImportFrom) if n.module == "sys" for a in n.names):
        found.add("sys.stdin")
    return frozenset(found)


def _imports(t: _Tree) -> frozenset[str]:
    found = {a.name for n in t.of(ast.Import) for a in n.names}
    found |= {n.module for n in t.of(ast.ImportFrom) if n.module and not n.level}
    return frozenset(found)


def _threads(t: _Tree) -> frozenset[str]:
    kinds = set()
    for call in t.calls:
        name = _dotted(call.func)
        if name in THREAD_STARTERS:
            kinds.add("Thread")
        elif name.endswith("start_new_thread"):
            kinds.add("start_new_thread")
        elif name in {s + ".__init__" for s in THREAD_STARTERS}:
            kinds.add("Thread.__init__")
    if any(_dotted(b) in THREAD_STARTERS for n in t.of(ast.ClassDef) for b in n.bases):
        kinds.add("subclass")
    kinds |= THREAD_POOLS & {n.id for n in t.of(ast.Name)} | THREAD_POOLS & {n.attr for n in t.of(ast.Attribute)}
    return frozenset(kinds)


def _framing(t: _Tree, imports: frozenset[str]) -> frozenset[str]:
    found = set()
    newline_used = any(
        isinstance(n, ast.Constant) and n.value in NEWLINES for parent in t.of(ast.Compare, ast.BinOp)
        for n in ast.iter_child_nodes(parent)) or any(
        n.args and isinstance(n.args[0], ast.Constant) and n.args[0].value in NEWLINES for n in t.calls
        if _last(n.func) in SEPARATING | {"endswith", "find", "index"})
    if newline_used or any(_last(c.func) in LINE_READERS for c in t.calls):
        found.add("lines")
    for call in t.calls:
        name = _dotted(call.func)
        if (_last(call.func) in PACKING and (name.startswith("struct.") or "struct" in imports)
                or _last(call.func) in ("from_bytes", "to_bytes")
                or _last(call.func) in RECEIVING and call.args and _ints(call.args[0]) == {LENGTH_BYTES}):
            found.add("length_prefix")
        if _last(call.func) in JSON_CALLS and (name.startswith("json.") or "json" in imports):
            found.add("json")
    return frozenset(found)


def _name_prompts(t: _Tree) -> tuple[str, ...]:
    keys = set()   # a dict key, an index, a docstring: not something said to a user
    for n in t.nodes:
        if isinstance(n, ast.Dict):
            keys.update(id(k) for k in n.keys if k is not None)
        elif isinstance(n, ast.Subscript):
            keys.add(id(n.slice))
        elif isinstance(n, ast.Expr):
            keys.add(id(n.value))
        elif isinstance(n, ast.Call) and _last(n.func) in ("get", "add_argument", "getattr", "setattr"):
            keys.update(id(a) for a in [*n.args, *(k.value for k in n.keywords)])
    return _unique(s for n in t.of(ast.Constant) if id(n) not in keys
                   for s in [_text(n)] if s is not None and asks_for_name(s))


def _answer_holder(t: _Tree):
    """A test of whether a node holds the answer to a role prompt (the input() call or a name it went to)."""
    def asks(node: ast.AST) -> bool:
        return any(isinstance(c, ast.Call) and _dotted(c.func) == "input" and c.args
                   and asks_for_role(_prompt(c.args[0]) or "") for c in ast.walk(node))
    answers = {_dotted(target) for n in t.of(ast.Assign) if asks(n.value) for target in n.targets}
    answers |= {_dotted(n.target) for n in t.of(ast.AnnAssign, ast.NamedExpr) if n.value and asks(n.value)}
    answers.discard("")
    return lambda node: asks(node) or any(isinstance(n, (ast.Name, ast.Attribute)) and _dotted(n) in answers
                                          for n in ast.walk(node))


def _compared_with_answer(node: ast.AST, holds_answer) -> list[str]:
    """The strings the answer is compared with in `node` (a test), in source order."""
    found = []
    for compare in _in_order(n for n in ast.walk(node) if isinstance(n, ast.Compare)):
        operands = [compare.left, *compare.comparators]
        if any(holds_answer(o) for o in operands):
            found += [s for o in operands if not holds_answer(o) for n in _in_order(ast.walk(o)) for s in [_text(n)] if s]
    return found


def _role_answers(t: _Tree) -> tuple[str, ...]:
    holds_answer = _answer_holder(t)
    return _unique(s for compare in t.of(ast.Compare) for s in _compared_with_answer(compare, holds_answer))


def _role_choices(t: _Tree) -> tuple[tuple[str, str], ...]:
    """(answer, role) for every answer an `if` compares the role prompt's answer with: the role is the
    one its branch leads to (listen/accept or connect, through the functions and classes it names), or
    failing that the one the answer's word means. An `else` branch's role gets the answer ""."""
    holds_answer = _answer_holder(t)
    defs = {n.name: n for n in t.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)}
    found = []
    for branch in t.of(ast.If):
        answers = _compared_with_answer(branch.test, holds_answer)
        if not answers:
            continue
        role = _leads_to(branch.body, defs)
        found += [(a, role or _word_role(a)) for a in answers if role or _word_role(a)]
        if branch.orelse and not (len(branch.orelse) == 1 and isinstance(branch.orelse[0], ast.If)):
            other = _leads_to(branch.orelse, defs)
            found += [("", other)] if other else []
    return _unique(found)


def _leads_to(body: list[ast.stmt], defs: dict[str, ast.AST]) -> str | None:
    """"server" or "client": what the statements end up doing with a socket, if it is one of the two."""
    roles, seen, todo = set(), set(), list(body)
    while todo:
        for n in ast.walk(todo.pop()):
            if isinstance(n, ast.Call):
                roles |= {role for role, calls in ROLE_CALLS.items() if _last(n.func) in calls}
            name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else None
            if name in defs and name not in seen:
                seen.add(name)
                todo.append(defs[name])
    return roles.pop() if len(roles) == 1 else None


def _word_role(answer: str) -> str | None:
    return next((role for role, words in ANSWER_ROLES.items() if words.match(answer.strip())), None)


def _interrupt_sends(t: _Tree) -> tuple[str, ...]:
    """Strings sent when the user presses Ctrl+C: in `except KeyboardInterrupt`, or in a SIGINT handler."""
    bodies = [h.body for h in t.of(ast.ExceptHandler)
              if h.type is not None and INTERRUPTS & {_last(n) for n in ast.walk(h.type)}]
    handlers = {_dotted(c.args[1]) for c in t.calls if _last(c.func) == "signal" and len(c.args) == 2
                and _last(c.args[0]) == "SIGINT"}
    bodies += [f.body for f in t.of(ast.FunctionDef, ast.AsyncFunctionDef) if f.name in handlers]
    found = []
    for body in bodies:
        for stmt in body:
            for call in _in_order(n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
                if SENDING.search(_dotted(call.func)):
                    found += [s.strip() for n in _in_order(ast.walk(call)) for s in [_text(n)] if s and s.strip()]
    return _unique(found)


def _name_prefix(t: _Tree) -> str | None:
    """What the code writes before a message with the name the user gave (input() or a dialog whose
    prompt asks for a name): "{name}: " for f"{nick}: {text}", "{}: {}".format(nick, text) or
    nick + ": " + text, "[{name}] " for f"[{nick}] {text}"; None if no such expression."""
    holders = {_dotted(target) for a in t.of(ast.Assign) if isinstance(a.value, ast.Call)
               and _last(a.value.func) in ("input", "askstring") and any(
                   NAME_PROMPT.search(p) for arg in a.value.args for p in [_prompt(arg)] if p) for target in a.targets}
    for node in t.nodes if holders - {""} else ():
        pieces = _pieces(node, holders)
        if pieces is None or len(pieces) < 2 or pieces[-1] is not _OTHER or _OTHER in pieces[:-1]:
            continue
        head = pieces[:-1]
        literal = "".join(p for p in head if p is not _NAME)
        if head.count(_NAME) == 1 and 0 < len(literal) <= MAX_PREFIX_LITERAL and not literal.isspace():
            return "".join("{name}" if p is _NAME else p.replace("{", "{{").replace("}", "}}") for p in head)
    return None


_NAME, _OTHER = object(), object()   # the name's place and the text's in _pieces
MAX_PREFIX_LITERAL = 4               # ": ", "> ", "] ", " - ": more is not a prefix but a sentence


def _pieces(node: ast.AST, holders: set[str]) -> list | None:
    """A string-building expression as literal strings, _NAME and _OTHER (anything else); None if
    `node` builds no string."""
    def value(v: ast.AST):
        text = _text(v)
        return text if text is not None else _NAME if _dotted(v) in holders else _OTHER
    if isinstance(node, ast.JoinedStr):
        return [value(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        flat, stack = [], [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
                stack += [n.right, n.left]
            else:
                flat.append(value(n))
        return flat if any(isinstance(p, str) for p in flat) else None
    if isinstance(node, ast.Call) and _last(node.func) == "format" and isinstance(node.func, ast.Attribute):
        fmt = _text(node.func.value)
        if fmt is None:
            return None
        try:
            fields = list(string.Formatter().parse(fmt))
        except ValueError:
            return None
        args, out, auto = node.args, [], 0
        for literal, field, _, _ in fields:
            if literal:
                out.append(literal)
            if field is None:
                continue
            index = auto if field == "" else int(field) if field.isdigit() else None
            auto += field == ""
            out.append(value(args[index]) if index is not None and index < len(args) else _OTHER)
        return out
    return None


def _ports(t: _Tree) -> frozenset[int]:
    found: set[int] = set()
    for call in t.calls:
        if _last(call.func) in PORT_CALLS or _last(call.func).endswith("Server"):   # socketserver's too
            for arg in call.args:
                for part in (arg.elts if isinstance(arg, ast.Tuple) else [arg]):
                    found |= _ints(part)
        for kw in call.keywords:
            if kw.arg and "port" in kw.arg.lower():
                found |= _ints(kw.value)
        if _last(call.func) == "add_argument" and any("port" in (_text(a) or "").lower() for a in call.args):
            found |= set().union(*(_ints(kw.value) for kw in call.keywords if kw.arg == "default"))
    for n in t.of(ast.Assign, ast.AnnAssign):
        for target in (n.targets if isinstance(n, ast.Assign) else [n.target]):
            pairs = (zip(target.elts, n.value.elts) if isinstance(target, ast.Tuple) and isinstance(n.value, ast.Tuple)
                     else [(target, n.value)])
            found |= set().union(*(_ints(v) for k, v in pairs if "port" in _last(k).lower()))
    for f in t.of(ast.FunctionDef, ast.AsyncFunctionDef):
        args = f.args.args[len(f.args.args) - len(f.args.defaults):]
        found |= set().union(*(_ints(d) for a, d in zip(args, f.args.defaults) if "port" in a.arg.lower()))
    return frozenset(found)
