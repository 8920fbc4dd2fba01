#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Runs domcompat on a managed host: checks libvirt domain XML against a peer
# before a migration, or converts it in place.  Everything it decides comes
# from domcompat's JSON report (--format json) and exit status, never from
# the text domcompat writes for people.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: domcompat
short_description: Check or convert the PCI controllers of libvirt domain XML
description:
  - Runs C(domcompat) on the managed host over libvirt domain XML files and
    directories of them.
  - C(check) asks whether every document would mean the same hardware on a
    peer (a libvirt version, or C(legacy)); it writes nothing, and fails
    the task when any document would be refused or lossy.
  - C(upgrade) and C(downgrade) convert the documents in place, keeping a
    backup of each file they rewrite. The task is C(changed) exactly when
    a file changed. A document that cannot be converted is left as it
    was, fails the task with domcompat's message, and does not stop the
    others from being converted.
  - In check mode nothing is written, and the task reports what would
    change. In diff mode the task shows the unified diff of each changed
    document.
  - The result holds domcompat's JSON report whole, so a playbook can act
    on any of its fields.
version_added: "0.1.0"
author:
  - domcompat maintainers
requirements:
  - C(domcompat) on the managed host (the C(domcompat) package, or C(make
    install) from source).
options:
  command:
    description:
      - What to do. C(check) converts nothing; C(upgrade) writes the
        explicit form; C(downgrade) writes what the peer C(to) reads.
    type: str
    required: true
    choices: [check, upgrade, downgrade]
  paths:
    description:
      - Absolute paths of domain XML files and directories on the managed
        host. The C(*.xml) files under a directory are used when
        C(recursive) is true.
    type: list
    elements: path
    required: true
    aliases: [path]
  to:
    description:
      - The peer, as domcompat's C(--to) takes it, for example
        C(libvirt-6.2.0) or C(legacy). Required for C(check).
      - For C(downgrade), domcompat's default is C(legacy).
    type: str
  from:
    description:
      - What the documents' model-only controllers meant, as domcompat's
        C(--from) takes it (C(legacy), or the C(libvirt-X.Y.Z) that defined
        the domains).
    type: str
  assume:
    description:
      - C(KIND=IMPLEMENTATION) pairs, each passed as C(--assume), saying
        what model-only controllers of that kind mean on the other host.
    type: list
    elements: str
    default: []
  allow_loss:
    description:
      - Drop what the peer would ignore instead of refusing the document
        (domcompat's C(--allow-loss)). Each drop is reported as a warning.
    type: bool
    default: false
  recursive:
    description:
      - Use the C(*.xml) files under each directory in C(paths)
        (domcompat's C(-r)). Symbolic links and documents that are not
        domains met while walking are skipped.
    type: bool
    default: true
  follow_symlinks:
    description:
      - Follow symbolic links to directories while walking.
    type: bool
    default: false
  backup:
    description:
      - Keep each file that C(upgrade) or C(downgrade) rewrites, next to
        it, as it was. The backup's name is the file's followed by
        C(.domcompat-) and the time of the run, so a later run never
        overwrites it; C(backup_files) lists them.
    type: bool
    default: true
  force:
    description:
      - Rewrite files with several hard links or without write permission
        too (domcompat's C(--force)).
    type: bool
    default: false
  executable:
    description:
      - The C(domcompat) program to run. By default, C(domcompat) found in
        the managed host's C(PATH).
    type: path
notes:
  - No released libvirt reads the explicit form that C(upgrade) writes. To
    pin the implementations in the files a libvirt host reads, use
    C(downgrade) with C(to) set to that host's libvirt version.
  - With C(recursive), the C(*.xml) files below a directory whose root is
    not C(<domain>) (libvirt's C(networks/default.xml)) and the symbolic
    links of C(autostart/) are skipped, counted in C(summary.skipped), and
    do not fail the task, so C(/etc/libvirt/qemu) can be given as it is.
    Named in C(paths), a file that is not a domain is invalid and fails it.
  - Convert the files of C(/etc/libvirt/qemu) with libvirtd stopped, or
    convert copies and C(virsh define) them; libvirtd does not re-read its
    files while running.
  - Exit statuses are domcompat's; a task fails for any but 0. The message
    lists every document that was refused, invalid or could not be read,
    one line each, with file, line and column.
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
"""

EXAMPLES = r"""
- name: List the domains of the host (not networks/, nor autostart/ links)
  ansible.builtin.find:
    paths: /etc/libvirt/qemu
    patterns: "*.xml"
    file_type: file
  register: domains

- name: Check every domain before migrating to hosts with libvirt 6.2.0
  domcompat:
    command: check
    to: libvirt-6.2.0
    paths: "{{ domains.files | map(attribute='path') | list }}"
  when: domains.matched > 0

- name: Upgrade saved domain definitions in place, keeping backups
  domcompat:
    command: upgrade
    paths:
      - /srv/domains
      - /root/guest.xml
  register: upgraded

- name: Downgrade for libvirt 4.2.0 hosts, whose QEMU gives model-only root ports the generic device
  domcompat:
    command: downgrade
    to: libvirt-4.2.0
    assume:
      - pcie-root-port=pcie-root-port
    paths: /srv/for-old-hosts
"""

RETURN = r"""
changed_files:
  description:
    - The documents that were rewritten; in check mode, those that would be.
  returned: always
  type: list
  elements: str
  sample: ["/srv/domains/db01.xml"]
backup_files:
  description:
    - The backup kept of each rewritten file, by file.
  returned: when C(command) is C(upgrade) or C(downgrade)
  type: dict
  sample: {"/srv/domains/db01.xml": "/srv/domains/db01.xml.domcompat-20261125T120000.000000"}
problems:
  description:
    - One line per refused controller, invalid document or file that could
      not be read, as C(FILE:LINE:COLUMN) and what was found.
  returned: always
  type: list
  elements: str
  sample: ["/etc/libvirt/qemu/db01.xml:52:7: PCI controller index 3 (pcie-root-port implemented by pcie-root-port): libvirt 6.2.0 does not parse <target hotplug='off'> (first in libvirt 6.3.0) and would ignore it; to convert it: drop it with --allow-loss, or convert for libvirt 6.3.0 or later"]
summary:
  description: The report's summary (document counts by outcome, and the exit status).
  returned: when domcompat printed a report
  type: dict
  sample: {"documents": 3, "changed": 1, "unchanged": 2, "refused": 0, "invalid": 0, "failed": 0, "skipped": 0, "exit": 0}
report:
  description:
    - domcompat's JSON report, whole (see "JSON report" in domcompat's README).
  returned: when domcompat printed a report
  type: dict
rc:
  description: domcompat's exit status.
  returned: always
  type: int
  sample: 0
cmd:
  description: The command that was run.
  returned: always
  type: list
  elements: str
stderr:
  description: What domcompat wrote on standard error (usage errors are reported there).
  returned: always
  type: str
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule

# A literal, because one option is named "from", a Python keyword.
ARGUMENT_SPEC = {
    "command": dict(type="str", required=True, choices=["check", "upgrade", "downgrade"]),
    "paths": dict(type="list", elements="path", required=True, aliases=["path"]),
    "to": dict(type="str"),
    "from": dict(type="str"),
    "assume": dict(type="list", elements="str", default=[]),
    "allow_loss": dict(type="bool", default=False),
    "recursive": dict(type="bool", default=True),
    "follow_symlinks": dict(type="bool", default=False),
    "backup": dict(type="bool", default=True),
    "force": dict(type="bool", default=False),
    "executable": dict(type="path"),
}

# Outcomes that fail the task; "skipped" documents (links and documents
# other than domains met while walking) do not.
FAILED_OUTCOMES = ("refused", "lossy", "invalid", "failed")


def domcompat_command(module, executable, backup_suffix):
    """The argument vector: the command, its options, then "--" and the paths."""
    p = module.params
    converting = p["command"] != "check"
    argv = [executable, p["command"], "--format", "json"]
    if p["to"] is not None:
        argv += ["--to", p["to"]]
    if p["from"] is not None:
        argv += ["--from", p["from"]]
    for assumption in p["assume"]:
        argv += ["--assume", assumption]
    if p["allow_loss"]:
        argv.append("--allow-loss")
    if p["recursive"]:
        argv.append("--recursive")
    if p["follow_symlinks"]:
        argv.append("--follow-symlinks")
    if converting:
        if module.check_mode:
            argv.append("--dry-run")
        elif backup_suffix is not None:
            argv.append("--in-place=" + backup_suffix)
        else:
            argv.append("--in-place")
        if module._diff:
            argv.append("--diff")
        if p["force"]:
            argv.append("--force")
    return argv + ["--"] + p["paths"]


def position(path, record):
    """FILE:LINE:COLUMN, or FILE alone when the report has no line."""
    if record.get("line") is None:
        return path
    return "%s:%s:%s" % (path, record["line"], record.get("column") or 0)


def describe_refusal(path, refusal):
    controller = "PCI controller index %s (%s" % (refusal.get("index"), refusal.get("kind"))
    if refusal.get("implementation"):
        controller += " implemented by %s" % refusal["implementation"]
    line = "%s: %s): %s" % (position(path, refusal), controller, refusal.get("what"))
    if refusal.get("hint"):
        line += "; to convert it: %s" % refusal["hint"]
    return line


def problems_of(report):
    """One line per refusal, per document that failed, from the report."""
    lines = []
    for document in report.get("documents", []):
        path = document.get("path")
        for refusal in document.get("refusals") or []:
            lines.append(describe_refusal(path, refusal))
        error = document.get("error")
        if error:
            lines.append("%s: %s" % (position(path, error), error.get("message")))
        elif document.get("outcome") in FAILED_OUTCOMES and not document.get("refusals"):
            lines.append("%s: %s" % (path, document.get("outcome")))
    return lines


def losses_of(report, check_mode):
    """What --allow-loss dropped (or would drop), one line each."""
    verb = "would drop" if check_mode else "dropped"
    lines = []
    for document in report.get("documents", []):
        for change in document.get("changes") or []:
            for loss in change.get("losses") or []:
                lines.append(
                    "%s: %s %s, which the peer would ignore (first in libvirt %s)"
                    % (position(document.get("path"), loss), verb, loss.get("what"), loss.get("since"))
                )
    return lines


def changed_documents(report, check_mode):
    """Documents rewritten, or in check mode those that would be."""
    if check_mode:
        return [d for d in report["documents"] if d.get("outcome") == "changed"]
    return [d for d in report["documents"] if d.get("written")]


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("command", "check", ["to"])],
        supports_check_mode=True,
    )
    p = module.params
    # Without a path domcompat would read standard input.
    if not p["paths"]:
        module.fail_json(msg="paths is empty")
    for path in p["paths"]:
        if not os.path.isabs(path):
            module.fail_json(msg="paths must be absolute: %s" % path)
    if p["command"] == "check" and p["force"]:
        module.fail_json(msg="force applies to upgrade and downgrade only")

    executable = p["executable"] or module.get_bin_path("domcompat", required=True)
    converting = p["command"] != "check"
    backup_suffix = None
    if converting and p["backup"]:
        now = time.time()
        backup_suffix = time.strftime(".domcompat-%Y%m%dT%H%M%S", time.localtime(now))
        backup_suffix += ".%06d" % int((now % 1) * 1000000)
    argv = domcompat_command(module, executable, backup_suffix)
    rc, stdout, stderr = module.run_command(argv)
    result = dict(changed=False, rc=rc, cmd=argv, stderr=stderr, changed_files=[], problems=[])

    try:
        report = json.loads(stdout) if stdout.strip() else None
    except ValueError as e:
        module.fail_json(msg="domcompat printed no JSON report (%s): %s" % (e, stderr.strip()), **result)
    if report is None or not isinstance(report.get("documents"), list):
        # A usage error (exit 2) stops domcompat before any document.
        module.fail_json(
            msg="domcompat exited with status %d: %s" % (rc, stderr.strip() or "no report"), **result
        )
    if report.get("command") != p["command"]:
        module.fail_json(msg="domcompat reported on %r, not %r" % (report.get("command"), p["command"]), **result)

    result["report"] = report
    result["summary"] = report.get("summary", {})
    result["problems"] = problems_of(report)
    if converting:
        changed = changed_documents(report, module.check_mode)
        result["changed"] = bool(changed)
        result["changed_files"] = [d.get("output") or d["path"] for d in changed]
        result["backup_files"] = {}
        if backup_suffix is not None and not module.check_mode:
            result["backup_files"] = dict((f, f + backup_suffix) for f in result["changed_files"])
        if module._diff:
            result["diff"] = [dict(prepared=d["diff"]) for d in changed if d.get("diff")]
    for loss in losses_of(report, module.check_mode):
        module.warn(loss)

    if rc != 0:
        counts = ", ".join(
            "%d %s" % (result["summary"][k], k)
            for k in FAILED_OUTCOMES
            if result["summary"].get(k)
        )
        header = "domcompat %s: %s" % (p["command"], counts or "exit status %d" % rc)
        module.fail_json(msg="\n".join([header] + result["problems"]), **result)

    summary = result["summary"]
    result["msg"] = "%d documents, %d %s" % (
        summary.get("documents", 0),
        len(result["changed_files"]) if converting else summary.get("ok", 0),
        ("would change" if module.check_mode else "changed") if converting else "convert losslessly",
    )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
