#!/bin/bash
# The documentation says what the tool does.
#
#   tests/run-docs.sh build/domcompat
#
# Two checks, each a case:
#
#   - options: the long options of the option parser (the table in
#     src/tool/main.c, and those tool_hook_main in src/tool/hook.c
#     compares arguments with) and its short ones (its getopt string) are exactly
#     those that `domcompat --help` names, and those that the man page
#     (build/domcompat.1) names, but for a few other programs' options the
#     man page cites (listed below, with the program); every one of them is
#     also named in the README;
#   - json-examples: each JSON example that the README or the man page marks
#     with the command that prints it ("<!-- json-example: ARGS -->" in the
#     README, ".\" json-example: ARGS" in the man page) is run, in a scratch
#     directory holding the document it names, and the real report must
#     have the same members in the same order at every level, values of the
#     same JSON types, and the same values, but where the example elides
#     one ("..."): then the real string must start with what comes before
#     the dots.
#
# Prints "FAIL NAME: what" per failure and last "docs: N passed, M failed";
# exits 1 if any case failed, 2 if it cannot run at all.
set -u

# shellcheck source=tests/runner-lib.sh
. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
repo=$(cd "$(dirname "$0")/.." && pwd)
man_page=$bin_dir/domcompat.1

if ! command -v python3 >/dev/null 2>&1; then
    echo "$0: python3 is needed" >&2
    exit 2
fi
if [ ! -f "$man_page" ]; then
    echo "$0: $man_page is missing; build it first (make all)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-docs.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

python3 - "$domcompat" "$repo" "$man_page" "$fixtures" "$work" <<'EOF'
import json
import os
import re
import subprocess
import sys

domcompat, repo, man_page, fixtures, work = sys.argv[1:]
passed = failed = 0

# Options of other programs the man page cites, and whose they are.
FOREIGN = {"--xml": "virsh restore --xml"}


def report(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(problems[:1])))
        for p in problems:
            print("    " + p)
    else:
        passed += 1


def long_options(text):
    # "--max-..." in a usage line stands for the limits, named one by one elsewhere.
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![\w.-])", text))


def short_options(text):
    return set(re.findall(r"(?<![\w-])-([a-zA-Z])(?=[,\s\[=]|$)", text, re.M))


def roff_text(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")


# --- options ------------------------------------------------------------------------

problems = []
with open(os.path.join(repo, "src/tool/main.c"), encoding="utf-8") as f:
    main_c = f.read()
table = re.search(r"static const struct option options\[\] = \{(.*?)\};", main_c, re.S)
getopt = re.search(r'getopt_long\(argc, argv, "([^"]*)"', main_c)
if not table or not getopt:
    problems.append("cannot find the option table or getopt string in src/tool/main.c")
else:
    parser_long = {"--" + n for n in re.findall(r'\{"([a-z-]+)",', table.group(1))}
    # The hook reads its own few options (src/tool/hook.c, tool_hook_main).
    with open(os.path.join(repo, "src/tool/hook.c"), encoding="utf-8") as f:
        parser_long |= set(re.findall(r'strcmp\(argv\[i\], "(--[a-z][a-z-]*)"\)', f.read()))
    parser_short = set(re.sub(r"[^a-zA-Z]", "", getopt.group(1)))
    help_text = subprocess.run([domcompat, "--help"], capture_output=True, text=True).stdout
    man_text = roff_text(man_page)
    with open(os.path.join(repo, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for where, text in (("--help", help_text), ("the man page", man_text)):
        named = long_options(text)
        if where == "the man page":
            named -= set(FOREIGN)
        for o in sorted(parser_long - named):
            problems.append("%s is an option but %s does not name it" % (o, where))
        for o in sorted(named - parser_long):
            problems.append("%s names %s, which the option parser does not take" % (where, o))
        shorts = short_options(text)
        for o in sorted(parser_short - shorts):
            problems.append("-%s is an option but %s does not name it" % (o, where))
    for o in sorted(parser_long):
        if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), readme):
            problems.append("%s is an option but the README does not name it" % o)
report("options", problems)


# --- JSON examples -----------------------------------------------------------------


def compare(example, actual, where, problems):
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            problems.append("%s: an object in the example, %s in the report" % (where, type(actual).__name__))
            return
        if list(example) != list(actual):
            problems.append("%s: members %s in the example, %s in the report" % (where, list(example), list(actual)))
            return
        for key in example:
            compare(example[key], actual[key], "%s.%s" % (where, key), problems)
    elif isinstance(example, list):
        if not isinstance(actual, list):
            problems.append("%s: an array in the example, %s in the report" % (where, type(actual).__name__))
        elif example and not actual:
            problems.append("%s: empty in the report" % where)
        elif not example and actual:
            problems.append("%s: empty in the example, %d in the report" % (where, len(actual)))
        elif example:
            compare(example[0], actual[0], where + "[0]", problems)
    elif isinstance(example, str) and "..." in example:
        prefix = example.split("...")[0]
        if not isinstance(actual, str) or not actual.startswith(prefix):
            problems.append("%s: %r does not start as the example's %r" % (where, actual, example))
    elif type(example) is not type(actual) or example != actual:
        problems.append("%s: %r in the example, %r in the report" % (where, example, actual))


def readme_examples():
    with open(os.path.join(repo, "README.md"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"<!-- json-example: (.*) -->$", line)
        if not m:
            continue
        block, j = [], i + 1
        while j < len(lines) and lines[j] == "":
            j += 1
        while j < len(lines) and (lines[j].startswith("    ") or lines[j] == ""):
            block.append(lines[j][4:])
            j += 1
        yield "README:%d" % (i + 1), m.group(1), "\n".join(block)


def man_examples():
    lines = roff_text(man_page).split("\n")
    for i, line in enumerate(lines):
        m = re.match(r'\.\\" json-example: (.*)$', line)
        if not m:
            continue
        j = i + 1
        while j < len(lines) and lines[j] != ".nf":
            j += 1
        k = j + 1
        while k < len(lines) and lines[k] != ".fi":
            k += 1
        yield "man page:%d" % (i + 1), m.group(1), "\n".join(lines[j + 1:k])


# The documents the examples name, made so that their first change or
# problem is where the example says: in/db01.xml has a model-only
# pcie-root-port, index 1, at line 41 column 5.
def prepare(scratch):
    os.makedirs(os.path.join(scratch, "in"))
    head = "<domain type='kvm'>\n  <name>db01</name>\n  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n  <devices>\n"
    padding = "".join("    <!-- line %d -->\n" % n for n in range(7, 41))
    with open(os.path.join(scratch, "in/db01.xml"), "w") as f:
        f.write(head + padding + "    <controller type='pci' index='1' model='pcie-root-port'/>\n  </devices>\n</domain>\n")
    with open(os.path.join(fixtures, "check-lossy-json/input.xml"), "rb") as src, \
            open(os.path.join(scratch, "db01.xml"), "wb") as dst:
        dst.write(src.read())


examples = list(readme_examples()) + list(man_examples())
if not any(w.startswith("README") for w, _, _ in examples) or not any(w.startswith("man") for w, _, _ in examples):
    report("json-examples", ["the README and the man page must each mark a JSON example"])
for n, (where, args, text) in enumerate(examples):
    problems = []
    scratch = os.path.join(work, "example%d" % n)
    os.makedirs(scratch)
    prepare(scratch)
    try:
        example = json.loads(text)
    except ValueError as e:
        report("json-example %s" % where, ["the example is not JSON: %s" % e])
        continue
    run = subprocess.run([domcompat] + args.split(), cwd=scratch, capture_output=True, text=True)
    try:
        actual = json.loads(run.stdout)
    except ValueError as e:
        report("json-example %s" % where, ["domcompat %s printed no JSON (%s): %s" % (args, e, run.stderr.strip())])
        continue
    compare(example, actual, "$", problems)
    report("json-example %s (domcompat %s)" % (where, args), problems)

print("docs: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
