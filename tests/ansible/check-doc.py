#!/usr/bin/python3
"""Checks an Ansible module's documentation against its code, as Ansible's
own module validation does: DOCUMENTATION, EXAMPLES and RETURN are YAML, and
DOCUMENTATION's options are exactly the module's ARGUMENT_SPEC (names,
types, element types, required, defaults, choices, aliases).  Every option an
example of the module uses is documented.

    python3 tests/ansible/check-doc.py contrib/ansible/library/domcompat.py
"""

import importlib.util
import sys

import yaml

FIELDS = ("type", "elements", "required", "default", "choices", "aliases")
# What Ansible assumes when a field is left out.
IMPLIED = {"type": "str", "required": False, "default": None, "elements": None,
           "choices": None, "aliases": None}


def load(path):
    spec = importlib.util.spec_from_file_location("module_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def field(entry, name):
    value = entry.get(name, IMPLIED[name])
    return [] if name == "aliases" and value is None else value


def main(path):
    module = load(path)
    problems = []
    doc = yaml.safe_load(module.DOCUMENTATION)
    examples = yaml.safe_load(module.EXAMPLES)
    returned = yaml.safe_load(module.RETURN)
    name = doc["module"]
    documented = doc.get("options") or {}
    spec = module.ARGUMENT_SPEC

    for option in sorted(set(documented) | set(spec)):
        if option not in spec:
            problems.append("%s: documented but not in the argument_spec" % option)
            continue
        if option not in documented:
            problems.append("%s: in the argument_spec but not documented" % option)
            continue
        if not documented[option].get("description"):
            problems.append("%s: no description" % option)
        for f in FIELDS:
            doc_value, spec_value = field(documented[option], f), field(spec[option], f)
            if doc_value != spec_value:
                problems.append("%s: %s is %r in the documentation, %r in the argument_spec"
                                % (option, f, doc_value, spec_value))

    known = set(spec) | {a for entry in spec.values() for a in entry.get("aliases") or []}
    # Examples may set up with other modules; those calling this one must
    # pass it options, and there must be one.
    calls = [e for e in examples if name in e]
    if not calls:
        problems.append("no example calls %s" % name)
    for example in calls:
        args = example[name]
        if not isinstance(args, dict):
            problems.append("example %r does not call %s with options" % (example.get("name"), name))
            continue
        for option in set(args) - known:
            problems.append("example %r: unknown option %s" % (example.get("name"), option))
    for key, entry in returned.items():
        for f in ("description", "returned", "type"):
            if f not in entry:
                problems.append("RETURN %s: no %s" % (key, f))

    for p in problems:
        print("%s: %s" % (path, p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
