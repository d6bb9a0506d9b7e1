#!/usr/bin/python3
"""A KDC relay that adds latency (for tests/interop/async_krb5.sh).

Listens on 127.0.0.1:PORT for UDP and TCP, waits --delay-ms, then forwards
each exchange to the KDC on 127.0.0.1:KDC_PORT over the same transport and
sends the reply back: every KDC exchange through it takes at least
DELAY more than a direct one, whatever the number in flight (asyncio: one
task per exchange, nothing serialised).

The real KDC (MIT krb5kdc) is single-threaded with a finite UDP receive
buffer: a burst of a thousand datagrams would overflow it, and its TCP
listen queue is 5 (kdc_tcp_listen_backlog). The relay keeps at most
--kdc-window UDP and --kdc-tcp-window TCP exchanges outstanding at the KDC
(the others queue in the relay, after their delay) and re-sends a UDP
request the KDC did not answer within --kdc-retry-ms. Counts (exchanges, re-sends, most queued)
are written to --stats-file on SIGTERM/SIGINT.

usage: kdc_delay_relay.py --port PORT --kdc-port KDC_PORT [--delay-ms 200]
                          [--ready-file F] [--stats-file F]
"""
import argparse
import asyncio
import signal
import socket
import struct

stats = {"udp": 0, "tcp": 0, "kdc_resends": 0, "failed": 0, "max_queued": 0}
queued = 0


class Window:
    """At most N exchanges at the KDC at once (counts the queue)."""

    def __init__(self, sem):
        self.sem = sem

    async def __aenter__(self):
        global queued
        queued += 1
        stats["max_queued"] = max(stats["max_queued"], queued)
        await self.sem.acquire()
        queued -= 1

    async def __aexit__(self, *exc):
        self.sem.release()


def big_buffers(sock):
    for opt in ("SO_RCVBUFFORCE", "SO_RCVBUF"):
        try:
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, opt), 8 << 20)
            return
        except (OSError, AttributeError):
            continue


class UdpFront(asyncio.DatagramProtocol):
    def __init__(self, args):
        self.args = args
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        stats["udp"] += 1
        asyncio.get_running_loop().create_task(self.relay(data, addr))

    async def relay(self, data, addr):
        loop = asyncio.get_running_loop()
        await asyncio.sleep(self.args.delay_ms / 1000)
        async with Window(self.args.udp_window):
            await self.forward(loop, data, addr)

    async def forward(self, loop, data, addr):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", self.args.kdc_port))
            for attempt in range(6):
                if attempt:
                    stats["kdc_resends"] += 1
                s.send(data)
                try:
                    reply = await asyncio.wait_for(loop.sock_recv(s, 65536),
                                                   self.args.kdc_retry_ms / 1000)
                except asyncio.TimeoutError:
                    continue
                self.transport.sendto(reply, addr)
                return
            stats["failed"] += 1
        except OSError:
            stats["failed"] += 1
        finally:
            s.close()


async def tcp_client(reader, writer, args):
    stats["tcp"] += 1
    try:
        hdr = await reader.readexactly(4)
        (n,) = struct.unpack(">I", hdr)
        body = await reader.readexactly(n)
        await asyncio.sleep(args.delay_ms / 1000)
        async with Window(args.tcp_window):
            kr, kw = await asyncio.open_connection("127.0.0.1", args.kdc_port)
            kw.write(hdr + body)
            await kw.drain()
            rhdr = await kr.readexactly(4)
            (m,) = struct.unpack(">I", rhdr)
            rbody = await kr.readexactly(m)
            kw.close()
        writer.write(rhdr + rbody)
        await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        stats["failed"] += 1
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--kdc-port", type=int, required=True)
    ap.add_argument("--delay-ms", type=int, default=200)
    ap.add_argument("--kdc-retry-ms", type=int, default=300)
    ap.add_argument("--kdc-window", type=int, default=32)
    ap.add_argument("--kdc-tcp-window", type=int, default=4)
    ap.add_argument("--ready-file")
    ap.add_argument("--stats-file")
    args = ap.parse_args()
    args.udp_window = asyncio.Semaphore(args.kdc_window)
    args.tcp_window = asyncio.Semaphore(args.kdc_tcp_window)
    loop = asyncio.get_running_loop()
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    big_buffers(us)
    us.bind(("127.0.0.1", args.port))
    await loop.create_datagram_endpoint(lambda: UdpFront(args), sock=us)
    server = await asyncio.start_server(lambda r, w: tcp_client(r, w, args), "127.0.0.1",
                                        args.port, backlog=4096)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % args.port)
    await stop.wait()
    server.close()
    if args.stats_file:
        with open(args.stats_file, "w") as f:
            f.write(" ".join("%s=%d" % kv for kv in stats.items()) + "\n")


asyncio.run(main())
