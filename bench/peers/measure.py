"""Runs a client command (or a pipeline `A | B`) and measures it: wall seconds, each client
process's peak RSS (GNU /usr/bin/time %M, i.e. ru_maxrss; a client is started by time, not
forked from this Python process, whose resident pages Linux would otherwise count in the
child's ru_maxrss) and the peak VmHWM of the PostgreSQL backends the
clients open. Backends are recognised by their process title, `postgres: <role> ...`, so each
peer connects as its own role; they are children of the postmaster, sampled every 20 ms (a
backend's last 20 ms can be missed; the clients' big statements last far longer).
Stdlib only. Prints one JSON object on stdout.

Usage: measure.py --pmpid PID --role ROLE --log PREFIX [--names A,B] -- CMD [ARGS...] [ '|' CMD [ARGS...] ]
  stderr of command i goes to PREFIX.i.err, stdout of the last command to PREFIX.out.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time


def vmhwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class BackendSampler(threading.Thread):
    def __init__(self, pmpid, role, interval=0.02):
        super().__init__(daemon=True)
        self.children_file = f"/proc/{pmpid}/task/{pmpid}/children"
        self.title = f"postgres: {role} ".encode()
        self.interval = interval
        self.peaks = {}
        self.stopping = threading.Event()

    def sample(self):
        try:
            with open(self.children_file, encoding="ascii") as f:
                pids = f.read().split()
        except OSError:
            return
        for pid in pids:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if not f.read().startswith(self.title):
                        continue
            except OSError:
                continue
            kb = vmhwm_kb(pid)
            if kb is not None and kb > self.peaks.get(pid, 0):
                self.peaks[pid] = kb

    def run(self):
        while not self.stopping.is_set():
            self.sample()
            time.sleep(self.interval)

    def stop(self):
        self.stopping.set()
        self.join()
        self.sample()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pmpid", required=True)
    parser.add_argument("--role", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--names", help="comma-separated client names for the JSON (default: argv[0])")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.command[1:] if args.command[:1] == ["--"] else args.command
    commands, current = [], []
    for word in argv:
        if word == "|":
            commands.append(current)
            current = []
        else:
            current.append(word)
    commands.append(current)
    if not all(commands):
        sys.exit("measure.py: empty command")

    sampler = BackendSampler(args.pmpid, args.role)
    sampler.start()
    start = time.monotonic()
    procs, stdin = [], subprocess.DEVNULL
    for i, cmd in enumerate(commands):
        last = i == len(commands) - 1
        stdout = open(args.log + ".out", "wb") if last else subprocess.PIPE
        timed = ["/usr/bin/time", "-f", "%M", "-o", f"{args.log}.{i}.rss", "--"] + cmd
        with open(f"{args.log}.{i}.err", "wb") as err:
            proc = subprocess.Popen(timed, stdin=stdin, stdout=stdout, stderr=err)
        if stdin not in (subprocess.DEVNULL, None):
            stdin.close()  # only the next process holds the pipe, so EOF reaches it
        stdin = proc.stdout
        if last:
            stdout.close()
        procs.append(proc)
    names = args.names.split(",") if args.names else [os.path.basename(c[0]) for c in commands]
    clients = []
    for i, (name, proc) in enumerate(zip(names, procs)):
        proc.wait()
        with open(f"{args.log}.{i}.rss", encoding="ascii") as f:
            maxrss = int(f.read().split()[-1])  # after a "Command exited with non-zero status" line
        clients.append({"name": name, "rc": proc.returncode, "maxrss_kb": maxrss})
    wall = time.monotonic() - start
    sampler.stop()
    print(json.dumps({
        "wall_s": round(wall, 3),
        "clients": clients,
        "backend_peak_kb": max(sampler.peaks.values(), default=None),
        "backends": len(sampler.peaks),
    }))


if __name__ == "__main__":
    main()
