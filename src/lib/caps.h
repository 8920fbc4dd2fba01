/*
 * QEMU capabilities (behind domcompat_caps): which PCI controller
 * implementations a QEMU binary has, its version and its architecture,
 * read from libvirt's capabilities cache or from `-device help` output,
 * with the tables of data/qemu-caps.xml (generated: xslt/gen/qemu-caps-c.xsl).
 */
#ifndef DOMCOMPAT_CAPS_H
#define DOMCOMPAT_CAPS_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "domcompat.h"

/* libvirt's capability flag for an implementation. */
struct caps_flag {
    const char *name;
    const char *implementation;
};

/* An architecture as libvirt names it. */
struct caps_arch {
    const char *name;
    const char *guests;     /* " x86_64 i686 ": the guest architectures it serves */
    const char *cpu_suffix; /* how its CPU devices end in -device help, or NULL */
};

extern const struct caps_flag caps_flags[];
extern const size_t caps_flag_count;
extern const struct caps_arch caps_arches[];
extern const size_t caps_arch_count;

#define CAPS_TEXT 320

struct domcompat_caps {
    char name[256];            /* as the caller shows the file */
    bool device_help;          /* read from -device help, not libvirt's cache */
    char version[32];          /* "7.2.22"; "" when not said (-device help) */
    char arch[32];             /* libvirt's name */
    unsigned long arch_line;   /* where the architecture was learnt */
    char emulator[1024];       /* the binary the cache was made for; "" for -device help */
    char implementations[512]; /* "|ioh3420|pcie-root-port|": those it has; "|" for none */
};

/*
 * What a conversion keeps of a domcompat_caps (the options hold copies, so
 * the caller may free the caps at once).  `implementations` is the value
 * the rules get; empty when no capabilities were given.
 */
struct caps_summary {
    char implementations[512];
    char arch[32];
    char described[CAPS_TEXT]; /* "QEMU 7.2.22 (qemu.xml)" */
    char where[CAPS_TEXT];     /* "qemu.xml:249", where the architecture was learnt */
};

void caps_summarize(struct caps_summary *out, const domcompat_caps *caps);

/*
 * Whether the QEMU of `summary` (when given) serves the guest of `doc`:
 * its architecture is the guest's (<os><type arch>, or ppc64 for a pseries
 * machine; a domain that says neither is not checked).  DOMCOMPAT_OK, or
 * DOMCOMPAT_EUSAGE at the guest's <type>; `whose` says which host's QEMU
 * ("source", "target") in the message.
 */
int caps_check_guest(const struct caps_summary *summary, const char *whose, xmlDocPtr doc,
                     const char *data, size_t len, domcompat_error *err);

#endif
