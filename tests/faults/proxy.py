"""A TCP proxy a test can cut: the database (or Redis) "goes away" for the app while the server keeps running.

`cut()` drops every live connection and refuses new ones (accepted and closed at once, as a crashed server or a
failed-over address looks to a client); `stall()` closes nothing and passes nothing (a frozen server, a hung proxy:
the connections stay up and no answer comes); `restore()` lets connections through again. Nothing of ours is patched:
the app's own driver meets a real broken socket.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress


class CuttableProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.down = False
        self.stalled = False
        self._live: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            if self.stalled:  # accepted, and then nothing: the client waits out its connect timeout
                with self._lock:
                    self._live.append(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._live += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with suppress(OSError):
            while chunk := src.recv(65536):
                while self.stalled and not self._closed:
                    time.sleep(0.02)
                dst.sendall(chunk)
        for s in (src, dst):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def cut(self) -> None:
        self.down = True
        with self._lock:
            live, self._live = self._live, []
        for s in live:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def stall(self) -> None:
        self.stalled = True

    def restore(self) -> None:
        self.down = self.stalled = False

    def close(self) -> None:
        self._closed = True
        self.stalled = False
        self.cut()
        self._server.close()
