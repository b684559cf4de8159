#!/usr/bin/env python3
"""seed_report.py RAW OUTDIR: the threads-against-processes table.

Reads the raw figures bench/seed_table.sh wrote (one `EXPERIMENT MODE
FIELDS...` a line), derives one row per claim -- its figures in thread
and in process mode and a verdict with the sentence that justifies it --
and writes OUTDIR/seed-table.md, seed-table.json and, with gnuplot,
seed-table.svg.  Every verdict is computed from the figures; a row whose
experiment left no figure says so and is `not applicable`.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

CLAIMS = [
    ("T1", "several threads use the CPU better: less idle time while some wait"),
    ("T2", "all threads see the process's globals: a change by one is visible to the others"),
    ("T3", "the program stays responsive: one thread waits for input while another keeps working"),
    ("T4", "faster computation: each core runs its own thread at the same time"),
    ("T5", "on a single processor threads gain little, compared with several processors"),
    ("T6", "all threads share the same data, so any thread can corrupt it: a safety problem"),
    ("T7", "synchronisation is needed, and it costs memory and CPU"),
    ("T8", "a thread cannot be interrupted or killed"),
    ("T9", "one invalid operation in one thread can crash the whole program"),
    ("T10", "careless coordination causes deadlocks, hangs and races"),
    ("P1", "each process has its own memory (safety)"),
    ("P2", "processes avoid CPython's GIL"),
    ("P3", "a child process can be interrupted or killed"),
    ("P4", "network IPC suits processes, even on different nodes"),
    ("P5", "Python's multiprocessing offers IPC over a network"),
    ("P6", "load spread over processes raises reliability: one failing slows the system, which keeps running"),
    ("P7", "processes take more memory"),
    ("P8", "the OS isolates processes; sharing data needs explicit IPC"),
    ("P9", "passing data between processes is slower than between threads"),
    ("P10", "processes cost more: starting and stopping take longer"),
]

HOLDS, NOT, CAVEAT, NA = ("holds", "does not hold", "holds with a caveat",
                          "not applicable")

# A lone CPU-bound worker that got less than this share of a CPU ran on a
# saturated machine: there, N workers win N shares from other programs,
# and a gain from more CPUs (or a GIL's ceiling) cannot show.
SATURATED = 0.6


def saturated(share):
    return ("the machine was saturated: a lone CPU-bound worker got only "
            "%.2f of a CPU, so N workers gained shares from other programs, "
            "not CPUs" % share)


class Missing(Exception):
    """An experiment left no (usable) figure."""


def read_raw(path):
    data, meta = {}, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 2:
                continue
            if w[0] == "meta":
                meta[w[1]] = " ".join(w[2:])
            else:
                data.setdefault(w[0], []).append(w[1:])
    return data, meta


def rows_of(data, exp, *prefix):
    """The fields after PREFIX of EXPERIMENT's lines that start with it."""
    n = len(prefix)
    out = [r[n:] for r in data.get(exp, []) if tuple(r[:n]) == prefix]
    if not out:
        raise Missing("no %s figure for %s" % (exp, " ".join(prefix)))
    return out


def num(x):
    v = float(x)
    if v < 0:
        raise Missing("the experiment reported a failure")
    return v


def fmt(v, digits=2):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return ("%%.%df" % digits) % v


def us(ns):
    return fmt(ns / 1000.0)


class Table:
    def __init__(self, data, meta):
        self.d, self.m = data, meta
        self.ncpu = int(meta.get("ncpu", "1"))

    # -- figures shared by several rows --
    def duty(self, mode):
        one = rows_of(self.d, "duty", mode, "1")
        four = rows_of(self.d, "duty", mode, "4")
        gain = sum(num(r[0]) for r in four) / max(1.0, num(one[0][0]))
        busy1 = num(one[0][1]) / num(one[0][2])
        busy4 = sum(num(r[1]) for r in four) / statistics.mean(
            num(r[2]) for r in four)
        return gain, busy1 * 100, busy4 * 100

    def speedup(self, mode, cpus):
        """Medians over rounds of throughput(N) / throughput(1), and of the
        CPUs the N workers used together (their CPU time / the span)."""
        rounds = {}
        for r in self.d.get("spin", []):
            if r[0] != mode:
                continue
            c, n, k = r[1].split(".")
            if c == cpus:
                rounds.setdefault(k, {}).setdefault(int(n), []).append(
                    [num(x) for x in r[2:6]])
        ups, used, base = [], [], []
        for k, by_n in rounds.items():
            if 1 not in by_n or self.ncpu not in by_n:
                continue
            t1 = by_n[1][0]
            rate1 = t1[2] / (t1[1] - t1[0])
            base.append(t1[3] / (t1[1] - t1[0]))
            many = by_n[self.ncpu]
            span = max(x[1] for x in many) - min(x[0] for x in many)
            ups.append(sum(x[2] for x in many) / span / rate1)
            used.append(sum(x[3] for x in many) / span)
        if not ups:
            raise Missing("no spin figure for %s on %s CPUs" % (mode, cpus))
        return (statistics.median(ups), statistics.median(used),
                statistics.median(base))

    def seen(self, mode):
        r = rows_of(self.d, "global", mode)
        return sum(1 for x in r if x[1] == "1"), len(r)

    def corrupted(self, mode):
        r = rows_of(self.d, "scribble", mode)
        return sum(1 for x in r if x[0] == "corrupted"), len(r)

    def counter(self, mode):
        adds, locked = (int(x) for x in self.m["adds"].split())
        out = {}
        for kind in ("nolock", "lock", "atomic"):
            r = rows_of(self.d, "counter", mode, kind)
            ns = statistics.mean(num(x[0]) for x in r)
            final = [int(x[1]) for x in r if int(x[1]) >= 0]
            if not final:
                raise Missing("no final count for %s %s" % (mode, kind))
            m = adds if kind == "nolock" else locked
            lost = 100.0 * (1 - final[0] / (m * len(r)))
            out[kind] = (ns, lost, int(r[0][2]))
        return out

    def deadlock(self, mode):
        inv = rows_of(self.d, "deadlock", mode, "inverted")
        ordered = rows_of(self.d, "deadlock", mode, "ordered")
        for x in inv + ordered:
            num(x[0])
        stuck = sum(int(x[0]) for x in inv)
        waited = max(int(x[1]) for x in inv)
        return stuck, sum(int(x[0]) for x in ordered), waited

    def pingpong(self, mode):
        r = rows_of(self.d, "pingpong", mode)[0]
        return num(r[0]), num(r[1])

    def net(self, mode, kind):
        return num(rows_of(self.d, "net", mode, kind)[0][0])

    def hang(self, mode):
        r = rows_of(self.d, "hang", mode)[0]
        return int(r[0]), r[1], int(r[2]), int(r[3])

    def service(self, mode):
        r = rows_of(self.d, "service", mode)[0]
        dur, split = (int(x) for x in self.m["load"].split())
        answered, failed, last_ok, before, after = (int(x) for x in r[:5])
        crashes, status = int(r[5]), r[6]
        rate_before = before / (split / 1000.0)
        rate_after = after / ((dur - split) / 1000.0)
        return dict(answered=answered, failed=failed, last_ok=last_ok,
                    dur=dur, split=split, rate_before=rate_before,
                    rate_after=rate_after, crashes=crashes, status=status)

    def scale(self):
        """Per instance, between the smallest and the largest count both
        modes reached: (largest count, {mode: (figures at it, per
        instance)}), figures and per instance as start ms, stop ms, PSS
        KiB."""
        by = {m: {int(x[0]): [num(v) for v in x[1:4]]
                  for x in rows_of(self.d, "scale", m)}
              for m in ("thread", "process")}
        common = sorted(set(by["thread"]) & set(by["process"]))
        if len(common) < 2:
            raise Missing("fewer than two instance counts reached in both "
                          "modes")
        lo, hi = common[0], common[-1]
        out = {}
        for m, r in by.items():
            out[m] = (r[hi], [(r[hi][i] - r[lo][i]) / (hi - lo)
                              for i in range(3)])
        return hi, out

    def python(self):
        """Work rate of N against 1, CPUs used by N, and the single
        worker's share of a CPU, for CPython threads and processes."""
        def rate(rows, k):
            span = max(num(x[1]) for x in rows) - min(num(x[0]) for x in rows)
            work = num(rows[0][3 if k == "threads" else 2])
            cpu = sum(num(x[-1]) for x in rows)
            n = len(rows) if k == "procs" else int(rows[0][2])
            return n * work / span, cpu / span
        n = self.ncpu
        p1, pb = rate(rows_of(self.d, "pycpu", "process", "1"), "procs")
        pn, pu = rate(rows_of(self.d, "pycpu", "process", str(n)), "procs")
        t1, tb = rate(rows_of(self.d, "pythreads", "thread", "1"), "threads")
        tn, tu = rate(rows_of(self.d, "pythreads", "thread", str(n)), "threads")
        return (tn / t1, tu, tb), (pn / p1, pu, pb)

    # -- the rows --
    def t1(self):
        tg, tb1, tb4 = self.duty("thread")
        pg, pb1, pb4 = self.duty("process")
        fig = "4 workers did %s× the work of 1 (CPU busy %s%% → %s%% of one)"
        row = dict(thread=fig % (fmt(tg), fmt(tb1), fmt(tb4)),
                   process=fig % (fmt(pg), fmt(pb1), fmt(pb4)),
                   tv=tg, pv=pg, unit="× work, 4 vs 1 worker", log=True)
        if min(tb1, pb1) < SATURATED * 25:
            return row, NA, ("the machine was saturated: a lone worker "
                             "computing 2 ms of every 8 got %s%% of a CPU, "
                             "not 25%%: there was no idle time to fill"
                             % fmt(min(tb1, pb1)))
        if tg < 1.5:
            return row, NOT, ("4 threads that wait 3/4 of the time did only "
                              "%s× the work of one: the CPU was not theirs "
                              "to fill" % fmt(tg))
        if pg >= 0.75 * tg:
            return row, CAVEAT, ("while some wait, the others fill the CPU "
                                 "(%s× the work of one thread), but 4 "
                                 "processes do as much (%s×): it is "
                                 "concurrency, not threads" % (fmt(tg), fmt(pg)))
        return row, HOLDS, ("4 threads did %s× the work of one, 4 processes "
                            "only %s×" % (fmt(tg), fmt(pg)))

    def t2(self):
        ts, tn = self.seen("thread")
        ps, pn = self.seen("process")
        row = dict(thread="%d of %d other instances saw the change" % (ts, tn),
                   process="%d of %d other instances saw the change" % (ps, pn),
                   tv=100.0 * ts / tn, pv=100.0 * ps / pn,
                   unit="% of instances that see a global change", log=False)
        if ts == tn and ps == 0:
            return row, HOLDS, ("every other thread saw the global change; "
                                "no other process did")
        if ts == tn:
            return row, CAVEAT, ("every thread saw it, but so did %d of %d "
                                 "processes" % (ps, pn))
        return row, NOT, "only %d of %d threads saw the change" % (ts, tn)

    def t3(self):
        ti = num(rows_of(self.d, "respond", "thread", "idle")[0][0])
        tb = num(rows_of(self.d, "respond", "thread", "busy")[0][0])
        pi = num(rows_of(self.d, "respond", "process", "idle")[0][0])
        pb = num(rows_of(self.d, "respond", "process", "busy")[0][0])
        fig = ("input answered in %s µs while %d workers compute "
               "(%s µs when idle)")
        row = dict(thread=fig % (us(tb), self.ncpu, us(ti)),
                   process=fig % (us(pb), self.ncpu, us(pi)),
                   tv=tb / 1000, pv=pb / 1000,
                   unit="µs to answer input while others compute", log=True)
        if tb > 100e6:
            return row, NOT, ("a waiting thread took %s µs to answer while "
                              "others computed" % us(tb))
        if pb <= 2 * tb:
            return row, CAVEAT, ("the waiting thread answered in %s µs while "
                                 "others computed, but a waiting process did "
                                 "as well (%s µs)" % (us(tb), us(pb)))
        return row, HOLDS, ("the waiting thread answered in %s µs, a process "
                            "in %s µs" % (us(tb), us(pb)))

    def t4(self):
        if self.ncpu < 2:
            raise Missing("one CPU: nothing runs at the same time")
        (ts, tu, tb), (ps, pu, pb) = (self.speedup("thread", "all"),
                                      self.speedup("process", "all"))
        fig = "%d workers on %d CPUs: %s× the throughput of 1, using %s CPUs"
        row = dict(thread=fig % (self.ncpu, self.ncpu, fmt(ts), fmt(tu)),
                   process=fig % (self.ncpu, self.ncpu, fmt(ps), fmt(pu)),
                   tv=ts, pv=ps, unit="× throughput, N vs 1 worker", log=True)
        if min(tb, pb) < SATURATED:
            return row, NA, saturated(min(tb, pb))
        good = 0.7 * self.ncpu
        if ts < 1.15:
            return row, NOT, ("%d threads computed only %s× as fast as one "
                              "on this machine" % (self.ncpu, fmt(ts)))
        if ts < good:
            return row, CAVEAT, ("%d threads computed %s× as fast as one, "
                                 "short of %d× on this busy machine (they got "
                                 "%s CPUs between them)"
                                 % (self.ncpu, fmt(ts), self.ncpu, fmt(tu)))
        if ps >= 0.8 * ts:
            return row, CAVEAT, ("%d threads computed %s× as fast as one, "
                                 "and %d processes %s×: the gain is the "
                                 "CPUs', not the threads'"
                                 % (self.ncpu, fmt(ts), self.ncpu, fmt(ps)))
        return row, HOLDS, ("%d threads computed %s× as fast as one"
                            % (self.ncpu, fmt(ts)))

    def t5(self):
        if self.ncpu < 2:
            raise Missing("one CPU: no several processors to compare with")
        (t1, tu1, tb1), (tall, tuall, tball) = (
            self.speedup("thread", "one"), self.speedup("thread", "all"))
        (p1, pu1, _), (pall, puall, _) = (
            self.speedup("process", "one"), self.speedup("process", "all"))
        fig = ("%d workers on 1 CPU: %s× the throughput of 1, using %s CPUs "
               "(on %d: %s×, %s CPUs)")
        row = dict(thread=fig % (self.ncpu, fmt(t1), fmt(tu1), self.ncpu,
                                 fmt(tall), fmt(tuall)),
                   process=fig % (self.ncpu, fmt(p1), fmt(pu1), self.ncpu,
                                  fmt(pall), fmt(puall)),
                   tv=tu1, pv=pu1, unit="CPUs used by N workers on one CPU",
                   log=True)
        if min(tb1, tball) < SATURATED:
            return row, NA, saturated(min(tb1, tball))
        if tu1 > 1.1 or tuall - tu1 < 0.3:
            return row, NOT, ("%d threads used %s CPUs on one processor and "
                              "%s on %d" % (self.ncpu, fmt(tu1), fmt(tuall),
                                            self.ncpu))
        if t1 <= 1.15:
            return row, HOLDS, ("on one CPU %d threads gained %s× (%s CPUs "
                                "used), on %d CPUs %s× (%s CPUs)"
                                % (self.ncpu, fmt(t1), fmt(tu1), self.ncpu,
                                   fmt(tall), fmt(tuall)))
        return row, CAVEAT, ("on one processor %d threads could use only %s "
                             "CPUs (%s on %d), yet ran %s× as fast as one: "
                             "on a busy machine more threads win a larger "
                             "share of the CPU from other programs"
                             % (self.ncpu, fmt(tu1), fmt(tuall), self.ncpu,
                                fmt(t1)))

    def t6(self, claim="T6"):
        tc, tn = self.corrupted("thread")
        pc, pn = self.corrupted("process")
        fig = "%d of %d neighbours saw their data corrupted"
        row = dict(thread=fig % (tc, tn), process=fig % (pc, pn),
                   tv=100.0 * tc / tn, pv=100.0 * pc / pn,
                   unit="% of neighbours corrupted by one overrun", log=False)
        if claim == "T6":
            if tc > 0 and pc == 0:
                return row, HOLDS, ("one thread's overrun corrupted %d of %d "
                                    "other threads' data; as processes, none"
                                    % (tc, tn))
            if tc > 0:
                return row, CAVEAT, ("one thread's overrun corrupted %d of %d "
                                     "others, but processes were hit too"
                                     % (tc, tn))
            return row, NOT, "no other thread saw the overrun"
        if pc == 0 and tc > 0:
            return row, HOLDS, ("the overrun stayed in the faulty process's "
                                "own copy: 0 of %d neighbours hit (%d of %d "
                                "as threads)" % (pn, tc, tn))
        if pc == 0:
            return row, CAVEAT, ("no process neighbour was hit, but neither "
                                 "was a thread: the experiment proves little")
        return row, NOT, "%d of %d process neighbours were hit" % (pc, pn)

    def t7(self):
        t, p = self.counter("thread"), self.counter("process")
        fig = ("no lock: %s%% of adds lost, %s ns/add; mutex (%d B): %s "
               "ns/add, none lost; atomic: %s ns/add")

        def text(c):
            return fig % (fmt(c["nolock"][1]), fmt(c["nolock"][0]),
                          c["lock"][2], fmt(c["lock"][0]),
                          fmt(c["atomic"][0]))
        row = dict(thread=text(t), process=text(p) + " (a MAP_SHARED file)",
                   tv=t["lock"][0], pv=p["lock"][0],
                   unit="ns per add under a mutex", log=True)
        lost, cost = t["nolock"][1], t["lock"][0] / max(t["nolock"][0], 1e-3)
        if lost > 0 and cost > 2 and t["lock"][1] == 0:
            return row, HOLDS, ("without a lock %s%% of the adds were lost; "
                                "the mutex (%d bytes) made each add %s× "
                                "dearer; processes that share memory pay "
                                "the same" % (fmt(lost), t["lock"][2],
                                              fmt(cost)))
        if lost <= 0:
            return row, CAVEAT, ("no add was lost in this run, though the "
                                 "mutex made each %s× dearer" % fmt(cost))
        return row, CAVEAT, ("%s%% of the adds were lost without a lock, but "
                             "the lock cost only %s×" % (fmt(lost), fmt(cost)))

    def t8(self, claim="T8"):
        stop = self.m.get("stop_ms", "?")
        tms, tstat, talive, tn = self.hang("thread")
        pms, pstat, palive, pn = self.hang("process")
        if tstat == "running":
            tfig = "ended after %d ms" % tms
        else:
            tfig = ("not ended: supervise exited %s after %d ms "
                    "(stop_timeout %s ms), %d of %d healthy workers with it"
                    % (tstat, tms, stop, tn - talive, tn))
        if pstat == "running":
            pfig = ("killed after %d ms (stop_timeout %s ms); %d of %d "
                    "healthy workers run on" % (pms, stop, palive, pn))
        else:
            pfig = "supervise exited %s after %d ms" % (pstat, pms)
        if claim == "T8":
            row = dict(thread=tfig, process=pfig, tv=100.0 * talive / tn,
                       pv=100.0 * palive / pn,
                       unit="% of healthy workers alive after a hung one "
                       "is stopped", log=False)
            if tstat == "70":
                return row, HOLDS, ("the hung thread could not be ended: "
                                    "supervise gave up with status 70, taking "
                                    "%d healthy workers with it" % (tn - talive))
            return row, NOT, "the hung thread was ended (%s)" % tstat
        row = dict(thread=tfig, process=pfig, tv=float(tms), pv=float(pms),
                   unit="ms until the hung worker is gone", log=True)
        if pstat == "running" and palive == pn:
            return row, HOLDS, ("the hung process was killed %d ms after the "
                                "stop (stop_timeout %s ms) and its neighbours "
                                "ran on" % (pms, stop))
        return row, NOT, "the hung process was not ended cleanly (%s)" % pstat

    def t9(self):
        t, p = self.service("thread"), self.service("process")

        def text(s):
            if s["status"] != "running":
                return ("%d answered, none after %.1f s: supervise ended "
                        "(status %s) at the first crash"
                        % (s["answered"], s["last_ok"] / 1000.0, s["status"]))
            return ("%d answered over %.1f s through %d crashes"
                    % (s["answered"], s["dur"] / 1000.0, s["crashes"]))
        tv = 100.0 * max(t["last_ok"], 0) / t["dur"]
        pv = 100.0 * max(p["last_ok"], 0) / p["dur"]
        row = dict(thread=text(t), process=text(p), tv=tv, pv=pv,
                   unit="% of the run with requests answered", log=False)
        self._service = (t, p, row)
        if t["status"] not in ("running", "0") and int(t["status"]) > 128:
            return row, HOLDS, ("one worker's SEGV ended supervise (status "
                                "%s) and both healthy workers with it"
                                % t["status"])
        return row, NOT, "the thread-mode run survived its crash"

    def t10(self):
        t, p = self.deadlock("thread"), self.deadlock("process")
        tc, pc = self.counter("thread"), self.counter("process")

        def text(d, c):
            return ("opposite lock order: %d of 2 stuck until the %d ms bound; "
                    "same order: %d stuck; no lock: %s%% of adds lost"
                    % (d[0], d[2], d[1], fmt(c["nolock"][1])))
        row = dict(thread=text(t, tc),
                   process=text(p, pc) + " (shared memory)",
                   tv=None, pv=None, unit="", log=False)
        if t[0] > 0 and t[1] == 0 and tc["nolock"][1] > 0:
            return row, HOLDS, ("two threads taking two locks in opposite "
                                "orders deadlocked (found only by the %d ms "
                                "bound), and unlocked adds raced; processes "
                                "sharing memory do the same" % t[2])
        if t[0] > 0 and t[1] == 0:
            return row, CAVEAT, ("the opposite order deadlocked, but no race "
                                 "lost an update in this run")
        return row, NOT, "the opposite lock order did not deadlock"

    def p1(self):
        return self.t6("P1")

    def p2(self):
        if self.ncpu < 2:
            raise Missing("one CPU: nothing can run in parallel")
        (t, tu, tb), (p, pu, pb) = self.python()
        n = self.ncpu
        fig = "%d CPython %s: %s× the work rate of 1, using %s CPUs"
        row = dict(thread=fig % (n, "threads in one process", fmt(t), fmt(tu)),
                   process=fig % (n, "processes", fmt(p), fmt(pu)),
                   tv=tu, pv=pu, unit="CPUs used by N CPython workers",
                   log=True)
        if min(tb, pb) < SATURATED:
            return row, NA, saturated(min(tb, pb))
        if pu >= 1.3 * tu and tu < 1.2:
            return row, HOLDS, ("%d threads in one CPython could use only %s "
                                "CPUs (the GIL) and ran at %s× one; %d "
                                "processes used %s and ran at %s×"
                                % (n, fmt(tu), fmt(t), n, fmt(pu), fmt(p)))
        if pu >= 1.3 * tu:
            return row, CAVEAT, ("processes used more CPUs (%s against %s), "
                                 "though the threads were not held to one"
                                 % (fmt(pu), fmt(tu)))
        return row, NOT, ("%d processes (%s CPUs) did no better than %d "
                          "threads (%s CPUs) on this machine"
                          % (n, fmt(pu), n, fmt(tu)))

    def p3(self):
        return self.t8("P3")

    def p4(self):
        tu, tt = self.net("thread", "unix"), self.net("thread", "tcp")
        pu, pt = self.net("process", "unix"), self.net("process", "tcp")
        fig = "TCP loopback %s µs, Unix socket %s µs per round trip"
        row = dict(thread=fig % (us(tt), us(tu)), process=fig % (us(pt), us(pu)),
                   tv=tt / 1000, pv=pt / 1000,
                   unit="µs per TCP loopback round trip", log=True)
        ratio = pt / pu
        if ratio <= 3:
            return row, HOLDS, ("a process worker answers over TCP in %s µs, "
                                "%s× its Unix-socket round trip, with code "
                                "that would reach another node; threads share "
                                "memory only on one" % (us(pt), fmt(ratio)))
        return row, CAVEAT, ("a process worker answers over TCP, but at %s× "
                             "the cost of a Unix socket" % fmt(ratio))

    def p5(self):
        r = rows_of(self.d, "pymgr", "process")[0]
        mgr, q = num(r[0]), num(r[1])
        row = dict(thread="queue.Queue between two threads: %s µs per round "
                   "trip" % us(q),
                   process="a multiprocessing manager over TCP loopback: %s "
                   "µs per call" % us(mgr),
                   tv=q / 1000, pv=mgr / 1000,
                   unit="µs per CPython round trip", log=True)
        return row, HOLDS, ("a multiprocessing.managers server answered calls "
                            "from another process over TCP in %s µs (%s× a "
                            "queue between threads)" % (us(mgr), fmt(mgr / q)))

    def p6(self):
        if not hasattr(self, "_service"):
            self.t9()
        t, p, _ = self._service
        fig = "%.0f requests/s before the first crash, %.0f/s after"
        share_t = 100.0 * t["rate_after"] / max(t["rate_before"], 1)
        share_p = 100.0 * p["rate_after"] / max(p["rate_before"], 1)
        row = dict(thread=fig % (t["rate_before"], t["rate_after"]),
                   process=fig % (p["rate_before"], p["rate_after"])
                   + " (%d crashes)" % p["crashes"],
                   tv=share_t, pv=share_p,
                   unit="% of the request rate kept after crashes begin",
                   log=False)
        if p["status"] != "running" or p["last_ok"] < p["dur"] - 500:
            return row, NOT, "the process-mode run stopped answering"
        if share_p < 90:
            return row, HOLDS, ("through %d crashes the healthy processes "
                                "kept answering, at %s%% of the rate before"
                                % (p["crashes"], fmt(share_p)))
        return row, CAVEAT, ("through %d crashes the healthy processes kept "
                             "answering, with no slowdown to measure (%s%% of "
                             "the rate before)" % (p["crashes"], fmt(share_p)))

    def p7(self):
        hi, sc = self.scale()
        (tr, tper), (pr, pper) = sc["thread"], sc["process"]
        fig = "%s KiB per instance (%d KiB for %d)"
        row = dict(thread=fig % (fmt(tper[2]), tr[2], hi),
                   process=fig % (fmt(pper[2]), pr[2], hi),
                   tv=tper[2], pv=pper[2], unit="KiB PSS per instance", log=True)
        if pper[2] >= 1.5 * tper[2]:
            return row, HOLDS, ("a process worker took %s KiB of PSS, a "
                                "thread %s KiB (%s×)"
                                % (fmt(pper[2]), fmt(tper[2]),
                                   fmt(pper[2] / max(tper[2], 0.01))))
        return row, NOT, ("a process worker took %s KiB, a thread %s KiB"
                          % (fmt(pper[2]), fmt(tper[2])))

    def p8(self):
        ts, tn = self.seen("thread")
        ps, pn = self.seen("process")
        trtt, _ = self.pingpong("thread")
        prtt, _ = self.pingpong("process")
        row = dict(thread="%d of %d see a global change; a message through "
                   "memory: %s µs" % (ts, tn, us(trtt)),
                   process="%d of %d see a global change; a message through "
                   "a Unix socket: %s µs" % (ps, pn, us(prtt)),
                   tv=None, pv=None, unit="", log=False)
        if ps == 0:
            return row, HOLDS, ("no other process saw a global change; the "
                                "data got there only through a socket")
        return row, NOT, "%d of %d processes saw the change" % (ps, pn)

    def p9(self):
        trtt, tbulk = self.pingpong("thread")
        prtt, pbulk = self.pingpong("process")
        fig = "%s µs per round trip, %s MiB/s in bulk"
        row = dict(thread=fig % (us(trtt), fmt(tbulk)) + " (a queue in memory)",
                   process=fig % (us(prtt), fmt(pbulk)) + " (a Unix socket)",
                   tv=trtt / 1000, pv=prtt / 1000,
                   unit="µs per message round trip", log=True)
        slower_rtt, slower_bulk = prtt > 1.2 * trtt, pbulk < 0.83 * tbulk
        if slower_rtt and slower_bulk:
            return row, HOLDS, ("between processes a round trip took %s× as "
                                "long and bulk ran at %s%% of the threads' "
                                "rate" % (fmt(prtt / trtt),
                                          fmt(100 * pbulk / tbulk)))
        if slower_rtt or slower_bulk:
            return row, CAVEAT, ("a round trip between processes took %s× "
                                 "as long, bulk ran at %s%% of the threads' "
                                 "rate" % (fmt(prtt / trtt),
                                           fmt(100 * pbulk / tbulk)))
        return row, NOT, ("processes passed data as fast as threads (%s× the "
                          "round trip)" % fmt(prtt / trtt))

    def p10(self):
        hi, sc = self.scale()
        (tr, tper), (pr, pper) = sc["thread"], sc["process"]
        fig = "start %s µs + stop %s µs per instance (%d: %d ms + %d ms)"
        tsum, psum = (tper[0] + tper[1]) * 1000, (pper[0] + pper[1]) * 1000
        row = dict(thread=fig % (fmt(tper[0] * 1000), fmt(tper[1] * 1000), hi,
                                 tr[0], tr[1]),
                   process=fig % (fmt(pper[0] * 1000), fmt(pper[1] * 1000), hi,
                                  pr[0], pr[1]),
                   tv=tsum if tsum > 0 else None,
                   pv=psum if psum > 0 else None,
                   unit="µs to start and stop an instance", log=True)
        if psum >= 1.3 * max(tsum, 1):
            return row, HOLDS, ("starting and stopping a process worker took "
                                "%s µs, a thread %s µs" % (fmt(psum), fmt(tsum)))
        return row, NOT, ("a process worker took %s µs to start and stop, a "
                          "thread %s µs" % (fmt(psum), fmt(tsum)))


EXPERIMENTS = {
    "T1": "4 workers computing 2 ms then waiting 6 ms, against 1",
    "T2": "one instance of 4 sets a global; the others watch it",
    "T3": "round trips to a worker blocked on a socket while others spin",
    "T4": "CPU-bound workers, 1 and one per CPU, every CPU",
    "T5": "the same, all held to one CPU by taskset",
    "T6": "`scribble`: one instance of 4 overruns its slot of a global table",
    "T7": "a counter added to by one worker per CPU: no lock, mutex, atomic",
    "T8": "stop a worker that blocks for good, beside 2 healthy ones",
    "T9": "requests to 2 echo workers while crashy.so segfaults each second",
    "T10": "two workers, two mutexes taken in opposite orders (bounded wait)",
    "P1": "`scribble`, as T6",
    "P2": "CPython loop: N processes under supervise, N threads in one",
    "P3": "stop a worker that blocks for good, as T8",
    "P4": "round trips to an echo worker over TCP 127.0.0.1 and a Unix socket",
    "P5": "multiprocessing.managers over TCP loopback; queue.Queue in-process",
    "P6": "as T9: request rate before and after the crashes begin",
    "P7": "PSS of supervise and its workers, idle plugin, 1 to N instances",
    "P8": "as T2, then the data sent between two instances",
    "P9": "two instances: 64-byte round trips, then bulk in 64 KiB chunks",
    "P10": "start (all running) and stop of 1 to N idle instances",
}


def build(data, meta):
    t = Table(data, meta)
    rows = []
    for cid, claim in CLAIMS:
        r = dict(id=cid, claim=claim, experiment=EXPERIMENTS[cid])
        try:
            fig, verdict, why = getattr(t, cid.lower())()
            r.update(thread=fig["thread"], process=fig["process"],
                     thread_value=fig["tv"], process_value=fig["pv"],
                     unit=fig["unit"], log_scale=fig["log"],
                     verdict=verdict, why=why)
        except (Missing, KeyError, ValueError, IndexError,
                ZeroDivisionError) as e:
            r.update(thread="-", process="-", thread_value=None,
                     process_value=None, unit="", log_scale=False,
                     verdict=NA, why="no figure: %s" % (str(e) or
                                                       type(e).__name__))
        rows.append(r)
    return rows


def machine(meta):
    return dict(cpu=meta.get("cpu", "?"), cpus=int(meta.get("ncpu", "0")),
                kernel=meta.get("kernel", "?"), date=meta.get("date", "?"),
                load_average=meta.get("load_avg", "?"),
                quick=meta.get("quick", "0") not in ("", "0"))


def cell(s):
    return str(s).replace("|", "\\|")


def write_md(path, rows, m):
    with open(path, "w") as f:
        f.write("| id | claim | experiment | thread mode | process mode | "
                "verdict |\n|---|---|---|---|---|---|\n")
        for r in rows:
            f.write("| %s | %s | %s | %s | %s | **%s**: %s |\n" % tuple(
                cell(x) for x in (r["id"], r["claim"], r["experiment"],
                                  r["thread"], r["process"], r["verdict"],
                                  r["why"])))
        f.write("\n%s, %d CPUs, %s, %s; load average at the start %s%s.\n"
                % (m["cpu"], m["cpus"], m["kernel"], m["date"],
                   m["load_average"], "; QUICK run" if m["quick"] else ""))


def write_svg(outdir, rows, m):
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        print("seed_report.py: no gnuplot: seed-table.svg not drawn",
              file=sys.stderr)
        return False
    num = [r for r in rows if r["thread_value"] is not None
           and r["process_value"] is not None]
    logs = [r for r in num if r["log_scale"]
            and r["thread_value"] > 0 and r["process_value"] > 0]
    pct = [r for r in num if not r["log_scale"]]
    for name, sel in (("log.dat", logs), ("pct.dat", pct)):
        with open(os.path.join(outdir, name), "w") as f:
            for r in sel:
                f.write('"%s: %s" %g %g\n' % (r["id"], r["unit"],
                                              r["thread_value"],
                                              r["process_value"]))
    def xtics(sel):
        labels = []
        for i, r in enumerate(sel):
            words, lines = r["unit"].split(), [r["id"]]
            line = ""
            for w in words:
                if line and len(line) + len(w) > 12:
                    lines.append(line)
                    line = w
                else:
                    line = (line + " " + w).strip()
            lines.append(line)
            if r["verdict"] == NA:
                lines.append("(not judged)")
            # A tic label is a format: % is written %%.
            text = "\\n".join(x.replace('"', "'").replace("%", "%%")
                               for x in lines)
            labels.append('"%s" %d' % (text, i))
        return "set xtics (%s)" % ", ".join(labels) if labels else ""
    title = "threads against processes, %s, %d CPUs, %s" % (
        m["cpu"], m["cpus"], m["date"])
    script = """
set terminal svg size 1300,1100 dynamic font "sans,10"
set output "seed-table.svg"
set multiplot layout 2,1 title "%s"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top vertical
set grid ytics
set xtics font ",9"
set bmargin 6
set lmargin 12
set title "figures in their own units (log scale)"
set logscale y
%s
plot "log.dat" using 2 title "thread mode" lc rgb "#c0392b", \\
     "" using 3 title "process mode" lc rgb "#2471a3"
unset logscale y
set yrange [0:%g]
set title "shares, %% (linear)"
%s
plot "pct.dat" using 2 title "thread mode" lc rgb "#c0392b", \\
     "" using 3 title "process mode" lc rgb "#2471a3"
unset multiplot
""" % (title.replace('"', "'"), xtics(logs),
       max([105] + [1.1 * max(r["thread_value"], r["process_value"])
                    for r in pct]), xtics(pct))
    with open(os.path.join(outdir, "seed-table.gp"), "w") as f:
        f.write(script)
    r = subprocess.run([gnuplot, "seed-table.gp"], cwd=outdir)
    return r.returncode == 0


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: seed_report.py RAW OUTDIR")
    data, meta = read_raw(argv[1])
    rows = build(data, meta)
    m = machine(meta)
    write_md(os.path.join(argv[2], "seed-table.md"), rows, m)
    with open(os.path.join(argv[2], "seed-table.json"), "w") as f:
        json.dump(dict(machine=m, rows=rows), f, indent=1, ensure_ascii=False)
        f.write("\n")
    drawn = write_svg(argv[2], rows, m)
    for r in rows:
        print("%-4s %-20s %s" % (r["id"], r["verdict"], r["why"]))
    return 0 if drawn else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
