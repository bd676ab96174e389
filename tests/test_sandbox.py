"""grader.sandbox's shim, with real student-like scripts written into tmp_path: every bind lands on
loopback, client connects are redirected, outbound ones refused, student code keeps working.

Every program is stopped by the `run` fixture (sandbox_helpers), which also fails the test if any
process of the program's session survives stop() (and kills it by pid then).
"""
import errno
import os
import socket
import textwrap

import pytest

from sandbox_helpers import run, sockets, talk  # noqa: F401 (fixtures)



ECHO_SERVER = """
    import socket, threading
    HOST, PORT = "0.0.0.0", 5555
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print("bound to", server.getsockname(), flush=True)

    def serve(conn):
        with conn:
            while True:
                data = conn.recv(1024)
                if not data:
                    break
                conn.sendall(data.upper())

    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


def outside_address():
    """A non-loopback address of this machine, or None. A UDP connect sends nothing."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") or address == "0.0.0.0" else address


# -- binding ---------------------------------------------------------------------------------

@pytest.mark.timeout(20)
def test_hard_coded_wildcard_address_lands_on_loopback(run, sockets):
    program = run(ECHO_SERVER)
    binding = program.wait_bound(10)
    assert binding is not None, program.output()
    assert binding.kind == "tcp"
    assert binding.requested == ("0.0.0.0", 5555)
    assert talk(sockets, binding.port, b"hello") == b"HELLO"
    assert program.wait_output("bound to ('127.0.0.1',", 5), program.output()
    elsewhere = outside_address()
    if elsewhere is not None:
        with pytest.raises(OSError):
            talk(sockets, binding.port, b"from outside", host=elsewhere)


@pytest.mark.timeout(20)
def test_two_servers_with_the_same_port_do_not_clash(run, sockets):
    first, second = run(ECHO_SERVER), run(ECHO_SERVER)
    one, two = first.wait_bound(10), second.wait_bound(10)
    assert one is not None and two is not None
    assert one.port != two.port
    assert talk(sockets, one.port, b"one") == b"ONE"
    assert talk(sockets, two.port, b"two") == b"TWO"


@pytest.mark.timeout(20)
def test_tcp_and_udp_bindings_are_reported_in_order(run):
    program = run("""
        import socket, time
        tcp = socket.socket()
        tcp.bind(("localhost", 7000))
        tcp.listen(5)
        tcp.listen(5)  # twice on one socket is still one binding
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((socket.gethostname(), 7001))
        print("both bound", flush=True)
        time.sleep(60)
    """)
    first = program.wait_bound(10)
    assert program.wait_events(lambda events: sum(e[0] in ("listen", "bind") for e in events) == 3, 5)
    assert first.kind == "tcp" and first.requested == ("localhost", 7000)
    assert [b.kind for b in program.bindings] == ["tcp", "udp"]
    assert program.bindings[1].requested == (socket.gethostname(), 7001)
    assert program.bindings[0].port != program.bindings[1].port


@pytest.mark.timeout(20)
def test_dual_stack_ipv6_server_is_reachable_at_127_0_0_1(run, sockets):
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 here")
    program = run("""
        import socket
        server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        server.bind(("::", 5555))
        server.listen()
        while True:
            conn, _ = server.accept()
            conn.sendall(conn.recv(100)[::-1])
            conn.close()
    """)
    binding = program.wait_bound(10)
    assert binding is not None, program.output()
    assert talk(sockets, binding.port, b"abc") == b"cba"


@pytest.mark.timeout(20)
def test_student_code_keeps_working_under_the_shim(run, sockets):
    program = run("""
        import socket, socketserver, threading

        a, b = socket.socketpair()  # AF_UNIX: untouched
        a.sendall(b"unix ok")
        print(b.recv(100).decode())
        try:
            socket.socket().bind(("0.0.0.0", "5555"))
        except TypeError:
            print("bad port still a TypeError")
        print("own name resolves to", socket.gethostbyname(socket.gethostname()))
        print("fqdn", bool(socket.getfqdn()))

        class Echo(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"echo " + self.rfile.readline())

        server = socketserver.ThreadingTCPServer(("", 8080), Echo)
        server.timeout = 5
        print("socketserver at", server.server_address, flush=True)
        server.serve_forever()
    """)
    binding = program.wait_bound(10)
    assert binding is not None, program.output()
    assert binding.requested == ("", 8080)
    assert talk(sockets, binding.port, b"line\n") == b"echo line\n"
    assert program.wait_output("socketserver at ('127.0.0.1',", 5)
    output = program.output()
    assert "unix ok" in output
    assert "bad port still a TypeError" in output
    assert "own name resolves to 127.0.0.1" in output
    assert "fqdn True" in output


@pytest.mark.timeout(20)
def test_server_reaches_its_own_hard_coded_port(run):
    program = run("""
        import socket, threading
        PORT = 5555
        server = socket.socket()
        server.bind(("0.0.0.0", PORT))
        server.listen()

        def wake_up():  # a local client of its own, as some servers have
            socket.create_connection(("127.0.0.1", PORT)).sendall(b"self")

        threading.Thread(target=wake_up).start()
        conn, _ = server.accept()
        print("accepted", conn.recv(10).decode(), flush=True)
    """)
    assert program.wait_exit(10) == 0, program.output()
    assert "accepted self" in program.output()


# -- client mode -----------------------------------------------------------------------------

@pytest.mark.timeout(20)
def test_client_connects_are_redirected(run, sockets):
    listener = sockets(socket.create_server(("127.0.0.1", 0)))
    listener.settimeout(10)
    program = run("""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(("localhost", 5555))
        s.sendall("привет".encode())
        print("got", s.recv(100).decode(), flush=True)
        other = socket.create_connection(("chat.example.com", 6000))
        other.sendall(b"second")
        other.close()
    """, name="client.py", redirect=listener.getsockname())
    first = sockets(listener.accept()[0])
    first.settimeout(10)
    assert first.recv(100).decode() == "привет"
    first.sendall(b"welcome")
    second = sockets(listener.accept()[0])
    second.settimeout(10)
    assert second.recv(100) == b"second"
    assert program.wait_exit(10) == 0, program.output()
    assert "got welcome" in program.output()
    events = program.events()
    assert ("redirect", "connect", "localhost", "5555") in events
    assert ("redirect", "resolve", "chat.example.com") in events


@pytest.mark.timeout(20)
def test_udp_server_binds_loopback_and_udp_client_is_redirected(run, sockets):
    server = run("""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("", 9999))
        while True:
            data, address = s.recvfrom(1024)
            s.sendto(b"echo:" + data, address)
    """)
    binding = server.wait_bound(10)
    assert binding.kind == "udp" and binding.requested == ("", 9999)
    probe = sockets(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    probe.settimeout(10)
    probe.sendto(b"ping", ("127.0.0.1", binding.port))
    assert probe.recvfrom(100) == (b"echo:ping", ("127.0.0.1", binding.port))

    fake_server = sockets(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    fake_server.bind(("127.0.0.1", 0))
    fake_server.settimeout(10)
    client = run("""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto("привет".encode(), ("192.168.1.10", 9999))
        data, _ = s.recvfrom(100)
        print("reply", data.decode(), flush=True)
    """, name="client.py", redirect=fake_server.getsockname())
    data, address = fake_server.recvfrom(100)
    assert data.decode() == "привет" and address[0] == "127.0.0.1"
    fake_server.sendto(b"hi back", address)
    assert client.wait_exit(10) == 0, client.output()
    assert "reply hi back" in client.output()
    assert ("redirect", "sendto", "192.168.1.10", "9999") in client.events()


@pytest.mark.timeout(20)
def test_server_mode_refuses_outbound_and_allows_loopback(run, sockets):
    listener = sockets(socket.create_server(("127.0.0.1", 0)))
    listener.settimeout(10)
    # A listener on this machine's own non-loopback address: a connect the shim let through would
    # reach it, so a refusal proves the shim refused (not the network).
    elsewhere = outside_address() or "192.0.2.1"
    outside = sockets(socket.socket())
    try:
        outside.bind((elsewhere, 0))
        outside.listen()
        outside_port = outside.getsockname()[1]
    except OSError:
        outside_port = 80
    program = run("""
        import errno, socket, sys
        elsewhere, port = sys.argv[2], int(sys.argv[3])
        s = socket.socket()
        try:
            s.connect((elsewhere, port))
            print("connected out")
        except ConnectionRefusedError:
            print("refused")
        print("connect_ex refused", socket.socket().connect_ex(("192.0.2.1", 81)) == errno.ECONNREFUSED)
        try:
            socket.gethostbyname("example.com")
            print("resolved")
        except socket.gaierror:
            print("no dns")
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        print("sendto", u.sendto(b"xyz", ("192.0.2.1", 53)))
        local = socket.create_connection(("localhost", int(sys.argv[1])))
        local.sendall(b"loopback ok")
        local.close()
    """, args=[str(listener.getsockname()[1]), elsewhere, str(outside_port)])
    conn = sockets(listener.accept()[0])
    conn.settimeout(10)
    assert conn.recv(100) == b"loopback ok"
    assert program.wait_exit(10) == 0, program.output()
    output = program.output()
    for line in ("refused", "connect_ex refused True", "no dns", "sendto 3"):
        assert line in output.splitlines(), output
    events = program.events()
    assert ("blocked", "connect", elsewhere, str(outside_port)) in events
    assert ("blocked", "resolve", "example.com") in events
    assert ("blocked", "sendto", "192.0.2.1", "53") in events
    outside.setblocking(False)
    with pytest.raises(BlockingIOError):
        outside.accept()


@pytest.mark.timeout(20)
def test_two_hundred_threads_fit_in_the_default_limits(run, sockets):
    program = run("""
        import socket, threading
        stop = threading.Event()

        def worker():
            buffer = bytearray(200_000)  # malloc'd in the thread: would take a new arena per thread
            stop.wait()

        for _ in range(200):
            threading.Thread(target=worker, daemon=True).start()
        server = socket.socket()
        server.bind(("", 4000))
        server.listen()
        while True:
            conn, _ = server.accept()
            conn.sendall(str(threading.active_count()).encode())
            conn.close()
    """)
    binding = program.wait_bound(15)
    assert binding is not None, program.output()
    assert talk(sockets, binding.port, b"?") == b"201"


@pytest.mark.timeout(10)
def test_connect_ex_keeps_its_errno_contract_for_loopback(run, sockets):
    closed = sockets(socket.socket())
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]  # bound, not listening: connecting is refused by the kernel
    program = run(f"""
        import socket
        print("code", socket.socket().connect_ex(("127.0.0.1", {port})))
    """)
    assert program.wait_exit(10) == 0
    assert f"code {errno.ECONNREFUSED}" in program.output()
