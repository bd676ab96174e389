"""Reference server for grader.bench: a minimal asyncio broadcast chat, what someone might write
instead of a thread per client.

The first line a client sends is its name; every later line goes to everyone else as "NAME: line".
It relays line by line (one write per recipient for every line) and never waits for a slow reader
(no drain()): the simplest thing that works, as a yardstick, not a model.
"""
import asyncio
import socket

HOST, PORT = "127.0.0.1", 5556
writers = set()


async def handle(reader, writer):
    # asyncio turns Nagle's algorithm off by itself only on sockets it made; this listening socket
    # came from socket.create_server, so its connections need it done here (or small lines wait
    # for the peer's delayed ACK, up to 40 ms).
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    name = (await reader.readline()).decode("utf-8", "replace").strip()
    prefix = f"{name}: ".encode()
    writers.add(writer)
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            for other in list(writers):
                if other is not writer:
                    other.write(prefix + line)
    except ConnectionError:
        pass
    finally:
        writers.discard(writer)
        writer.close()


async def main():
    # The listening socket is made by socket.create_server so that it is an ordinary socket server
    # to any tool that reads the code, and then handed to asyncio.
    listener = socket.create_server((HOST, PORT), backlog=1024)
    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
