#!/usr/bin/env python3
"""explain against real libvirt and QEMU, for one domain (tests/run-host.sh).

    explain-oracle.py [--complete-only] EXPLAIN_JSON ARGV_FILE [QUERY_PCI_JSON [TREE]]

EXPLAIN_JSON: `domcompat explain --format json --to libvirt-V --target-caps
CACHE` of the domain libvirt defined (its inactive definition); ARGV_FILE:
`virsh domxml-to-native qemu-argv` of the same definition; QUERY_PCI_JSON:
QEMU's answer to query-pci with the domain started paused.

Checks, for each PCI controller explain lists:
  - its -device argument is, byte for byte, the one libvirt wrote with the
    same id, and a controller for which explain gives none has none;
  - QEMU shows a device with that id at the slot and function explain
    prints, with the vendor:device ID explain prints, behind the bridge
    (or on the root bus) explain's address names: the tree.
TREE: `explain --tree` of the same definition; each controller it shows
must hang below the controller (or root bus) that QEMU shows it behind.
With --complete-only, controllers whose argument lacks what libvirt
chooses when it defines the domain (chosen_by_libvirt) are left out.
Where explain says QEMU adds a bridge in front of a controller's bus (pxb),
QEMU must show it (with the controller's id) at the root bus and slot
explain prints, and the controller's children behind it.  Every PCI bridge
and host bridge QEMU shows (by id) must be one of explain's controllers.
Prints one line per disagreement and last "CONTROLLERS DEVICES_AGREED
IDS_AGREED POSITIONS_AGREED BRIDGES_AGREED"; exits 1 on any disagreement.
"""
import json
import shlex
import sys


def device_id(arg):
    """The id property of a -device argument in either syntax."""
    if arg.startswith("{"):
        return json.loads(arg).get("id")
    for part in arg.split(",")[1:]:
        if part.startswith("id="):
            return part[3:]
    return None


def walk(devices, parent, out):
    """qdev_id -> [(vendor:device, slot, function, parent, is_bridge)] for every
    device, recursively.  A list: QEMU gives the bridge it adds behind a pxb
    the pxb's own id."""
    for dev in devices:
        qid = dev.get("qdev_id") or ""
        ident = "%04x:%04x" % (dev["id"]["vendor"], dev["id"]["device"])
        if qid:
            out.setdefault(qid, []).append((ident, dev["slot"], dev["function"], parent,
                                            "pci_bridge" in dev))
        bridge = dev.get("pci_bridge")
        if bridge and "devices" in bridge:
            walk(bridge["devices"], ("bridge", qid), out)


def tree_parents(text):
    """index -> the index of the line it hangs below, from explain --tree's indentation."""
    parents, stack = {}, []
    for line in text.splitlines()[1:]:
        depth = len(line) - len(line.lstrip(" "))
        words = line.split()
        if words[:1] == ["bus"]:
            index = str(int(words[1], 16))
        elif "index" in words:
            index = words[words.index("index") + 1]
        else:
            continue
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if words[:1] != ["bus"] and stack:
            parents[index] = stack[-1][1]
        stack.append((depth, index))
    return parents


def main():
    argv = sys.argv[1:]
    complete_only = argv[:1] == ["--complete-only"]
    if complete_only:
        argv = argv[1:]
    explained = json.load(open(argv[0]))["documents"][0]
    words = shlex.split(open(argv[1]).read())
    args = {}
    for i, word in enumerate(words[:-1]):
        if word == "-device":
            args[device_id(words[i + 1])] = words[i + 1]
    qemu = None
    if len(argv) > 2:
        qemu = {}
        for bus in json.load(open(argv[2]))["return"]:
            walk(bus["devices"], ("root", bus["bus"]), qemu)
    tree = tree_parents(open(argv[3]).read()) if len(argv) > 3 else None

    # A controller whose implementation explain cannot tell (it says why) has nothing to compare.
    controllers = [c for c in explained["controllers"] if c["provenance"] != "unknown" and
                   not (complete_only and c.get("chosen_by_libvirt"))]
    by_index = {c["index"]: c for c in explained["controllers"]}
    failures = []
    agreed_args = agreed_ids = agreed_positions = agreed_bridges = 0
    ids = set()
    for c in controllers:
        name = c["provides_bus"]["name"] if c["provides_bus"] else None
        arg = c["device"]
        ident = device_id(arg) if arg else None
        if ident:
            ids.add(ident)
        # The root buses' names are QEMU's own: pcie.0, pci.0.
        libvirt_arg = args.get(ident) if ident else args.get(name)
        if arg != libvirt_arg:
            failures.append("index %s: explain says -device %s, libvirt wrote %s"
                            % (c["index"], arg, libvirt_arg))
        else:
            agreed_args += 1
        if qemu is None or not c["address"] or not ident:
            continue
        entries = list(qemu.get(ident, []))
        behind = (c["provides_bus"] or {}).get("behind_bridge")
        if behind:
            # The bridge QEMU adds: at slot 0 of the expander's root bus, with its id.
            want_bridge = (behind["pci_id"], behind["slot"], behind["function"],
                           ("root", behind["root_bus"]), True)
            if want_bridge in entries:
                entries.remove(want_bridge)
                agreed_bridges += 1
            else:
                failures.append("index %s: explain says QEMU adds a bridge %s at slot %d of root bus %s,"
                                " QEMU shows %s" % (c["index"], behind["pci_id"], behind["slot"],
                                                    behind["root_bus"], entries))
        if len(entries) != 1:
            failures.append("index %s: QEMU shows %d devices %s: %s"
                            % (c["index"], len(entries), ident, entries))
            continue
        seen = entries[0]
        if seen[0] != c["pci_id"]:
            failures.append("index %s: explain says %s, QEMU shows %s"
                            % (c["index"], c["pci_id"], seen[0]))
        else:
            agreed_ids += 1
        parent = by_index.get(str(c["address"]["bus"]))
        if parent is None or parent["implementation"] is None:
            want = ("root", 0)
        elif (parent["provides_bus"] or {}).get("behind_bridge"):
            # Behind the bridge QEMU adds, which has the expander's id.
            want = ("bridge", device_id(parent["device"]))
        elif parent["kind"] == "pcie-expander-bus":
            # The expander's own bus is a root bus, numbered bus_nr.
            props = json.loads(parent["device"]) if parent["device"].startswith("{") \
                else dict(p.split("=", 1) for p in parent["device"].split(",")[1:])
            want = ("root", int(str(props.get("bus_nr", -1)), 0))
        else:
            want = ("bridge", device_id(parent["device"]))
        if tree is not None and parent is not None and tree.get(c["index"]) != parent["index"]:
            failures.append("index %s: explain --tree hangs it below index %s, QEMU behind index %s"
                            % (c["index"], tree.get(c["index"]), parent["index"]))
        got = (seen[1], seen[2], seen[3])
        if got != (c["address"]["slot"], c["address"]["function"], want):
            failures.append("index %s: explain places it at slot %d function %d under %s, QEMU at %s"
                            % (c["index"], c["address"]["slot"], c["address"]["function"], want, got))
        else:
            agreed_positions += 1
    if qemu is not None:
        for qid, entries in sorted(qemu.items()):
            for seen in entries:
                if seen[4] and qid not in ids:
                    failures.append("QEMU shows a bridge %s (%s) that explain does not list"
                                    % (qid, seen[0]))
    for line in failures:
        print(line, file=sys.stderr)
    print(len(controllers), agreed_args, agreed_ids, agreed_positions, agreed_bridges)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
