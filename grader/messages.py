"""Every sentence the grader shows a person, in English and in Russian (the course's language).

Code builds a Msg (a key and its values) and the report renders it in the language asked for, so
one grading can be shown in either. A value may itself be a Msg, a list of names, or Parts.
tests/test_grader_messages.py holds both catalogs to the same keys and placeholders.
"""
from __future__ import annotations

LANGS = ("en", "ru")


class Msg:
    __slots__ = ("key", "values")

    def __init__(self, key: str, **values):
        self.key, self.values = key, values

    def render(self, lang: str = "en") -> str:
        values = {k: render(v, lang) for k, v in self.values.items()}
        return CATALOGS[lang][self.key].format(**values)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.values!r})"


class MsgError(Exception):
    """An error whose one-line reason is a Msg, shown in the language the report is asked in."""

    def __init__(self, msg: Msg):
        super().__init__(str(msg))
        self.msg = msg


class Names(list):
    """People, rendered "Alice, Bob and Carol" / "Alice, Bob и Carol"."""


class Parts(list):
    """Several reasons for one verdict, rendered one after another."""


def render(value, lang: str = "en") -> str:
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, Names):
        items = [render(v, lang) for v in value]
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + CATALOGS[lang]["list.and"] + items[-1]
    if isinstance(value, Parts):
        return "; ".join(render(v, lang) for v in value)
    if value is None:
        return ""
    return str(value)


EN = {
    "list.and": " and ",
    "empty": "",
    # check titles
    "title.uses_socket": "uses the socket module",
    "title.uses_threading": "serves clients in threads",
    "title.transport": "TCP or UDP",
    "title.server_starts": "the server starts and accepts a client",
    "title.registers_name": "a user can join with a name",
    "title.broadcast": "a message reaches another user",
    "title.multi_user": "four users all hear each other",
    "title.sender_name": "receivers see who wrote",
    "title.no_echo": "no echo to the sender, no duplicates",
    "title.join_notice": "others are told when a user joins",
    "title.leave_notice": "others are told when a user leaves",
    "title.survives_disconnect": "the chat survives disconnects",
    "title.private_message": "private messages reach only their addressee",
    "title.no_busy_loop": "no busy loop while idle or after a disconnect",
    "title.silent_client": "a silent client does not block others",
    "title.unicode": "Cyrillic and emoji arrive intact",
    "title.slow_reader": "a client that never reads does not stall the chat",
    # the server's state
    "crash": "; {why}",
    "down.crashed": "the server crashed:\n{traceback}",
    "down.exited": "the server exited with status {code}",
    "down.exited0": "the program ended right after it started listening: nothing kept it running (an accept "
                    "loop in a daemon thread, with nothing left in the main thread?)",
    "down.stuck": "the server stopped responding",
    "down.no_socket": "the server did not open a socket within {seconds} s{where}",
    "down.waits_typing": "the server waits for typing on its console before it opens a socket{where}; nobody "
                         "types into a program the grader runs",
    "down.where": " (it was still running {where})",
    "down.limit.disk_files": "the grader stopped the program: it created more than {limit} files in its folder",
    "down.limit.disk_bytes": "the grader stopped the program: it wrote more than {limit} into its folder",
    # why the sandbox killed a program (Program.traceback())
    "sandbox.killed.disk_files": "the grader stopped the program: it created more than {limit} files in its folder",
    "sandbox.killed.disk_bytes": "the grader stopped the program: it wrote more than {mib} MiB of files into its folder",
    "sandbox.cpu_limit": "the program used {seconds} s of CPU time, the grader's limit, and was killed",
    "note.ports": "the server listens on several ports ({ports}); the chat is the one on {port}",
    "note.ports_unknown": "the server listens on several ports ({ports}) and none relayed a message; the grader used {port}",
    "console": "the server's console",
    # grading as a whole
    "skipped": "skipped: {title} failed",
    "skipped.no_compile": "skipped: the server does not compile",
    "no_compile": "the server does not compile{where}: {problem}{hint}",
    "no_compile.newer": " ({feature} needs Python {needed} or newer; the grader ran {version}: give one with --python PATH)",
    "syntax.type": "a `type X = ...` statement",
    "syntax.generic": "a generic `def f[T]` or `class C[T]`",
    "syntax.fstring": "an f-string that reuses its own quotes inside {{}}",
    "syntax.except_star": "`except*`",
    "syntax.match": "a `match` statement",
    "no_compile.where": " ({origin})",
    "out_of_time": "not checked: the grading ran out of time",
    "no_verdict": "grader error: the check reached no verdict",
    "grader_error": "grader error: {error}",
    "connection_failed": "a connection to the server failed: {error}",
    "transport.tcp": "TCP",
    "transport.udp": "UDP: the score is multiplied by {factor}",
    # static checks
    "socket.missing": "the code does not import the socket module, which the assignment requires",
    "threads.udp_client": "the client receives in a thread",
    "threads.client_only": "only the client starts threads; the server must serve every client in a thread of its own",
    "threads.select": "the server uses select/asyncio instead of threads; the assignment asks for threading",
    "threads.none": "the server starts no threads, so it can serve only one client at a time",
    "threads.not_per_client": "the server's code starts threads, but they do not serve each client in a thread of "
                              "its own: the server ran {before} thread(s) with nobody connected and still "
                              "{with_users} with four users{served}",
    "threads.served": ", and {served} of the {users} users had a thread of it waiting for what they send",
    # server_starts, registers_name
    "starts.ok": "listening ({transport})",
    "starts.connect": "could not connect to the server: {error}{crash}",
    "starts.stopped": "the server stopped right after starting: {why}",
    "registers.closed": "the server closed Alice's connection after she sent her name{crash}",
    # broadcast, console chats
    "broadcast.missed": "Alice's message did not reach Bob within {seconds} s{crash}",
    "console.ok": "a client and the person at the server's console chat with each other",
    "console.two_user": "only two users can chat: one client and the person typing into the server's console "
                        "(a two-user chat; the score is capped)",
    "console.no_private": "a chat of two has no private messages",
    "console.no_join": "when Alice connected, the server's console was not told her name",
    # sender_name
    "sender.ok": "the server puts the sender's name on every message",
    "sender.client": "{reader} sees Alice's name only because the student's client writes it into the text; the "
                     "server does not say who sent a message, so any client can send under any name",
    "sender.none": "{reader} got Alice's message without her name: receivers cannot tell who wrote it",
    # unicode
    "unicode.missed": "a message with Cyrillic text and an emoji did not reach {reader}{crash}",
    "unicode.broken": "Cyrillic text and an emoji arrived broken: sent {sent}, {reader} got {got}",
    "unicode.not_sent": "the student's client never sent a message with Cyrillic text and an emoji that was typed "
                        "into it{error}",
    # join_notice
    "join.nobody": "when {newcomers} joined, nobody already in the chat got a notice naming them{hint}",
    "join.missed.one": "when {newcomer} joined, {watchers} was not told",
    "join.missed.many": "when {newcomer} joined, {watchers} were not told",
    # private_message
    "private.untestable": "could not test private messages: Carol does not receive ordinary messages either",
    "private.none": "no private messages: '{syntax}' went to everyone (the server's code has no private-message syntax)",
    "private.leak": "a private message '{syntax}' to Bob reached Carol too",
    "private.ok": "'{syntax}'",
    "private.missed": "a private message '{syntax}' did not reach Bob{hint}{crash}",
    "private.no_syntax": " (the server's code has no private-message syntax)",
    # multi_user, no_echo
    "multi.dupes": "every message reached all others, but {dupes}",
    "multi.dupe": "{receiver} got {sender}'s message twice",
    "multi.two_user": "only two users can chat: with four connected, Carol and Dave neither got nor sent messages "
                      "(a two-user chat; the score is capped)",
    "multi.missed": "{sender}'s message did not reach {receiver}",
    "echo.one": "{who} got their own message back",
    "echo.many": "{who} got their own message back",
    # leave_notice
    "leave.how.goodbye": "sent '{goodbye}' and closed the connection",
    "leave.how.close": "closed the connection",
    "leave.some.one": "when {name} left ({how}), {who} was not told",
    "leave.some.many": "when {name} left ({how}), {who} were not told",
    "leave.farewell": "when {name} left, the others saw only the farewell text his own client sent ('{goodbye}'); "
                      "the server announces nothing, so a client that crashes or loses its connection leaves silently",
    "leave.none.one": "when {name} left ({how}), {who} was not told{hint}",
    "leave.none.many": "when {name} left ({how}), {who} were not told{hint}",
    "leave.windows": " (the server announces a leave only on ConnectionResetError, which Windows raises; on Linux "
                     "a client that closes makes recv() return b'')",
    "notice.relayed": " (the only line naming {name} was '{line}': a chat message relayed under that name, "
                      "which is not a notice)",
    # survives_disconnect
    "survive.after.close": "after {gone} closed the connection (no leave command): {what}",
    "survive.after.reset": "after {gone}'s connection was reset: {what}",
    "survive.missed": "{sender}'s message did not reach {who}",
    "survive.newcomer.refused": "the newcomer {newcomer} could not join",
    "survive.newcomer.missed": "the newcomer {newcomer} joined, but {sender}'s message did not reach {who}",
    "survive.two.close": "in this chat for two, after Bob closed his connection nobody new could chat with Alice{crash}",
    "survive.two.reset": "after Erin's connection was reset, nobody new could chat with Alice{crash}",
    "survive.two.ok": "a chat for two: a newcomer takes the place of one who left",
    # no_busy_loop
    "busy.before": "busy {share} of the time before anyone joined: a thread of the server loops without ever "
                   "blocking (for example over a list of clients that is still empty)",
    "busy.idle": "while idle with three users connected the server kept a CPU core busy ({share} of the time): "
                 "a loop that never blocks",
    "busy.after": "after two clients disconnected the server kept a CPU core busy ({share} of {seconds} s): "
                  "recv() returned b'' (or raised) and the loop never ended",
    "busy.ok": "busy {before} of the time before anyone joined, {idle} while idle, {after} after disconnects",
    # silent_client
    "silent.udp": "UDP: there is no connection to block",
    "silent.blocked": "while one client was connected without sending a name, Alice and Bob could not chat: a client "
                      "that never sends its name blocks everyone (for example, the server reads names in the accept "
                      "loop, or the silent client takes one of only two places){crash}",
    # slow_reader
    "slow.udp": "UDP: datagrams to a slow reader are dropped, not queued",
    "slow.sender": "while Sloth read nothing, the server stopped reading Alice's messages: one slow client stalls the chat",
    "slow.receiver": "while Sloth read nothing, Bob stopped receiving: the server blocks sending to a client that "
                     "does not read",
    # the transcript of a lost point
    "transcript.connected": "{user} connected",
    "transcript.closed": "{user} closed the connection",
    "transcript.reset": "{user}'s connection was reset",
    "transcript.stdin": "typed into the server's console: {text}",
    "transcript.burst": "{user} sent {count} copies of {line} at once",
    "transcript.elided": "… {count} events left out …",
    "transcript.leave.command": "{user} typed the leave command {typed}; the server got: {got}",
    "transcript.leave.interrupt": "{user} pressed Ctrl+C; the server got: {got}",
    "transcript.leave.end_of_input": "{user}'s input ended (Ctrl+D); the server got: {got}",
    "transcript.leave.kill": "{user}'s terminal was closed (the client killed); the server got: {got}",
    "driven.client": "every scripted user typed into a running copy of the student's client",
    "driven.raw": "scripted users were raw sockets speaking the protocol learned",
    "driven.client_no_connect": "the student's client did not reach the server",
    # the dialect
    "dialect": "learned from {source}; {transport}; {speaks}; name sent as {name}; messages as {message}; {leave}; "
               "{private}",
    "dialect.private": "private messages as {private}",
    "dialect.private_typed": "private messages typed as {private}",
    "dialect.from_code": "the server's code",
    "dialect.from_client": "running the student's client",
    "dialect.from_experiment": "raw sockets, protocol learned by experiment ({tried} hypotheses tried)",
    "dialect.server_first": "the server speaks first",
    "dialect.client_first": "the client speaks first",
    "dialect.nothing": "nothing",
    "dialect.leave": "leaves with {leave} then closes",
    "dialect.close": "leaves by closing",
    "note.no_client": "no client program: the handshake and framing were guessed from the server's code",
    "note.experiment": "under that first guess no message went from one scripted user to another; hypothesis "
                       "{tried}, tried on a fresh server each, did",
    "note.length_frames": "every message, both ways, is framed by its length: 4 bytes, big-endian, before it",
    "note.decimal_frames": "every message is framed by its length before it, in digits padded with spaces to {width} bytes",
    "note.typed_name": "the server takes the name so: each user typed {line} into the client as the name",
    "note.login": "the server does not take a user who does not type {login}, a word its code compares a line with: every user typed {typed}, each after the server's answer",
    "note.name_typed_twice": "the client kept the name typed at its own prompt and sent nothing (it waits for "
                             "another prompt than its server sends): each user typed the name again, at the "
                             "server's prompt",
    "note.python": "the student's programs ran on Python {version} ({path}), as --python asked",
    "note.python_newer": "{script} needs Python {needed} ({feature}): it ran on Python {version} ({path}), found on PATH",
    "note.role": "the program asks which role to play: the server was started by typing {server}, the client by typing {client}",
    "note.role_server": "the program asks which role to play: the server was started by typing {server}; its code shows no answer for the client",
    "note.client_no_compile": "the client does not compile ({problem}): the dialect was guessed from the server's code",
    "note.client_silent": "the student's client did not connect: the dialect was guessed from the server's code",
    "note.no_name_typed": "the client's first message did not contain the name typed",
    "note.client_sent_nothing": "the student's client connected but sent nothing of what was typed into it (a "
                                "window of its own, or it stopped{why}): the dialect was guessed from the server's code",
    "note.no_message": "the client did not send the typed message; its framing was guessed",
    "note.client_not_showing": "{user}'s client got {sender}'s message but did not show it within {seconds} s: a client "
                               "that reads from the server only after its user has typed a line shows messages late "
                               "(it needs a thread that receives)",
    "note.name_in_text": "no name handshake: the client puts the name into every message",
    # the report
    "report.head": "{submission}: {score} / {max} ({transport}, graded in {seconds} s)",
    "report.two_user": "a two-user chat: the score is capped",
    "report.dialect": "dialect: {dialect}",
    "report.note": "note: {note}",
    "report.runs": "graded {runs} times: scores {scores}",
    "report.changed": "{check} changed between runs: {statuses}",
    "report.stable": "every verdict was the same in every run",
    "report.score": "Score: {score} / {max}",
    "report.isolation": "isolation weaker than this machine allows: {why}",
    "isolation.no_namespace": "no network namespace ({why}; unprivileged user namespaces may be disabled): the network is guarded by the socket shim only, so student code can reach services on this machine's loopback and other gradings",
    "isolation.no_landlock": "the kernel has no Landlock (Linux 5.13 or newer): student programs can write wherever the grader's user can",
    "isolation.disabled": "the network namespace is turned off ({env}=1): the network is guarded by the socket shim only",
    "isolation.not_applied": "Landlock could not be applied to the student's programs ({why}): they can write wherever the grader's user can",
    "class.head.student": "student",
    "class.head.score": "score",
    "class.head.lost": "lost points",
    "class.changed": "; changed between runs: {checks}",
    "class.timeout": "grading did not finish within {seconds} s",
    "class.unreadable": "grader error: unreadable output",
    "class.similar": "; near-copy of: {others}",
    "class.not_submission": "{name}: not a submission: the grader reads folders, .py files, reports (.md, .txt, "
                            ".ipynb) and archives (.zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)",
    "class.progress": "graded {done}/{total}: {student} {score}",
    "read.class": "{path}: read as a class of {count} ({shapes}){left}",
    "read.shape.folder": "folders: {count}",
    "read.shape.file": "single files: {count}",
    "read.shape.report": "reports: {count}",
    "read.shape.archive": "archives: {count}",
    "read.shape.other": "other files: {count}",
    "read.left": "; left out as the teacher's files: {names}",
    "read.one": "{path}: read as one student's hand-in{report}: server {server}, {client}{others}",
    "read.report": ", the code of its report {report}",
    "read.client": "client {client}",
    "read.no_client": "no client",
    "read.others": "; also there: {names}",
    "archive.outside": "{name}: refused: its member {member} would land outside the archive's folder",
    "archive.special": "{name}: refused: its member {member} is a link, a device or a pipe, not a file",
    "archive.too_many": "{name}: refused: it holds more than {files} files",
    "archive.too_big": "{name}: refused: it unpacks to more than {mib} MiB",
    "archive.unreadable": "{name}: not a readable archive: {error}",
    # transcripts: what the grader did and saw during a check
    "transcript.sent": "{at}  {user} sent: {text}",
    "transcript.got": "{at}  {user} got: {text}",
    "transcript.printed": "{at}  {user}'s client printed: {text}",
    "transcript.typed": "{at}  {user} typed: {text}",
    "transcript.server": "{at}  server printed: {text}",
    "transcript.note": "{at}  {text}",
    "transcript.at": "{seconds} s",
    # the class report in HTML
    "html.title": "Class report: {folder}",
    "html.summary": "{count} students; mean score {mean}, median {median} of {max}; {errors} could not be graded.",
    "html.histogram": "Scores",
    "html.histogram.axis": "score (of {max})",
    "html.histogram.bar": "scores {low}–{high}: {count}",
    "html.checks": "Each check: how many passed",
    "html.checks.bar": "{check}: {status} {count} of {total}",
    "html.status.pass": "pass",
    "html.status.partial": "partial",
    "html.status.fail": "fail",
    "html.status.skip": "skipped",
    "html.lost": "The most common lost points",
    "html.lost.item": "{check}: {title} (lost by {count})",
    "html.lost.none": "Nobody lost a point.",
    "html.copies": "Near-copies",
    "html.copies.explain": "Pairs of students whose server and client code share at least {threshold} of their "
                           "fingerprints; renamed variables, other comments, spacing and order do not hide a copy. "
                           "Read both before you decide.",
    "html.copies.none": "No two students' code shares {threshold} or more.",
    "html.copies.share": "share",
    "html.students": "Students",
    "html.details": "Every student's checks",
    "html.notes": "How the grader ran the programs",
    "html.col.check": "check",
    "html.col.points": "points",
    "html.col.reason": "reason",
    "html.transcript": "What the grader did and saw",
    "html.not_graded": "not graded: {error}",
    "class.head.similar": "near-copy of",
    # what cannot be graded at all
    "sub.missing": "{path}: no such file or directory",
    "sub.kind": "{path}: not a Python file, a report (.md, .txt, .ipynb) or a folder",
    "sub.unreadable": "{path}: cannot read: {error}",
    "sub.no_python": "{path}: no Python files found",
    "sub.no_server": "{path}: no server found (no file binds or listens on a socket)",
    "sub.no_entries": "{path}: no submissions found",
    "python.unusable": "--python {path}: not a Python the grader can run (it did not start or did not say its version)",
    "python.too_old": "--python {path}: this is Python {version}; student programs need {oldest} or newer to run under the grader",
    "report.notebook": "{name}: not a readable Jupyter notebook",
    "report.no_blocks": "{name}: no code blocks found",
    "report.no_server": "{name}: none of the {count} code blocks is a server (no bind/listen/accept)",
    "report.origin.server": "{name}, the server's code block at {where}",
    "report.origin.client": "{name}, the client's code block at {where}",
    "report.where.line": "line {number}",
    "report.split": "{name}: the server's code seems split across the code blocks at {first} and {second}; the "
                    "grader takes one block per program: put the whole server into one code block",
    "no_compile.where_line": " ({origin}; the error is on line {line} of the report)",
    "report.where.cell": "cell {number}",
}

RU = {
    "list.and": " и ",
    "empty": "",
    "title.uses_socket": "используется модуль socket",
    "title.uses_threading": "клиенты обслуживаются в потоках",
    "title.transport": "TCP или UDP",
    "title.server_starts": "сервер запускается и принимает клиента",
    "title.registers_name": "пользователь входит в чат с именем",
    "title.broadcast": "сообщение доходит до другого пользователя",
    "title.multi_user": "четыре пользователя слышат друг друга",
    "title.sender_name": "получатели видят, кто написал",
    "title.no_echo": "нет эха отправителю и дубликатов",
    "title.join_notice": "остальным сообщают о входе пользователя",
    "title.leave_notice": "остальным сообщают о выходе пользователя",
    "title.survives_disconnect": "чат переживает отключения",
    "title.private_message": "личное сообщение получает только адресат",
    "title.no_busy_loop": "нет холостого цикла в простое и после отключения",
    "title.silent_client": "молчащий клиент не мешает остальным",
    "title.unicode": "кириллица и эмодзи доходят целыми",
    "title.slow_reader": "клиент, который не читает, не останавливает чат",
    "crash": "; {why}",
    "down.crashed": "сервер упал:\n{traceback}",
    "down.exited": "сервер завершился с кодом {code}",
    "down.exited0": "программа завершилась сразу после того, как начала слушать: её ничто не держало (цикл accept "
                    "в потоке-демоне, а в главном потоке ничего не осталось?)",
    "down.stuck": "сервер перестал отвечать",
    "down.no_socket": "сервер не открыл сокет за {seconds} с{where}",
    "down.waits_typing": "сервер ждёт ввода с консоли, прежде чем открыть сокет{where}; в программы, которые "
                         "запускает проверка, никто ничего не вводит",
    "down.where": " (он всё ещё выполнял {where})",
    "down.limit.disk_files": "грейдер остановил программу: она создала в своей папке больше {limit} файлов",
    "down.limit.disk_bytes": "грейдер остановил программу: она записала в свою папку больше {limit}",
    "sandbox.killed.disk_files": "грейдер остановил программу: она создала в своей папке больше {limit} файлов",
    "sandbox.killed.disk_bytes": "грейдер остановил программу: она записала в свою папку больше {mib} MiB файлов",
    "sandbox.cpu_limit": "программа израсходовала {seconds} с процессорного времени (предел грейдера) и была остановлена",
    "note.ports": "сервер слушает несколько портов ({ports}); чат — на порту {port}",
    "note.ports_unknown": "сервер слушает несколько портов ({ports}), и ни один не передал сообщение; грейдер взял {port}",
    "console": "консоль сервера",
    "skipped": "пропущено: не выполнено «{title}»",
    "skipped.no_compile": "пропущено: сервер не компилируется",
    "no_compile": "сервер не компилируется{where}: {problem}{hint}",
    "no_compile.newer": " ({feature}: нужен Python {needed} или новее, а грейдер запускал {version}: укажите его через --python PATH)",
    "syntax.type": "инструкция `type X = ...`",
    "syntax.generic": "обобщённая `def f[T]` или `class C[T]`",
    "syntax.fstring": "f-строка с теми же кавычками внутри {{}}",
    "syntax.except_star": "`except*`",
    "syntax.match": "инструкция `match`",
    "no_compile.where": " ({origin})",
    "out_of_time": "не проверено: время проверки истекло",
    "no_verdict": "ошибка грейдера: проверка не дала результата",
    "grader_error": "ошибка грейдера: {error}",
    "connection_failed": "соединение с сервером не удалось: {error}",
    "transport.tcp": "TCP",
    "transport.udp": "UDP: итоговый балл умножается на {factor}",
    "socket.missing": "код не импортирует модуль socket, а задание его требует",
    "threads.udp_client": "клиент принимает сообщения в отдельном потоке",
    "threads.client_only": "потоки запускает только клиент; сервер должен обслуживать каждого клиента в своём потоке",
    "threads.select": "сервер использует select/asyncio вместо потоков; задание требует threading",
    "threads.none": "сервер не запускает потоков и поэтому обслуживает только одного клиента за раз",
    "threads.not_per_client": "код сервера запускает потоки, но не обслуживает каждого клиента в своём потоке: "
                              "потоков у сервера было {before} без пользователей и осталось {with_users} при "
                              "четырёх подключённых{served}",
    "threads.served": ", и поток сервера, ждущий их сообщений, был у {served} из {users} пользователей",
    "starts.ok": "слушает ({transport})",
    "starts.connect": "не удалось подключиться к серверу: {error}{crash}",
    "starts.stopped": "сервер остановился сразу после запуска: {why}",
    "registers.closed": "сервер закрыл соединение Alice после того, как она отправила имя{crash}",
    "broadcast.missed": "сообщение Alice не дошло до Bob за {seconds} с{crash}",
    "console.ok": "клиент и человек за консолью сервера переписываются друг с другом",
    "console.two_user": "переписываться могут только двое: один клиент и человек, печатающий в консоли сервера "
                        "(чат на двоих; балл ограничен)",
    "console.no_private": "в чате на двоих нет личных сообщений",
    "console.no_join": "когда Alice подключилась, консоль сервера не узнала её имени",
    "sender.ok": "сервер подписывает каждое сообщение именем отправителя",
    "sender.client": "{reader} видит имя Alice только потому, что клиент студента вписывает его в текст; сервер не "
                     "сообщает, кто отправил сообщение, так что любой клиент может писать под любым именем",
    "sender.none": "{reader} получил сообщение Alice без её имени: получатели не могут понять, кто его написал",
    "unicode.missed": "сообщение с кириллицей и эмодзи не дошло до {reader}{crash}",
    "unicode.broken": "кириллица и эмодзи дошли испорченными: отправлено {sent}, {reader} получил {got}",
    "unicode.not_sent": "клиент студента так и не отправил введённое в него сообщение с кириллицей и эмодзи{error}",
    "join.nobody": "когда вошли {newcomers}, никто из уже сидевших в чате не получил уведомления с их именем{hint}",
    "join.missed.one": "когда вошёл(ла) {newcomer}, об этом не узнал(а) {watchers}",
    "join.missed.many": "когда вошёл(ла) {newcomer}, об этом не узнали {watchers}",
    "private.untestable": "не удалось проверить личные сообщения: Carol не получает даже обычных сообщений",
    "private.none": "личных сообщений нет: '{syntax}' ушло всем (в коде сервера нет синтаксиса личных сообщений)",
    "private.leak": "личное сообщение '{syntax}' для Bob получила и Carol",
    "private.ok": "'{syntax}'",
    "private.missed": "личное сообщение '{syntax}' не дошло до Bob{hint}{crash}",
    "private.no_syntax": " (в коде сервера нет синтаксиса личных сообщений)",
    "multi.dupes": "каждое сообщение дошло до всех остальных, но {dupes}",
    "multi.dupe": "{receiver} получил сообщение {sender} дважды",
    "multi.two_user": "переписываться могут только двое: при четырёх подключённых Carol и Dave не получили и не "
                      "отправили ни одного сообщения (чат на двоих; балл ограничен)",
    "multi.missed": "сообщение {sender} не дошло до {receiver}",
    "echo.one": "{who} получил(а) своё сообщение обратно",
    "echo.many": "{who} получили свои сообщения обратно",
    "leave.how.goodbye": "отправил '{goodbye}' и закрыл соединение",
    "leave.how.close": "закрыл соединение",
    "leave.some.one": "когда {name} вышел ({how}), об этом не узнал(а) {who}",
    "leave.some.many": "когда {name} вышел ({how}), об этом не узнали {who}",
    "leave.farewell": "когда {name} вышел, остальные увидели только прощальный текст, который отправил его собственный "
                      "клиент ('{goodbye}'); сервер ничего не объявляет, так что упавший или потерявший связь клиент "
                      "уходит молча",
    "leave.none.one": "когда {name} вышел ({how}), об этом не узнал(а) {who}{hint}",
    "leave.none.many": "когда {name} вышел ({how}), об этом не узнали {who}{hint}",
    "leave.windows": " (сервер объявляет выход только при ConnectionResetError, которое бывает в Windows; в Linux "
                     "при закрытии соединения клиентом recv() возвращает b'')",
    "notice.relayed": " (единственная строка с именем {name} — '{line}': сообщение чата, пересланное под этим "
                      "именем, а не уведомление)",
    "survive.after.close": "после закрытия соединения {gone} (без команды выхода): {what}",
    "survive.after.reset": "после сброса соединения {gone}: {what}",
    "survive.missed": "сообщение {sender} не дошло до {who}",
    "survive.newcomer.refused": "новому пользователю {newcomer} не удалось войти",
    "survive.newcomer.missed": "новому пользователю {newcomer} удалось войти, но сообщение {sender} не дошло до {who}",
    "survive.two.close": "в этом чате на двоих после того, как Bob закрыл соединение, никто новый не смог "
                         "переписываться с Alice{crash}",
    "survive.two.reset": "после сброса соединения Erin никто новый не смог переписываться с Alice{crash}",
    "survive.two.ok": "чат на двоих: место ушедшего занимает новый пользователь",
    "busy.before": "занят {share} времени ещё до того, как кто-то подключился: поток сервера крутится в цикле, "
                   "ни разу не блокируясь (например, по ещё пустому списку клиентов)",
    "busy.idle": "в простое с тремя подключёнными пользователями сервер занимал ядро процессора ({share} времени): "
                 "цикл, который никогда не блокируется",
    "busy.after": "после отключения двух клиентов сервер занимал ядро процессора ({share} из {seconds} с): recv() "
                  "вернул b'' (или выбросил исключение), а цикл так и не завершился",
    "busy.ok": "занят {before} времени до подключений, {idle} в простое, {after} после отключений",
    "silent.udp": "UDP: соединений нет, блокировать нечего",
    "silent.blocked": "пока один клиент был подключён и не отправлял имя, Alice и Bob не могли переписываться: клиент, "
                      "который не присылает имя, блокирует всех (например, сервер читает имена в цикле accept, или "
                      "молчащий клиент занимает одно из двух мест){crash}",
    "slow.udp": "UDP: датаграммы медленному получателю теряются, а не копятся",
    "slow.sender": "пока Sloth ничего не читал, сервер перестал читать сообщения Alice: один медленный клиент "
                   "останавливает чат",
    "slow.receiver": "пока Sloth ничего не читал, Bob перестал получать сообщения: сервер блокируется на отправке "
                     "клиенту, который не читает",
    # стенограмма потерянного балла
    "transcript.connected": "{user} подключился(лась)",
    "transcript.closed": "{user} закрыл(а) соединение",
    "transcript.reset": "соединение {user} сброшено",
    "transcript.stdin": "набрано в консоли сервера: {text}",
    "transcript.burst": "{user} отправил(а) разом {count} копий {line}",
    "transcript.elided": "… пропущено событий: {count} …",
    "transcript.leave.command": "{user} набрал(а) команду выхода {typed}; сервер получил: {got}",
    "transcript.leave.interrupt": "{user} нажал(а) Ctrl+C; сервер получил: {got}",
    "transcript.leave.end_of_input": "ввод {user} закончился (Ctrl+D); сервер получил: {got}",
    "transcript.leave.kill": "терминал {user} закрыт (клиент убит); сервер получил: {got}",
    "driven.client": "каждый пользователь-скрипт печатал в запущенную копию клиента студента",
    "driven.raw": "пользователи-скрипты — сырые сокеты, говорящие на выученном протоколе",
    "driven.client_no_connect": "клиент студента не подключился к серверу",
    "dialect": "выяснено по {source}; {transport}; {speaks}; имя отправляется как {name}; сообщения как {message}; "
               "{leave}; {private}",
    "dialect.private": "личные сообщения как {private}",
    "dialect.private_typed": "личные сообщения набираются как {private}",
    "dialect.from_code": "коду сервера",
    "dialect.from_client": "запуску клиента студента",
    "dialect.from_experiment": "опыту с простыми сокетами: протокол подобран опытом (проверено гипотез: {tried})",
    "dialect.server_first": "первым говорит сервер",
    "dialect.client_first": "первым говорит клиент",
    "dialect.nothing": "ничего",
    "dialect.leave": "выходит командой {leave} и закрывает соединение",
    "dialect.close": "выходит, закрывая соединение",
    "note.no_client": "программы-клиента нет: рукопожатие и формат сообщений угаданы по коду сервера",
    "note.experiment": "при этой первой догадке сообщение от одного пользователя до другого не дошло; дошло при "
                       "гипотезе {tried} (каждая проверялась на новом запуске сервера)",
    "note.length_frames": "каждое сообщение в обе стороны предваряется своей длиной: 4 байта, старший байт первым",
    "note.decimal_frames": "каждое сообщение предваряется своей длиной: цифрами, дополненными пробелами до {width} байт",
    "note.typed_name": "сервер принимает имя в таком виде: каждый пользователь ввёл в клиент {line} как имя",
    "note.login": "сервер не принимает пользователя, который не ввёл {login} (слово, с которым его код сравнивает строку): каждый пользователь ввёл {typed}, каждую строку после ответа сервера",
    "note.name_typed_twice": "клиент оставил у себя имя, введённое на его собственный запрос, и ничего не отправил "
                             "(он ждёт не того запроса, что шлёт его сервер): каждый пользователь ввёл имя ещё раз, "
                             "на запрос сервера",
    "note.python": "программы студента запущены на Python {version} ({path}), как задано в --python",
    "note.python_newer": "{script} требует Python {needed} ({feature}): он запущен на Python {version} ({path}), найденном в PATH",
    "note.role": "программа спрашивает, кем ей быть: сервер запущен ответом {server}, клиент — ответом {client}",
    "note.role_server": "программа спрашивает, кем ей быть: сервер запущен ответом {server}; ответа для клиента в её коде нет",
    "note.client_no_compile": "клиент не компилируется ({problem}): протокол угадан по коду сервера",
    "note.client_silent": "клиент студента не подключился: протокол угадан по коду сервера",
    "note.no_name_typed": "первое сообщение клиента не содержало введённого имени",
    "note.client_sent_nothing": "клиент студента подключился, но не отправил ничего из введённого (своё окно или "
                                "он остановился{why}): протокол угадан по коду сервера",
    "note.no_message": "клиент не отправил введённое сообщение; его формат угадан",
    "note.client_not_showing": "клиент {user} получил сообщение {sender}, но не показал его за {seconds} с: клиент, "
                               "который читает сервер только после того, как пользователь ввёл строку, показывает "
                               "сообщения с опозданием (нужен поток, который принимает)",
    "note.name_in_text": "имя при входе не передаётся: клиент вписывает его в каждое сообщение",
    "report.head": "{submission}: {score} / {max} ({transport}, проверено за {seconds} с)",
    "report.two_user": "чат на двоих: балл ограничен",
    "report.dialect": "протокол: {dialect}",
    "report.note": "примечание: {note}",
    "report.runs": "проверено {runs} раз(а): баллы {scores}",
    "report.changed": "{check} менялся от запуска к запуску: {statuses}",
    "report.stable": "во всех запусках все результаты совпали",
    "report.score": "Балл: {score} / {max}",
    "report.isolation": "изоляция слабее, чем позволяет эта машина: {why}",
    "isolation.no_namespace": "нет отдельного сетевого пространства имён ({why}; возможно, непривилегированные пространства имён пользователей отключены): сеть защищена только прослойкой над socket, и код студента может достучаться до служб на loopback этой машины и до других проверок",
    "isolation.no_landlock": "в ядре нет Landlock (нужен Linux 5.13 или новее): программы студента могут писать везде, где может пользователь проверяющего",
    "isolation.disabled": "сетевое пространство имён отключено ({env}=1): сеть защищена только прослойкой над socket",
    "isolation.not_applied": "Landlock не удалось применить к программам студента ({why}): они могут писать везде, где может пользователь проверяющего",
    "class.head.student": "студент",
    "class.head.score": "балл",
    "class.head.lost": "потерянные баллы",
    "class.changed": "; менялось от запуска к запуску: {checks}",
    "class.timeout": "проверка не завершилась за {seconds} с",
    "class.unreadable": "ошибка грейдера: нечитаемый вывод",
    "class.similar": "; почти копия: {others}",
    "class.not_submission": "{name}: это не работа: грейдер читает папки, файлы .py, отчёты (.md, .txt, .ipynb) и "
                            "архивы (.zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)",
    "class.progress": "проверено {done}/{total}: {student} {score}",
    "read.class": "{path}: прочитано как папка группы, работ: {count} ({shapes}){left}",
    "read.shape.folder": "папок: {count}",
    "read.shape.file": "отдельных файлов: {count}",
    "read.shape.report": "отчётов: {count}",
    "read.shape.archive": "архивов: {count}",
    "read.shape.other": "прочих файлов: {count}",
    "read.left": "; не считаются работами (файлы преподавателя): {names}",
    "read.one": "{path}: прочитано как работа одного студента{report}: сервер {server}, {client}{others}",
    "read.report": ", код из отчёта {report}",
    "read.client": "клиент {client}",
    "read.no_client": "клиента нет",
    "read.others": "; ещё там: {names}",
    "archive.outside": "{name}: отклонён: его файл {member} оказался бы вне папки архива",
    "archive.special": "{name}: отклонён: его элемент {member} — ссылка, устройство или канал, а не файл",
    "archive.too_many": "{name}: отклонён: в нём больше {files} файлов",
    "archive.too_big": "{name}: отклонён: распакованный, он больше {mib} МиБ",
    "archive.unreadable": "{name}: не удаётся прочитать архив: {error}",
    "transcript.sent": "{at}  {user} отправил(а): {text}",
    "transcript.got": "{at}  {user} получил(а): {text}",
    "transcript.printed": "{at}  клиент {user} вывел: {text}",
    "transcript.typed": "{at}  {user} набрал(а): {text}",
    "transcript.server": "{at}  сервер вывел: {text}",
    "transcript.note": "{at}  {text}",
    "transcript.at": "{seconds} с",
    "html.title": "Отчёт по группе: {folder}",
    "html.summary": "Студентов: {count}; средний балл {mean}, медиана {median} из {max}; не удалось проверить: {errors}.",
    "html.histogram": "Баллы",
    "html.histogram.axis": "балл (из {max})",
    "html.histogram.bar": "баллы {low}–{high}: {count}",
    "html.checks": "Каждая проверка: сколько прошли",
    "html.checks.bar": "{check}: {status} {count} из {total}",
    "html.status.pass": "пройдена",
    "html.status.partial": "частично",
    "html.status.fail": "не пройдена",
    "html.status.skip": "пропущена",
    "html.lost": "Чаще всего теряли баллы",
    "html.lost.item": "{check}: {title} (потеряли: {count})",
    "html.lost.none": "Никто не потерял ни балла.",
    "html.copies": "Почти копии",
    "html.copies.explain": "Пары студентов, у которых код сервера и клиента совпадает хотя бы на {threshold} "
                           "отпечатков; переименованные переменные, другие комментарии, пробелы и порядок функций "
                           "копию не скрывают. Прочитайте обе работы, прежде чем решать.",
    "html.copies.none": "Ни у одной пары код не совпадает на {threshold} или больше.",
    "html.copies.share": "доля",
    "html.students": "Студенты",
    "html.details": "Проверки каждого студента",
    "html.notes": "Как проверка запускала программы",
    "html.col.check": "проверка",
    "html.col.points": "баллы",
    "html.col.reason": "причина",
    "html.transcript": "Что грейдер делал и видел",
    "html.not_graded": "не проверено: {error}",
    "class.head.similar": "почти копия",
    "sub.missing": "{path}: нет такого файла или папки",
    "sub.kind": "{path}: это не файл Python, не отчёт (.md, .txt, .ipynb) и не папка",
    "sub.unreadable": "{path}: не удаётся прочитать: {error}",
    "sub.no_python": "{path}: файлов Python не найдено",
    "sub.no_server": "{path}: сервер не найден (ни один файл не делает bind или listen)",
    "sub.no_entries": "{path}: работ не найдено",
    "python.unusable": "--python {path}: грейдер не может запустить этот Python (он не запустился или не назвал свою версию)",
    "python.too_old": "--python {path}: это Python {version}, а для запуска программ под грейдером нужен {oldest} или новее",
    "report.notebook": "{name}: не удаётся прочитать блокнот Jupyter",
    "report.no_blocks": "{name}: блоков кода не найдено",
    "report.no_server": "{name}: ни один из {count} блоков кода не является сервером (нет bind/listen/accept)",
    "report.origin.server": "{name}, блок кода сервера, {where}",
    "report.origin.client": "{name}, блок кода клиента, {where}",
    "report.where.line": "строка {number}",
    "report.split": "{name}: код сервера, похоже, разделён между блоками кода ({first} и {second}); грейдер берёт "
                    "один блок на программу: поместите весь сервер в один блок кода",
    "no_compile.where_line": " ({origin}; ошибка в строке {line} отчёта)",
    "report.where.cell": "ячейка {number}",
}

CATALOGS = {"en": EN, "ru": RU}
