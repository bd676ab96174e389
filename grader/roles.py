"""What a piece of student code is, read from what it does: a server binds and listens, a client connects."""
from __future__ import annotations

import re

TCP_SERVER_CODE = re.compile(r"\.listen\s*\(|\.accept\s*\(|create_server\s*\(|socketserver")
CLIENT_CODE = re.compile(r"\.connect\s*\(|create_connection\s*\(|\.sendto\s*\(")
SERVER_WORDS = re.compile(r"сервер|server", re.I)
CLIENT_WORDS = re.compile(r"клиент|client", re.I)


def is_server(text: str) -> bool:
    # A UDP client rarely binds, a UDP server always does.
    return bool(TCP_SERVER_CODE.search(text) or (".bind" in text and ".recvfrom" in text))


def is_client(text: str) -> bool:
    return bool(CLIENT_CODE.search(text))


def dual_mode(text: str) -> bool:
    """One program with both modes, chosen on the command line (`chat.py server` / `chat.py client NAME`)."""
    quoted = text.replace('"', "'")
    return bool(re.search(r"argv|argparse", text)) and "'server'" in quoted and "'client'" in quoted


def role(code: str, label: str = "") -> str | None:
    """"server", "client", "both" (dual mode) or None; `label` (a file name or a heading) breaks ties
    that the code leaves open, such as a UDP client that binds a port to receive on."""
    server, client = is_server(code), is_client(code)
    if server and client and dual_mode(code):
        return "both"
    says_server, says_client = bool(SERVER_WORDS.search(label)), bool(CLIENT_WORDS.search(label))
    if server and not TCP_SERVER_CODE.search(code) and says_client and not says_server:
        return "client"
    if server:
        return "server"
    return "client" if client else None
