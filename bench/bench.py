#!/usr/bin/env python3
"""Times domcompat against xmllint --noout and xsltproc; run by make bench.

    python3 bench/bench.py --tool build/domcompat --measure build/bench/measure \
        --gen-corpus GEN --dir DIR --results MD --chart SVG [options]

Generates its inputs with GEN (gen-corpus.py) under --dir, checks once that
every contender does its job, then times them: each repetition runs every
contender of a group once, in an order that rotates from one repetition to
the next, so that a change in the machine's load falls on all of them.
Each command runs under --measure (bench/measure.c), which takes its wall
time, CPU time and peak RSS from wait4() (for a shell loop, the largest of
its children's RSS).  Prints a table of medians, spreads and ratios
to xmllint --noout on the same input, and whether each target is met, and
writes it with every measurement to --results (Markdown) and --chart (SVG).
A missed target is reported, not an error; a contender that fails is.
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

XMLLINT = "xmllint --noout"


def die(message):
    sys.exit(f"bench: {message}")


def progress(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- running one contender -----------------------------------------------------


class Contender:
    """One command timed on one input; `prepare` runs untimed before each run."""

    def __init__(self, key, group, label, tool, argv, stdout=None, prepare=None):
        self.key, self.group, self.label, self.tool = key, group, label, tool
        self.argv, self.stdout, self.prepare = argv, stdout, prepare
        self.runs = []  # (wall seconds, cpu seconds, peak RSS KiB)

    def run(self, measure, scratch):
        if self.prepare:
            self.prepare()
        err_path = os.path.join(scratch, "stderr")
        result_path = os.path.join(scratch, "measured")
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, self.stdout or os.devnull,
             os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        ]
        remove_file(result_path)
        pid = os.posix_spawn(measure, [measure, result_path] + self.argv, os.environ,
                             file_actions=actions)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            with open(err_path, errors="replace") as f:
                errors = f.read()[-4000:]
            die(f"{self.label} on {self.group} failed (exit {code}):\n"
                f"  {' '.join(shlex.quote(a) for a in self.argv)[:400]}\n{errors}")
        with open(result_path) as f:
            wall, user, system, rss = f.read().split()
        return float(wall), float(user) + float(system), int(rss)

    def median(self, field):
        return statistics.median(r[field] for r in self.runs)

    def spread(self, field):
        values = [r[field] for r in self.runs]
        return min(values), max(values)


def out_directory(requested, root):
    """Where the timed runs write: `requested`, else a tmpfs, else under `root`.

    xmllint --noout writes nothing, and creating a thousand files costs what
    the filesystem makes it cost: on the disk of the committed results,
    between a third of xmllint's whole run and more than all of it, varying
    from one minute to the next.  On a tmpfs the copies still cost every
    system call domcompat makes, without the disk's moods; one run with the
    copies on the disk is reported beside them (DISK_ROW).
    """
    if requested:
        return os.path.abspath(requested), False
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        with open("/proc/mounts") as f:
            if any(line.split()[1:3] == [shm, "tmpfs"] for line in f):
                return os.path.join(shm, f"domcompat-bench-{os.getuid()}"), True
    return os.path.join(root, "out"), False


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def remove_file(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def timed_rounds(contenders, repeat, measure, scratch, what):
    """Each round runs every contender once, starting one further along each time."""
    for r in range(repeat):
        if repeat <= 20 or (r + 1) % 50 == 0:
            progress(f"{what}: repetition {r + 1}/{repeat}")
        n = len(contenders)
        for i in range(n):
            c = contenders[(r + i) % n]
            c.runs.append(c.run(measure, scratch))


# --- inputs --------------------------------------------------------------------


def generate(gen, directory, args):
    """Runs the generator into `directory` unless it already holds that output."""
    with open(gen, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest() + " " + " ".join(args)
    stamp_path = os.path.join(directory, ".stamp")
    try:
        with open(stamp_path) as f:
            if f.read() == stamp:
                return
    except FileNotFoundError:
        pass
    progress(f"generating {directory} ({' '.join(args)})")
    shutil.rmtree(directory, ignore_errors=True)
    subprocess.run([sys.executable, gen, directory] + args, check=True)
    with open(stamp_path, "w") as f:
        f.write(stamp)


def xml_files(directory):
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".xml"))


# --- checking that each contender did the job ----------------------------------


def pci_controllers(path):
    root = ET.parse(path).getroot()
    return [(c.get("index"), c.get("subType"), c.get("model"))
            for c in root.iter("controller") if c.get("type") == "pci"]


def check_same_controllers(reference, other, what):
    """`other` (xsltproc's output) must give every PCI controller what `reference` gives it."""
    got, want = pci_controllers(other), pci_controllers(reference)
    if got != want or any(sub is None for _, sub, _ in want):
        die(f"{what}: {other} does not hold the controllers of {reference}")


def check_outputs(corpus, out, upgraded, huge_inputs):
    names = [os.path.basename(p) for p in xml_files(corpus)]
    for key in ("up-jN", "up-j1", DISK_ROW, NO_CACHE_ROW, "down-jN", "down-j1", "xsltproc-one",
                "xsltproc-loop"):
        if sorted(os.listdir(out[key])) != names:
            die(f"{out[key]} does not hold one output per input")
    for n in names:
        with open(os.path.join(corpus, n), "rb") as f:
            original = f.read()
        with open(os.path.join(out["up-jN"], n), "rb") as f:
            upgraded_bytes = f.read()
        if upgraded_bytes == original:
            die(f"domcompat upgrade left {n} unchanged")
        for key in ("up-j1", DISK_ROW, NO_CACHE_ROW):
            with open(os.path.join(out[key], n), "rb") as f:
                if f.read() != upgraded_bytes:
                    die(f"domcompat upgrade ({key}) and the default disagree on {n}")
        for key in ("down-jN", "down-j1"):
            with open(os.path.join(out[key], n), "rb") as f:
                if f.read() != original:
                    die(f"domcompat downgrade of the upgraded {n} is not the original")
        for key in ("xsltproc-one", "xsltproc-loop"):
            check_same_controllers(os.path.join(upgraded, n), os.path.join(out[key], n), key)
    for label, (_, dc_out, xslt_out) in huge_inputs.items():
        check_same_controllers(dc_out, xslt_out, label)


# --- reporting -----------------------------------------------------------------


def fmt_time(seconds):
    ms = seconds * 1000
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 100:
        return f"{ms:.1f} ms"
    return f"{ms:.0f} ms"


def fmt_rss(kib):
    return f"{kib / 1024:.1f} MiB"


def fmt_ratio(x):
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def version_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True)
    except OSError:
        return "?"
    return (p.stdout + p.stderr).strip()


def machine_info(tool):
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    commit = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"],
                            capture_output=True, text=True)
    return {
        "cpu": model,
        "nproc": len(os.sched_getaffinity(0)),
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "domcompat": version_line([tool, "--version"]).replace("\n", "; "),
        "xmllint": version_line(["xmllint", "--version"]).splitlines()[0],
        "xsltproc": version_line(["xsltproc", "--version"]).replace("\n", "; "),
        "python": platform.python_version(),
        "commit": commit.stdout.strip() if commit.returncode == 0 else "?",
    }


class Report:
    def __init__(self):
        self.rows = []     # (input, contender, baseline) in table order
        self.targets = []  # (met, text)

    def row(self, input_label, c, baseline):
        self.rows.append((input_label, c, baseline))

    def target(self, met, text):
        self.targets.append((met, text))

    def table(self):
        head = ["input", "contender", "time (median)", "time (min-max)", "CPU (median)",
                "peak RSS (median)", "peak RSS (min-max)", "time / xmllint", "RSS / xmllint"]
        lines = []
        for input_label, c, base in self.rows:
            tmin, tmax = c.spread(0)
            rmin, rmax = c.spread(2)
            lines.append([input_label, c.label, fmt_time(c.median(0)),
                          f"{fmt_time(tmin)} - {fmt_time(tmax)}", fmt_time(c.median(1)),
                          fmt_rss(c.median(2)), f"{fmt_rss(rmin)} - {fmt_rss(rmax)}",
                          fmt_ratio(c.median(0) / base.median(0)),
                          fmt_ratio(c.median(2) / base.median(2))])
        return head, lines

    def text_table(self):
        head, lines = self.table()
        widths = [max(len(r[i]) for r in [head] + lines) for i in range(len(head))]
        out = []
        for r in [head, ["-" * w for w in widths]] + lines:
            out.append("  ".join(v.ljust(w) if i < 2 else v.rjust(w)
                                 for i, (v, w) in enumerate(zip(r, widths))).rstrip())
        return "\n".join(out)

    def markdown_table(self):
        head, lines = self.table()
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join(["---", "---"] + ["---:"] * (len(head) - 2)) + "|"]
        for r in lines:
            out.append("| " + " | ".join(v.replace("|", "\\|") for v in r) + " |")
        return "\n".join(out)

    def target_lines(self):
        return [f"{'PASS' if met else 'FAIL'}  {text}" for met, text in self.targets]


# --- the chart -----------------------------------------------------------------

BAR_TOP = 44
# The 1000-file upgrade once more, its copies on the disk: shown, not a target (out_directory()).
DISK_ROW = "up-j1-disk"
# The 1000-file upgrade with the memory of answers off: what the memory cannot flatter.
NO_CACHE_ROW = "up-jN-no-cache"

COLOURS = {"domcompat": "#1f5fa8", "xsltproc": "#d9822b", "xmllint": "#7a7a7a"}


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def log_ticks(lo, hi):
    ticks = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo * 0.9999 <= v <= hi * 1.0001:
                ticks.append(v)
        e += 1
    return ticks


def tick_label(v):
    return f"{v:g}" if v < 1000 else f"{v:,.0f}".replace(",", " ")


def bar_panel(svg, x0, y0, width, bars, title, target):
    """Horizontal bars of ratio to xmllint on a log axis; `bars` are (label, tool, ratio)."""
    row_h, top = 22, BAR_TOP
    plot_x, plot_w = x0, width - 40
    hi = max(max(r for _, _, r in bars) * 1.3, target * 1.5, 2)
    lo = 0.5
    scale = lambda v: plot_x + plot_w * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    h = top + row_h * len(bars) + 30
    svg.append(f'<text x="{x0}" y="{y0 + 16}" class="title">{esc(title)}</text>')
    for t in log_ticks(lo, hi):
        x = scale(t)
        svg.append(f'<line x1="{x:.1f}" y1="{y0 + top - 4}" x2="{x:.1f}" '
                   f'y2="{y0 + top + row_h * len(bars)}" class="grid"/>')
        svg.append(f'<text x="{x:.1f}" y="{y0 + top + row_h * len(bars) + 14}" '
                   f'class="tick" text-anchor="middle">{tick_label(t)}x</text>')
    x1 = scale(1)
    for i, (label, tool, ratio) in enumerate(bars):
        y = y0 + top + i * row_h
        x = scale(max(ratio, lo))
        left, right = min(x1, x), max(x1, x)
        svg.append(f'<rect x="{left:.1f}" y="{y + 3}" width="{max(right - left, 1):.1f}" '
                   f'height="{row_h - 6}" fill="{COLOURS[tool]}"><title>{esc(label)}: '
                   f'{fmt_ratio(ratio)}</title></rect>')
        svg.append(f'<text x="{right + 4:.1f}" y="{y + row_h - 7}" class="value">'
                   f'{fmt_ratio(ratio)}</text>')
    xt = scale(target)
    svg.append(f'<line x1="{xt:.1f}" y1="{y0 + top - 8}" x2="{xt:.1f}" '
               f'y2="{y0 + top + row_h * len(bars)}" class="target"/>')
    svg.append(f'<text x="{xt + 3:.1f}" y="{y0 + top - 10}" class="target-label">'
               f'target {target:g}x</text>')
    return h


def bar_labels(svg, x0, y0, bars):
    row_h, top = 22, BAR_TOP
    for i, (label, _, _) in enumerate(bars):
        svg.append(f'<text x="{x0}" y="{y0 + top + i * row_h + row_h - 7}" '
                   f'class="label" text-anchor="end">{esc(label)}</text>')


def line_panel(svg, x0, y0, width, height, title, ylabel, series, ylog):
    """Lines over the controller counts on a log x axis; `series` are (name, tool, [(x, y)])."""
    left, bottom, top = 60, 40, 28
    pw, ph = width - left - 20, height - top - bottom
    xs = sorted({x for _, _, pts in series for x, _ in pts})
    ys = [y for _, _, pts in series for _, y in pts]
    xlo, xhi = xs[0] / 1.5, xs[-1] * 1.5
    if ylog:
        ylo, yhi = min(ys) / 1.5, max(ys) * 1.5
        yticks = log_ticks(ylo, yhi)
        ymap = lambda v: (math.log10(v) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo))
    else:
        ylo, step = 0, 10 ** math.floor(math.log10(max(ys) / 2))
        for m in (1, 2, 5, 10):
            if max(ys) / (m * step) <= 6:
                step *= m
                break
        yhi = step * math.ceil(max(ys) * 1.1 / step)
        yticks = [step * i for i in range(int(round(yhi / step)) + 1)]
        ymap = lambda v: (v - ylo) / (yhi - ylo)
    sx = lambda v: x0 + left + pw * (math.log10(v) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo))
    sy = lambda v: y0 + top + ph * (1 - ymap(v))
    svg.append(f'<text x="{x0}" y="{y0 + 16}" class="title">{esc(title)}</text>')
    for t in yticks:
        svg.append(f'<line x1="{x0 + left}" y1="{sy(t):.1f}" x2="{x0 + left + pw}" '
                   f'y2="{sy(t):.1f}" class="grid"/>')
        svg.append(f'<text x="{x0 + left - 4}" y="{sy(t) + 4:.1f}" class="tick" '
                   f'text-anchor="end">{tick_label(round(t, 6))}</text>')
    for x in xs:
        svg.append(f'<line x1="{sx(x):.1f}" y1="{y0 + top}" x2="{sx(x):.1f}" '
                   f'y2="{y0 + top + ph}" class="grid"/>')
        svg.append(f'<text x="{sx(x):.1f}" y="{y0 + top + ph + 14}" class="tick" '
                   f'text-anchor="middle">{tick_label(x)}</text>')
    svg.append(f'<text x="{x0 + left + pw / 2:.1f}" y="{y0 + top + ph + 32}" class="tick" '
               f'text-anchor="middle">PCI controllers in the domain</text>')
    svg.append(f'<text x="{x0 + 12}" y="{y0 + top + ph / 2:.1f}" class="tick" '
               f'text-anchor="middle" transform="rotate(-90 {x0 + 12} {y0 + top + ph / 2:.1f})">'
               f'{esc(ylabel)}</text>')
    svg.append(f'<rect x="{x0 + left}" y="{y0 + top}" width="{pw}" height="{ph}" class="frame"/>')
    for i, (name, tool, pts) in enumerate(series):
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[tool]}" '
                   f'stroke-width="2"/>')
        for x, y in pts:
            svg.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{COLOURS[tool]}">'
                       f'<title>{esc(name)}, {tick_label(x)}: {y:.3g}</title></circle>')
        ly = y0 + top + 14 + 16 * i
        svg.append(f'<line x1="{x0 + left + 10}" y1="{ly - 4}" x2="{x0 + left + 28}" '
                   f'y2="{ly - 4}" stroke="{COLOURS[tool]}" stroke-width="2"/>')
        svg.append(f'<text x="{x0 + left + 32}" y="{ly}" class="legend">{esc(name)}</text>')


def write_chart(path, bars_time, bars_rss, growth_time, growth_rss, subtitle):
    width, label_w, panel_w = 1060, 340, 340
    svg = []
    bar_labels(svg, label_w - 8, 40, bars_time)
    h1 = bar_panel(svg, label_w, 40, panel_w, bars_time, "wall time / xmllint --noout's, same input",
                   2)
    bar_panel(svg, label_w + panel_w + 20, 40, panel_w, bars_rss,
              "peak RSS / xmllint --noout's, same input", 1.5)
    y = 40 + h1 + 20
    line_panel(svg, 10, y, width // 2 - 10, 300, "huge domain: wall time per controller",
               "µs per controller (log; flat = linear)", growth_time, True)
    line_panel(svg, width // 2, y, width // 2, 300, "huge domain: peak RSS",
               "MiB (log scale)", growth_rss, True)
    height = y + 300 + 30
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        "<style>.title{font-size:13px;font-weight:bold}.label,.value,.legend{font-size:12px}"
        ".tick{font-size:11px;fill:#444}.grid{stroke:#ddd;stroke-width:1}"
        ".frame{fill:none;stroke:#999}.target{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:5,3}"
        ".target-label{font-size:11px;fill:#c0392b}</style>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" class="title">domcompat benchmark (make bench): medians; {esc(subtitle)}</text>',
    ]
    for i, tool in enumerate(("domcompat", "xsltproc")):
        x = 10 + 110 * i
        head.append(f'<rect x="{x}" y="{height - 18}" width="12" height="12" fill="{COLOURS[tool]}"/>'
                    f'<text x="{x + 16}" y="{height - 8}" class="legend">{tool}</text>')
    with open(path, "w") as f:
        f.write("\n".join(head + svg + ["</svg>", ""]))


# --- main ----------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", required=True, help="the domcompat binary")
    ap.add_argument("--measure", required=True, help="bench/measure.c, built")
    ap.add_argument("--gen-corpus", required=True, help="gen-corpus.py")
    ap.add_argument("--dir", required=True, help="inputs and outputs (not committed)")
    ap.add_argument("--out-dir", help="where converted copies go (default: a tmpfs if any, "
                                      "see out_directory())")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--huge", type=int, default=20000)
    ap.add_argument("--scales", default="1000 10000 100000")
    ap.add_argument("--small-repeat", type=int, default=200)
    ap.add_argument("--results", required=True, help="the Markdown report to write")
    ap.add_argument("--chart", required=True, help="the SVG chart to write")
    a = ap.parse_args()

    if not os.path.isfile(a.gen_corpus):
        die(f"no corpus generator at {a.gen_corpus}; set GEN_CORPUS=PATH/gen-corpus.py")
    tool = os.path.abspath(a.tool)
    if not os.access(tool, os.X_OK):
        die(f"no domcompat at {a.tool}; run make first")
    measure = os.path.abspath(a.measure)
    if not os.access(measure, os.X_OK):
        die(f"no measure at {a.measure}; make bench builds it")
    xmllint, xsltproc = shutil.which("xmllint"), shutil.which("xsltproc")
    if not xmllint or not xsltproc:
        die("needs xmllint and xsltproc (Debian: libxml2-utils, xsltproc)")
    try:
        scales = sorted({int(s) for s in a.scales.split()})
    except ValueError:
        die(f"BENCH_SCALES must be numbers of controllers, not {a.scales!r}")
    if a.repeat < 1 or a.count < 1 or a.huge < 1 or not scales or min(scales) < 1:
        die("BENCH_REPEAT, BENCH_COUNT, BENCH_HUGE and BENCH_SCALES must be positive")
    here = os.path.dirname(os.path.abspath(__file__))
    plain, plain_many = os.path.join(here, "plain-upgrade.xsl"), os.path.join(here, "plain-upgrade-many.xsl")
    root = os.path.abspath(a.dir)
    inputs, scratch = (os.path.join(root, d) for d in ("inputs", "scratch"))
    out_root, on_tmpfs = out_directory(a.out_dir, root)
    disk_root = os.path.join(root, "out-disk")
    for d in (inputs, out_root, scratch, disk_root):
        os.makedirs(d, exist_ok=True)
    started = time.time()
    load_before = os.getloadavg()
    info = machine_info(tool)
    jobs = info["nproc"]

    # Inputs: the corpus, its upgraded copies (downgrade's input) and one huge
    # domain per size.
    corpus = os.path.join(inputs, f"corpus-{a.count}")
    generate(a.gen_corpus, corpus, ["--count", str(a.count)])
    files = xml_files(corpus)
    sizes = sorted(set(scales) | {a.huge})
    huge = {}
    for n in sizes:
        d = os.path.join(inputs, f"huge-{n}")
        generate(a.gen_corpus, d, ["--count", "0", "--huge", str(n)])
        huge[n] = os.path.join(d, "huge.xml")
    # The same size with every controller different (its own <target> and
    # address): each is a question of its own, which the memory cannot answer.
    distinct_dir = os.path.join(inputs, f"huge-{a.huge}-distinct")
    generate(a.gen_corpus, distinct_dir, ["--count", "0", "--huge", str(a.huge), "--distinct", "1"])
    distinct = os.path.join(distinct_dir, "huge.xml")
    upgraded = os.path.join(inputs, f"upgraded-{a.count}")
    fresh_dir(upgraded)
    subprocess.run([tool, "upgrade", "-q", "-r", "-o", upgraded, corpus], check=True)
    file_list = os.path.join(inputs, f"corpus-{a.count}.list.xml")

    out = {k: os.path.join(out_root, k) for k in
           ("up-jN", "up-j1", NO_CACHE_ROW, "down-jN", "down-j1", "xsltproc-one", "xsltproc-loop",
            "small")}
    out[DISK_ROW] = os.path.join(disk_root, "up-j1")
    with open(file_list, "w") as f:
        f.write(f"<files out='{esc(out['xsltproc-one'])}/'>\n")
        for p in files:
            f.write(f"  <file href='{esc(p)}' name='{esc(os.path.basename(p))}'/>\n")
        f.write("</files>\n")

    corpus_label = f"{len(files)} files"
    g = corpus_label
    loop = ('x=$1 s=$2 out=$3; shift 3; for f in "$@"; do '
            '"$x" "$s" "$f" > "$out/${f##*/}" || exit 1; done')
    corpus_set = [
        Contender("up-jN", g, f"domcompat upgrade -j {jobs} (default)", "domcompat",
                  [tool, "upgrade", "-q", "-j", str(jobs), "-r", "-o", out["up-jN"], corpus],
                  prepare=lambda: fresh_dir(out["up-jN"])),
        Contender("up-j1", g, "domcompat upgrade -j 1", "domcompat",
                  [tool, "upgrade", "-q", "-j", "1", "-r", "-o", out["up-j1"], corpus],
                  prepare=lambda: fresh_dir(out["up-j1"])),
        Contender(DISK_ROW, g, "domcompat upgrade -j 1, copies on the disk", "domcompat",
                  [tool, "upgrade", "-q", "-j", "1", "-r", "-o", out[DISK_ROW], corpus],
                  prepare=lambda: fresh_dir(out[DISK_ROW])),
        Contender(NO_CACHE_ROW, g, f"domcompat upgrade -j {jobs} --no-cache", "domcompat",
                  [tool, "upgrade", "-q", "-j", str(jobs), "--no-cache", "-r", "-o",
                   out[NO_CACHE_ROW], corpus], prepare=lambda: fresh_dir(out[NO_CACHE_ROW])),
        Contender("down-jN", g, f"domcompat downgrade --to legacy -j {jobs}", "domcompat",
                  [tool, "downgrade", "--to", "legacy", "-q", "-j", str(jobs), "-r", "-o",
                   out["down-jN"], upgraded], prepare=lambda: fresh_dir(out["down-jN"])),
        Contender("down-j1", g, "domcompat downgrade --to legacy -j 1", "domcompat",
                  [tool, "downgrade", "--to", "legacy", "-q", "-j", "1", "-r", "-o",
                   out["down-j1"], upgraded], prepare=lambda: fresh_dir(out["down-j1"])),
        Contender("xmllint", g, XMLLINT, "xmllint", [xmllint, "--noout"] + files),
        Contender("xsltproc-one", g, "xsltproc, one process", "xsltproc",
                  [xsltproc, plain_many, file_list], prepare=lambda: fresh_dir(out["xsltproc-one"])),
        Contender("xsltproc-loop", g, "xsltproc, one process per file", "xsltproc",
                  ["/bin/sh", "-c", loop, "sh", xsltproc, plain, out["xsltproc-loop"]] + files,
                  prepare=lambda: fresh_dir(out["xsltproc-loop"])),
    ]
    huge_sets, huge_outputs = {}, {}
    for n in sizes:
        g = f"huge, {n} controllers"
        dc_out = os.path.join(out_root, f"huge-{n}.domcompat.xml")
        xs_out = os.path.join(out_root, f"huge-{n}.xsltproc.xml")
        huge_outputs[f"huge domain, {n} controllers"] = (huge[n], dc_out, xs_out)
        huge_sets[n] = [
            Contender("huge-dc", g, "domcompat upgrade", "domcompat",
                      [tool, "upgrade", "-q", huge[n]], stdout=dc_out),
            Contender("xmllint", g, XMLLINT, "xmllint", [xmllint, "--noout", huge[n]]),
            Contender("huge-xsltproc", g, "xsltproc", "xsltproc", [xsltproc, plain, huge[n]],
                      stdout=xs_out),
        ]
    distinct_label = f"huge, {a.huge} distinct controllers"
    g = distinct_label
    dc_out = os.path.join(out_root, f"huge-{a.huge}-distinct.domcompat.xml")
    xs_out = os.path.join(out_root, f"huge-{a.huge}-distinct.xsltproc.xml")
    huge_outputs[f"huge domain, {a.huge} distinct controllers"] = (distinct, dc_out, xs_out)
    distinct_set = [
        Contender("huge-dc", g, "domcompat upgrade", "domcompat",
                  [tool, "upgrade", "-q", distinct], stdout=dc_out),
        Contender("xmllint", g, XMLLINT, "xmllint", [xmllint, "--noout", distinct]),
        Contender("huge-xsltproc", g, "xsltproc", "xsltproc", [xsltproc, plain, distinct],
                  stdout=xs_out),
    ]
    small = files[0]
    small_out = os.path.join(out["small"], os.path.basename(small))
    g = f"1 file ({os.path.basename(small)})"
    os.makedirs(out["small"], exist_ok=True)
    small_set = [
        Contender("small-dc", g, "domcompat upgrade -o DIR", "domcompat",
                  [tool, "upgrade", "-q", "-o", out["small"], small],
                  prepare=lambda: remove_file(small_out)),
        Contender("xmllint", g, XMLLINT, "xmllint", [xmllint, "--noout", small]),
    ]

    # One untimed round warms the caches and shows that each contender does the job.
    progress("checking every contender once (untimed)")
    for c in corpus_set + [c for n in sizes for c in huge_sets[n]] + distinct_set + small_set:
        c.run(measure, scratch)
    check_outputs(corpus, out, upgraded, huge_outputs)
    with open(small, "rb") as f1, open(small_out, "rb") as f2:
        if f1.read() == f2.read():
            die(f"domcompat upgrade -o left {small} unchanged")

    timed_rounds(corpus_set, a.repeat, measure, scratch, corpus_label)
    for n in sizes:
        timed_rounds(huge_sets[n], a.repeat, measure, scratch, f"huge domain, {n} controllers")
    timed_rounds(distinct_set, a.repeat, measure, scratch, distinct_label)
    timed_rounds(small_set, a.small_repeat, measure, scratch, "one small file")
    elapsed = time.time() - started
    load_after = os.getloadavg()

    # The table, in reading order, and the targets.
    rep = Report()
    by = {c.key: c for c in corpus_set}
    for c in corpus_set:
        rep.row(corpus_label, c, by["xmllint"])
    for n in sizes:
        hb = {c.key: c for c in huge_sets[n]}
        for c in huge_sets[n]:
            rep.row(f"huge, {n} controllers", c, hb["xmllint"])
    db = {c.key: c for c in distinct_set}
    for c in distinct_set:
        rep.row(distinct_label, c, db["xmllint"])
    sb = {c.key: c for c in small_set}
    for c in small_set:
        rep.row(small_set[0].group, c, sb["xmllint"])

    t = lambda c: c.median(0)
    for key in ("up-jN", "up-j1"):
        c = by[key]
        r = t(c) / t(by["xmllint"])
        rep.target(r <= 2, f"{corpus_label}, {c.label}: {fmt_ratio(r)} xmllint --noout's time "
                           f"(target: at most 2x)")
        s = t(by["xsltproc-loop"]) / t(c)
        rep.target(s >= 20, f"{corpus_label}, {c.label}: {fmt_ratio(s)} faster than the "
                            f"per-file xsltproc loop (target: at least 20x)")
    c = by[NO_CACHE_ROW]
    r = t(c) / t(by["xmllint"])
    rep.target(r <= 3, f"{corpus_label}, {c.label}: {fmt_ratio(r)} xmllint --noout's time "
                       f"(target: at most 3x; the default: "
                       f"{fmt_ratio(t(by['up-jN']) / t(by['xmllint']))})")
    r = t(db["huge-dc"]) / t(db["xmllint"])
    rep.target(r <= 4, f"{distinct_label}: {fmt_ratio(r)} xmllint --noout's time "
                       f"(target: at most 4x; xsltproc, which validates nothing: "
                       f"{fmt_ratio(t(db['huge-xsltproc']) / t(db['xmllint']))})")
    m = db["huge-dc"].median(2) / db["xmllint"].median(2)
    rep.target(m <= 1.5, f"{distinct_label}: {fmt_ratio(m)} xmllint --noout's peak RSS "
                         f"(target: at most 1.5x)")
    hb = {c.key: c for c in huge_sets[a.huge]}
    r = t(hb["huge-dc"]) / t(hb["xmllint"])
    rep.target(r <= 2, f"huge, {a.huge} controllers: {fmt_ratio(r)} xmllint --noout's time "
                       f"(target: at most 2x)")
    m = hb["huge-dc"].median(2) / hb["xmllint"].median(2)
    rep.target(m <= 1.5, f"huge, {a.huge} controllers: {fmt_ratio(m)} xmllint --noout's peak RSS "
                         f"(target: at most 1.5x)")
    lo, hi = scales[0], scales[-1]
    per = {n: t({c.key: c for c in huge_sets[n]}["huge-dc"]) / n for n in sizes}
    growth = per[hi] / per[lo]
    rep.target(growth <= 1.3, f"growth, {lo} to {hi} controllers: time per controller "
                              f"{per[lo] * 1e6:.1f} us to {per[hi] * 1e6:.1f} us, {fmt_ratio(growth)} "
                              f"(target: at most 1.3x)")
    r = t(sb["small-dc"]) / t(sb["xmllint"])
    rep.target(r < 2, f"{small_set[0].group} end to end: {fmt_ratio(r)} xmllint --noout's time "
                      f"(target: under 2x)")
    # Time per controller net of a process's fixed cost (the small file's),
    # which otherwise flatters the smallest domain: information, no target.
    base = t(sb["small-dc"])
    net = {n: (t({c.key: c for c in huge_sets[n]}["huge-dc"]) - base) / n for n in sizes}
    net_note = (f"net of the fixed cost of one small file ({fmt_time(base)}): time per controller "
                f"{net[lo] * 1e6:.1f} us at {lo}, {net[hi] * 1e6:.1f} us at {hi} "
                f"({fmt_ratio(net[hi] / net[lo]) if net[lo] > 0 else 'n/a'})")

    command = " ".join(shlex.quote(x) for x in [os.path.basename(sys.executable)] + sys.argv)
    print()
    print(rep.text_table())
    print()
    for line in rep.target_lines():
        print(line)
    print(f"      ({net_note})")
    missed = sum(1 for met, _ in rep.targets if not met)
    print(f"\n{len(rep.targets) - missed} of {len(rep.targets)} targets met; "
          f"{elapsed:.0f} s; results in {a.results} and {a.chart}")

    # Raw numbers, machine, command.
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [
        "# domcompat benchmark results",
        "",
        "Written by `make bench` (bench/bench.py); see README.md, *Benchmarks*. "
        "Times are wall-clock medians over the repetitions, spreads are min - max, "
        "peak RSS is the process's maximum resident set (for the shell loop, the largest "
        "xsltproc's); ratios compare medians with `xmllint --noout` on the same input in "
        "the same run.",
        "",
        "These numbers were measured on a shared virtual machine: they are noisy, and "
        "only the ratios within one run mean much.",
        "",
        "![chart](results.svg)",
        "",
        "## Summary",
        "",
        rep.markdown_table(),
        "",
        "## Targets",
        "",
    ] + [f"- {line}" for line in rep.target_lines()] + [
        f"- ({net_note})",
        "",
        f"{len(rep.targets) - missed} of {len(rep.targets)} targets met.",
        "",
        "## What ran",
        "",
        f"- {corpus_label}: the corpus of gen-corpus.py --count {a.count} (default seed). "
        f"`domcompat upgrade -q -j N -r -o OUT CORPUS` with the default -j ({jobs}, one per "
        "processor) and -j 1; `domcompat downgrade --to legacy -q -j N -r -o OUT2 UPGRADED` "
        "on the upgraded copies; `xmllint --noout FILE...`; `xsltproc "
        "bench/plain-upgrade-many.xsl LIST` (bench/plain-upgrade.xsl over every file "
        "in one process, each read with document() and written with exsl:document; libxslt "
        "keeps every document so read until the end, hence its memory); "
        "`for f in FILE...; do xsltproc bench/plain-upgrade.xsl \"$f\" > OUT/...; done`. "
        "Each output directory is emptied before each run, untimed.",
        f"- Every output, huge domains included, went to {out_root}"
        + (" (a tmpfs: see out_directory() in bench/bench.py for why)" if on_tmpfs else "")
        + f"; the row \"copies on the disk\" wrote to {disk_root}, beside the inputs, and "
        "is there to show what the disk adds: it is no target.",
        "- huge, N controllers: gen-corpus.py --count 0 --huge N (its controllers repeat "
        "every 256). `domcompat upgrade -q huge.xml > OUT`; `xmllint --noout huge.xml`; "
        "`xsltproc bench/plain-upgrade.xsl huge.xml > OUT`.",
        f"- {distinct_label}: gen-corpus.py --count 0 --huge {a.huge} --distinct 1 (every "
        "controller its own <target> and address, so the memory of answers answers none), "
        "the same three commands.",
        f"- {corpus_label}, --no-cache: the default upgrade with the memory of answers off "
        "(each controller asked about as itself); it must write the same bytes.",
        f"- {small_set[0].group}: `domcompat upgrade -q -o DIR FILE` (the copy removed "
        "before each run, untimed) and `xmllint --noout FILE`.",
        "- Before timing, one untimed round checks the outputs: upgrade changed every file "
        "and -j 1 wrote the same bytes as the default; downgrade gave back the original "
        "bytes; xsltproc gave every PCI controller the same subType and model as domcompat.",
        f"- Repetitions: {a.repeat} ({a.small_repeat} for the single file), each running "
        "every contender of its group once, the starting contender rotating.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}; {info['nproc']} processors available; {info['kernel']}",
        f"- load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in load_before)} at the "
        f"start, {' '.join(f'{v:.2f}' for v in load_after)} at the end",
        f"- {info['domcompat']}",
        f"- {info['xmllint']}",
        f"- {info['xsltproc']}",
        f"- Python {info['python']}; source tree {info['commit']}",
        f"- date: {when}; the run took {elapsed:.0f} s",
        "",
        "The command `make bench` ran:",
        "",
        f"    {command}",
        "",
        "## Raw numbers",
        "",
        "Per repetition, in the order run: wall time in seconds / CPU time (user + system) "
        "in seconds / peak RSS in KiB. A wall time well above the CPU time of a one-thread "
        "run is time spent waiting, for the disk or for the processor.",
        "",
    ]
    for input_label, c, _ in rep.rows:
        md.append(f"- {input_label}, {c.label}: "
                  + ", ".join(f"{w:.4f}/{u:.3f}/{k}" for w, u, k in c.runs))
    md.append("")
    os.makedirs(os.path.dirname(os.path.abspath(a.results)), exist_ok=True)
    with open(a.results, "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(root, "results.json"), "w") as f:
        json.dump({"machine": info, "command": command, "date": when, "targets": rep.targets,
                   "runs": [{"input": i, "contender": c.label, "runs": c.runs}
                            for i, c, _ in rep.rows]}, f, indent=1)

    bars = [(f"{corpus_label}: {by[k].label}", by[k].tool, by[k])
            for k in ("up-jN", "up-j1", DISK_ROW, NO_CACHE_ROW, "down-jN", "xsltproc-one",
                      "xsltproc-loop")]
    bars += [(f"huge ({a.huge}): {hb[k].label}", hb[k].tool, hb[k]) for k in ("huge-dc", "huge-xsltproc")]
    bars += [(f"huge ({a.huge} distinct): {db[k].label}", db[k].tool, db[k])
             for k in ("huge-dc", "huge-xsltproc")]
    bars += [(f"1 file: {sb['small-dc'].label}", "domcompat", sb["small-dc"])]
    base_of = {id(c): b for _, c, b in rep.rows}
    bars_time = [(l, tl, c.median(0) / base_of[id(c)].median(0)) for l, tl, c in bars]
    bars_rss = [(l, tl, c.median(2) / base_of[id(c)].median(2)) for l, tl, c in bars]
    growth_time, growth_rss = [], []
    for key, name in (("huge-dc", "domcompat upgrade"), ("huge-xsltproc", "xsltproc"),
                      ("xmllint", XMLLINT)):
        cs = {n: {c.key: c for c in huge_sets[n]}[key] for n in sizes}
        tool_name = cs[sizes[0]].tool
        growth_time.append((name, tool_name, [(n, cs[n].median(0) / n * 1e6) for n in sizes]))
        growth_rss.append((name, tool_name, [(n, cs[n].median(2) / 1024) for n in sizes]))
    write_chart(a.chart, bars_time, bars_rss, growth_time, growth_rss,
                f"{info['cpu']}, {info['nproc']} processors, shared; {when}")
    if on_tmpfs:
        shutil.rmtree(out_root, ignore_errors=True)  # memory, not disk: given back


if __name__ == "__main__":
    main()
