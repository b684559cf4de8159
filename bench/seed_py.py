#!/usr/bin/env python3
"""CPython workers of seed_table.sh (P2, P5), run as supervise commands.

    seed_py.py cpu WORK           one process: WORK iterations of a pure
                                  Python loop: `seed pycpu T0 T1 WORK CPU`
    seed_py.py threads N WORK     N threads in one process, WORK each:
                                  `seed pythreads T0 T1 N WORK CPU`
    seed_py.py mgr-server DIR     a multiprocessing manager on 127.0.0.1
                                  (port of the kernel's choosing, written
                                  to DIR/mgr.port), serving an echo object
    seed_py.py mgr-client DIR N   N calls through that manager, then N
                                  round trips between two threads over
                                  queue.Queue: `seed pymgr MGR_NS QUEUE_NS`
                                  (medians)

Times are CLOCK_MONOTONIC in ns, the clock of every process here; CPU is
the process's CPU time over the work, in ns.  The
manager's authkey comes from SEED_AUTHKEY (the script draws it at random
and keeps it in its 0700 temp dir): a manager unpickles what it gets, so
a key anyone could read would hand any local user this process.
"""
import os
import sys
import threading
import time
import queue


def work(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFFFFFF
    return x


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


class Box:
    def echo(self, x):
        return x


def manager_class():
    from multiprocessing.managers import BaseManager

    class M(BaseManager):
        pass
    return M


def authkey():
    return os.environ["SEED_AUTHKEY"].encode()


def mgr_server(d):
    box = Box()
    M = manager_class()
    M.register("box", callable=lambda: box)
    server = M(address=("127.0.0.1", 0), authkey=authkey()).get_server()
    tmp = os.path.join(d, "mgr.port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.address[1])
    os.rename(tmp, os.path.join(d, "mgr.port"))
    server.serve_forever()


def mgr_client(d, n):
    path = os.path.join(d, "mgr.port")
    deadline = time.monotonic() + 10
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            print("seed pymgr -1 -1", flush=True)
            return
        time.sleep(0.01)
    with open(path) as f:
        port = int(f.read())
    M = manager_class()
    M.register("box")
    m = M(address=("127.0.0.1", port), authkey=authkey())
    m.connect()
    box = m.box()
    rtt = []
    for i in range(n):
        t = time.monotonic_ns()
        box.echo(i)
        rtt.append(time.monotonic_ns() - t)
    mgr = median(rtt)

    there, back = queue.Queue(), queue.Queue()

    def echo():
        while True:
            x = there.get()
            if x is None:
                return
            back.put(x)
    t = threading.Thread(target=echo)
    t.start()
    rtt = []
    for i in range(n):
        t0 = time.monotonic_ns()
        there.put(i)
        back.get()
        rtt.append(time.monotonic_ns() - t0)
    there.put(None)
    t.join()
    print("seed pymgr %d %d" % (mgr, median(rtt)), flush=True)


def main(argv):
    what = argv[1]
    if what == "cpu":
        n = int(argv[2])
        c0, t0 = time.process_time_ns(), time.monotonic_ns()
        work(n)
        print("seed pycpu %d %d %d %d" % (t0, time.monotonic_ns(), n,
                                          time.process_time_ns() - c0),
              flush=True)
    elif what == "threads":
        k, n = int(argv[2]), int(argv[3])
        threads = [threading.Thread(target=work, args=(n,)) for _ in range(k)]
        c0, t0 = time.process_time_ns(), time.monotonic_ns()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("seed pythreads %d %d %d %d %d" % (
            t0, time.monotonic_ns(), k, n, time.process_time_ns() - c0),
              flush=True)
    elif what == "mgr-server":
        mgr_server(argv[2])
    elif what == "mgr-client":
        mgr_client(argv[2], int(argv[3]))
    else:
        sys.exit("seed_py.py: unknown %s" % what)


if __name__ == "__main__":
    main(sys.argv)
