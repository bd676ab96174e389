"""chat.py with many clients at once: every message reaches every other user exactly once,
in its sender's order."""

import threading
import time

import pytest

from chat_helpers import Peer

CLIENTS = 50
MESSAGES = 40


@pytest.mark.timeout(60)
def test_fifty_clients_each_message_reaches_the_49_others_once_and_in_order(server):
    names = [f"user{i:02}" for i in range(CLIENTS)]
    clients = []
    try:
        for name in names:
            clients.append(Peer(server.port, name))
        for i, client in enumerate(clients):  # everyone hears of everyone who joined later
            notices = [client.line() for _ in names[i + 1:]]
            assert sorted(notices) == [f"* {later} joined the chat" for later in names[i + 1:]]
        received = {name: [] for name in names}
        failures = []

        def read_all(client):
            # Every other user's messages, then every other user's "done" line.
            try:
                done = 0
                while done < CLIENTS - 1:
                    line = client.line(timeout=30)
                    if line.endswith(": done"):
                        done += 1
                    else:
                        received[client.name].append(line)
            except AssertionError as error:
                failures.append(str(error))

        readers = [threading.Thread(target=read_all, args=(c,)) for c in clients]
        for reader in readers:
            reader.start()
        started = time.monotonic()
        # Everyone sends at once, one line per send(), interleaved across the senders.
        for n in range(MESSAGES):
            for client in clients:
                client.send(f"{client.name} message {n}\n")
        for client in clients:
            client.send("done\n")
        for reader in readers:
            reader.join(45)
        elapsed = time.monotonic() - started
        assert not failures, failures[:3]
        for name in names:
            lines = received[name]
            # Exactly once each, nothing of its own: 49 senders x MESSAGES lines.
            assert len(lines) == (CLIENTS - 1) * MESSAGES, (name, len(lines))
            for sender in names:
                from_sender = [line for line in lines if line.startswith(sender + ": ")]
                expected = [] if sender == name else [
                    f"{sender}: {sender} message {n}" for n in range(MESSAGES)]
                assert from_sender == expected, (name, sender, from_sender[:3])
        deliveries = CLIENTS * (CLIENTS - 1) * MESSAGES
        print(f"{deliveries} deliveries in {elapsed:.2f} s: {deliveries / elapsed:.0f}/s")
    finally:
        for client in clients:
            client.close()
