/*
 * QEMU capabilities: what a QEMU binary offers domcompat's rules, read from
 * one of the two descriptions a host has of it.
 *
 * libvirt's cache (/var/cache/libvirt/qemu/capabilities/HASH.xml, one per
 * binary, written when libvirtd first probes it):
 *
 *   <qemuCaps>
 *     <emulator>/usr/bin/qemu-system-x86_64</emulator>
 *     <flag name='ioh3420'/> ... one per capability
 *     <version>7002022</version>            major*1000000 + minor*1000 + micro
 *     <arch>x86_64</arch>
 *     ... (machines, CPUs: not read)
 *   </qemuCaps>
 *
 * `qemu-system-ARCH -device help`: category lines ("CPU devices:") and one
 * line per device, `name "ioh3420", bus PCI, desc "..."`.  It states no
 * version and no architecture; the architecture shows in the names of the
 * CPU devices (data/qemu-caps.xml).
 *
 * Both are reduced to the set of PCI controller implementations the binary
 * has, which is all the rules read of it.
 */
#include "caps.h"

#include <libxml/parser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bounds.h"
#include "error.h"
#include "kinds.h"
#include "libxml_compat.h"
#include "parse.h"
#include "tree.h"

static const char expected_caps[] =
    "expected libvirt's QEMU capabilities cache (a file of /var/cache/libvirt/qemu/capabilities, "
    "root <qemuCaps>) or the output of qemu-system-ARCH -device help";

/*
 * Reads `data` into a whole tree the hardened way: the default limits
 * checked first on the raw bytes, no DOCTYPE, no network, no entity
 * expansion.  DOMCOMPAT_EINVALID with `err` located on any failure.
 */
static int read_tree(xmlDocPtr *out, const char *data, size_t len, domcompat_error *err)
{
    xmlStructuredErrorFunc saved_handler = xmlStructuredError;
    void *saved_handler_ctx = xmlStructuredErrorContext;
    xmlParserCtxtPtr ctxt = NULL;
    domcompat_limits limits;
    struct parse_errors st;
    xmlDocPtr doc = NULL;
    int rc;

    *out = NULL;
    domcompat_limits_default(&limits);
    if (len > INT_MAX)
        return error_set(err, DOMCOMPAT_EINVALID, 0, 0, "larger than %d bytes", INT_MAX);
    if ((rc = bounds_check(&limits, data, len, NULL, err)) != DOMCOMPAT_OK)
        return rc;
    memset(&st, 0, sizeof(st));
    xmlSetStructuredErrorFunc(&st, parse_errors_record);
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        rc = error_nomem(err);
        goto out;
    }
    parse_errors_attach(ctxt, &st);
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
    if (st.doctype) {
        rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                       "a DOCTYPE is not allowed (libvirt never writes one)");
    } else if (st.failed && st.code == XML_ERR_NO_MEMORY) {
        rc = error_nomem(err);
    } else if (st.failed) {
        rc = error_set(err, DOMCOMPAT_EINVALID, st.line > 0 ? (unsigned long)st.line : 0,
                       st.column > 0 ? (unsigned long)st.column : 0, "not well-formed XML: %s",
                       st.message);
    } else if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
        rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0, "not well-formed XML");
    } else {
        *out = doc;
        doc = NULL; /* now owned by the caller */
    }
out:
    xmlSetStructuredErrorFunc(saved_handler_ctx, saved_handler);
    xmlResetLastError();
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

static unsigned long line_of(const xmlNode *node)
{
    long line = xmlGetLineNo(node);

    return line > 0 ? (unsigned long)line : 0;
}

/* Adds `implementation` to the set, once. */
static void add_implementation(domcompat_caps *caps, const char *implementation)
{
    char entry[128];
    size_t used = strlen(caps->implementations);

    snprintf(entry, sizeof(entry), "|%s|", implementation);
    if (strstr(caps->implementations, entry) != NULL)
        return;
    /* The set holds only the data file's few implementations: it always fits. */
    snprintf(caps->implementations + used, sizeof(caps->implementations) - used, "%s|",
             implementation);
}

/* An implementation of data/pci-kinds.xml by that name, or NULL. */
static const char *known_implementation(const char *name)
{
    size_t i, j;

    for (i = 0; i < kinds_count; i++)
        for (j = 0; j < kinds_table[i].implementation_count; j++)
            if (strcmp(kinds_table[i].implementations[j].name, name) == 0)
                return kinds_table[i].implementations[j].name;
    return NULL;
}

/* The element's text when it is a short plain word of `allowed` bytes; false otherwise. */
static bool word_of(const xmlNode *element, const char *allowed, char *out, size_t size)
{
    xmlChar *text = xmlNodeGetContent(element);
    const char *start, *end;
    bool ok;

    if (text == NULL)
        return false;
    for (start = (const char *)text; *start == ' ' || *start == '\n' || *start == '\t'; start++)
        ;
    for (end = start + strlen(start);
         end > start && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\t'); end--)
        ;
    ok = end > start && (size_t)(end - start) < size &&
         strspn(start, allowed) >= (size_t)(end - start);
    if (ok) {
        memcpy(out, start, (size_t)(end - start));
        out[end - start] = '\0';
    }
    xmlFree(text);
    return ok;
}

static int read_cache(domcompat_caps *caps, const char *data, size_t len, domcompat_error *err)
{
    const xmlNode *root, *child, *version = NULL, *arch = NULL;
    char number[16];
    unsigned long encoded;
    xmlDocPtr doc = NULL;
    int rc;

    if ((rc = read_tree(&doc, data, len, err)) != DOMCOMPAT_OK) {
        /* Not a description of a QEMU: a bad argument, not bad input to convert. */
        if (rc != DOMCOMPAT_ENOMEM && err != NULL)
            err->code = DOMCOMPAT_EUSAGE;
        return rc == DOMCOMPAT_ENOMEM ? rc : DOMCOMPAT_EUSAGE;
    }
    root = xmlDocGetRootElement(doc);
    if (!tree_is(root, "qemuCaps")) {
        const char *why = xmlStrEqual(root->name, BAD_CAST "domainCapabilities")
                              ? " (virsh domcapabilities prints that; it lists no QEMU devices)"
                          : xmlStrEqual(root->name, BAD_CAST "capabilities")
                              ? " (virsh capabilities prints that; it lists no QEMU devices)"
                              : "";

        rc = error_set(err, DOMCOMPAT_EUSAGE, line_of(root), 0, "the root element is <%s>%s%s; %s",
                       (const char *)root->name, root->ns ? " in a namespace" : "", why,
                       expected_caps);
        goto out;
    }
    caps->implementations[0] = '|';
    for (child = root->children; child != NULL; child = child->next) {
        if (tree_is(child, "version")) {
            version = child;
        } else if (tree_is(child, "arch")) {
            arch = child;
        } else if (tree_is(child, "emulator")) {
            if (!word_of(child,
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+",
                         caps->emulator, sizeof(caps->emulator)))
                caps->emulator[0] = '\0';
        } else if (tree_is(child, "flag")) {
            const char *name = tree_attr(child, "name");
            size_t i;

            for (i = 0; name != NULL && i < caps_flag_count; i++)
                if (strcmp(name, caps_flags[i].name) == 0)
                    add_implementation(caps, caps_flags[i].implementation);
        }
    }
    if (version == NULL || arch == NULL) {
        rc = error_set(err, DOMCOMPAT_EUSAGE, line_of(root), 0,
                       "<qemuCaps> has no <%s>; expected %s, as libvirt writes it (for "
                       "example %s)",
                       version == NULL ? "version" : "arch",
                       version == NULL ? "QEMU's version" : "QEMU's architecture",
                       version == NULL ? "<version>7002022</version>" : "<arch>x86_64</arch>");
        goto out;
    }
    if (!word_of(version, "0123456789", number, sizeof(number)) ||
        (encoded = strtoul(number, NULL, 10)) == 0 || strlen(number) > 9) {
        rc = error_set(err, DOMCOMPAT_EUSAGE, line_of(version), 0,
                       "<version> is not a QEMU version; expected one number, major * 1000000 + "
                       "minor * 1000 + micro (7002022 for QEMU 7.2.22)");
        goto out;
    }
    snprintf(caps->version, sizeof(caps->version), "%lu.%lu.%lu", encoded / 1000000,
             encoded / 1000 % 1000, encoded % 1000);
    if (!word_of(arch, "abcdefghijklmnopqrstuvwxyz0123456789_", caps->arch, sizeof(caps->arch))) {
        rc = error_set(err, DOMCOMPAT_EUSAGE, line_of(arch), 0,
                       "<arch> is not an architecture; expected libvirt's name for one (for "
                       "example x86_64)");
        goto out;
    }
    caps->arch_line = line_of(arch);
out:
    xmlFreeDoc(doc);
    return rc;
}

/* The architecture whose CPU devices end like `device`, or NULL. */
static const struct caps_arch *arch_of_cpu(const char *device, size_t len)
{
    size_t i, suffix_len;

    for (i = 0; i < caps_arch_count; i++) {
        if (caps_arches[i].cpu_suffix == NULL)
            continue;
        suffix_len = strlen(caps_arches[i].cpu_suffix);
        if (len > suffix_len &&
            memcmp(device + len - suffix_len, caps_arches[i].cpu_suffix, suffix_len) == 0)
            return &caps_arches[i];
    }
    return NULL;
}

/* "x86_64, i686 or ppc64": the architectures -device help can be told apart by. */
static void list_cpu_arches(char *out, size_t size)
{
    size_t i, n = 0, count = 0, seen = 0;

    for (i = 0; i < caps_arch_count; i++)
        count += caps_arches[i].cpu_suffix != NULL;
    out[0] = '\0';
    for (i = 0; i < caps_arch_count && n < size; i++) {
        if (caps_arches[i].cpu_suffix == NULL)
            continue;
        seen++;
        n += (size_t)snprintf(out + n, size - n, "%s%s",
                              seen == 1       ? ""
                              : seen == count ? " or "
                                              : ", ",
                              caps_arches[i].name);
    }
}

/* One line of -device help, without its end: a category, a device, or nothing. */
static int read_help_line(domcompat_caps *caps, const char *line, size_t len, unsigned long number,
                          const struct caps_arch **arch, domcompat_error *err)
{
    const char *name, *end;
    const struct caps_arch *cpu;
    char device[128];
    size_t i;

    for (i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
            return error_set(err, DOMCOMPAT_EUSAGE, number, i + 1, "found the byte 0x%02x; %s",
                             (unsigned char)line[i], expected_caps);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    if (len == 0)
        return DOMCOMPAT_OK;
    if (len > 8 && memcmp(line + len - 8, "devices:", 8) == 0 && memchr(line, '"', len) == NULL)
        return DOMCOMPAT_OK;
    if (len < 7 || memcmp(line, "name \"", 6) != 0 ||
        (end = memchr(line + 6, '"', len - 6)) == NULL || end == line + 6 ||
        (end + 1 != line + len && end[1] != ','))
        return error_set(err, DOMCOMPAT_EUSAGE, number, 1, "found '%.*s%s'; %s",
                         (int)(len > 60 ? 60 : len), line, len > 60 ? "..." : "", expected_caps);
    name = line + 6;
    if ((size_t)(end - name) >= sizeof(device))
        return DOMCOMPAT_OK; /* longer than any name domcompat knows */
    memcpy(device, name, (size_t)(end - name));
    device[end - name] = '\0';
    if (known_implementation(device) != NULL)
        add_implementation(caps, known_implementation(device));
    cpu = arch_of_cpu(device, (size_t)(end - name));
    if (cpu != NULL && *arch == NULL) {
        *arch = cpu;
        caps->arch_line = number;
    } else if (cpu != NULL && cpu != *arch) {
        return error_set(err, DOMCOMPAT_EUSAGE, number, 1,
                         "CPU device %s is %s's, and line %lu's %s's; expected the output of one "
                         "qemu-system-ARCH -device help",
                         device, cpu->name, caps->arch_line, (*arch)->name);
    }
    return DOMCOMPAT_OK;
}

static int read_device_help(domcompat_caps *caps, const char *data, size_t len,
                            domcompat_error *err)
{
    const struct caps_arch *arch = NULL;
    const char *line = data, *end;
    unsigned long number = 0;
    char arches[128];
    int rc;

    caps->device_help = true;
    caps->implementations[0] = '|';
    while (line < data + len) {
        number++;
        end = memchr(line, '\n', (size_t)(data + len - line));
        if (end == NULL)
            end = data + len;
        rc = read_help_line(caps, line, (size_t)(end - line - (end > line && end[-1] == '\r')),
                            number, &arch, err);
        if (rc != DOMCOMPAT_OK)
            return rc;
        line = end + 1;
    }
    if (arch == NULL) {
        list_cpu_arches(arches, sizeof(arches));
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "cannot tell which QEMU this -device help is from: it lists no CPU "
                         "device of %s; expected the whole output of qemu-system-ARCH -device "
                         "help, or else libvirt's capabilities cache of that QEMU",
                         arches);
    }
    snprintf(caps->arch, sizeof(caps->arch), "%s", arch->name);
    return DOMCOMPAT_OK;
}

int domcompat_caps_parse(domcompat_caps **out, const char *name, const char *data, size_t len,
                         domcompat_error *err)
{
    domcompat_caps *caps;
    size_t start = 0;
    int rc;

    if (out == NULL || (data == NULL && len > 0))
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "domcompat_caps_parse: missing argument");
    *out = NULL;
    if ((caps = calloc(1, sizeof(*caps))) == NULL)
        return error_nomem(err);
    snprintf(caps->name, sizeof(caps->name), "%s", name != NULL ? name : "capabilities");
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        start = 3;
    while (start < len && (data[start] == ' ' || data[start] == '\t' || data[start] == '\r' ||
                           data[start] == '\n'))
        start++;
    if (start == len)
        rc = error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "%s; %s",
                       len == 0 ? "the file is empty" : "the file holds only whitespace",
                       expected_caps);
    else if (data[start] == '<')
        rc = read_cache(caps, data, len, err);
    else
        rc = read_device_help(caps, data, len, err);
    if (rc != DOMCOMPAT_OK) {
        free(caps);
        return rc;
    }
    *out = caps;
    return DOMCOMPAT_OK;
}

void domcompat_caps_free(domcompat_caps *caps)
{
    free(caps);
}

const char *domcompat_caps_qemu_version(const domcompat_caps *caps)
{
    return caps->version[0] != '\0' ? caps->version : NULL;
}

const char *domcompat_caps_arch(const domcompat_caps *caps)
{
    return caps->arch;
}

const char *domcompat_caps_emulator(const domcompat_caps *caps)
{
    return caps->emulator[0] != '\0' ? caps->emulator : NULL;
}

int domcompat_caps_has(const domcompat_caps *caps, const char *implementation)
{
    char entry[128];

    if (implementation == NULL || strlen(implementation) > sizeof(entry) - 3)
        return 0;
    snprintf(entry, sizeof(entry), "|%s|", implementation);
    return strstr(caps->implementations, entry) != NULL;
}

void caps_summarize(struct caps_summary *out, const domcompat_caps *caps)
{
    memset(out, 0, sizeof(*out));
    if (caps == NULL)
        return;
    snprintf(out->implementations, sizeof(out->implementations), "%s", caps->implementations);
    snprintf(out->arch, sizeof(out->arch), "%s", caps->arch);
    if (caps->device_help)
        snprintf(out->described, sizeof(out->described), "QEMU of unknown version (%s)",
                 caps->name);
    else
        snprintf(out->described, sizeof(out->described), "QEMU %s (%s)", caps->version, caps->name);
    snprintf(out->where, sizeof(out->where), "%s:%lu", caps->name, caps->arch_line);
}

/* Whether a QEMU of architecture `arch` runs guests of `guest`. */
static bool serves(const char *arch, const char *guest)
{
    char word[48];
    size_t i;

    for (i = 0; i < caps_arch_count; i++) {
        if (strcmp(caps_arches[i].name, arch) != 0)
            continue;
        snprintf(word, sizeof(word), " %s ", guest);
        return strstr(caps_arches[i].guests, word) != NULL;
    }
    return strcmp(arch, guest) == 0;
}

/* The guest's <os><type>, and its architecture as libvirt chooses a QEMU for it ("" unknown). */
static const xmlNode *guest_arch(xmlDocPtr doc, char *arch, size_t size)
{
    const xmlNode *os, *type;
    const char *value;

    arch[0] = '\0';
    for (os = xmlDocGetRootElement(doc)->children; os != NULL; os = os->next) {
        if (!tree_is(os, "os"))
            continue;
        for (type = os->children; type != NULL; type = type->next) {
            if (!tree_is(type, "type"))
                continue;
            if ((value = tree_attr(type, "arch")) != NULL) {
                snprintf(arch, size, "%s", value);
            } else if ((value = tree_attr(type, "machine")) != NULL) {
                /* Only ppc64 has pseries machines (see common.xsl). */
                if (strncmp(value, "pseries", 7) == 0)
                    snprintf(arch, size, "ppc64");
            }
            return type;
        }
    }
    return NULL;
}

int caps_check_guest(const struct caps_summary *summary, const char *whose, xmlDocPtr doc,
                     const char *data, size_t len, domcompat_error *err)
{
    unsigned long line, column;
    char arch[80];
    const xmlNode *type;

    if (summary->implementations[0] == '\0')
        return DOMCOMPAT_OK;
    type = guest_arch(doc, arch, sizeof(arch));
    if (type == NULL || arch[0] == '\0' || serves(summary->arch, arch))
        return DOMCOMPAT_OK;
    parse_element_position(data, len, (xmlNode *)type, &line, &column);
    return error_set(err, DOMCOMPAT_EUSAGE, line, column,
                     "the %s capabilities are those of a %s QEMU (%s), and this guest is %s; "
                     "expected those of the QEMU that runs it",
                     whose, summary->arch, summary->where, arch);
}

int domcompat_caps_fits(const domcompat_caps *caps, const char *data, size_t len,
                        domcompat_error *err)
{
    const xmlNode *devices, *child;
    char arch[80], emulator[1024];
    xmlDocPtr doc = NULL;
    int rc;

    if (caps == NULL || (data == NULL && len > 0))
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "domcompat_caps_fits: missing argument");
    if ((rc = read_tree(&doc, data, len, err)) != DOMCOMPAT_OK)
        return rc;
    if (!tree_is(xmlDocGetRootElement(doc), "domain")) {
        xmlFreeDoc(doc);
        return error_set(err, DOMCOMPAT_EINVALID, 0, 0, "expected a <domain> element");
    }
    emulator[0] = '\0';
    for (devices = xmlDocGetRootElement(doc)->children; devices != NULL; devices = devices->next)
        if (tree_is(devices, "devices"))
            for (child = devices->children; child != NULL; child = child->next)
                if (tree_is(child, "emulator") && emulator[0] == '\0')
                    word_of(child,
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+",
                            emulator, sizeof(emulator));
    guest_arch(doc, arch, sizeof(arch));
    xmlFreeDoc(doc);
    /*
     * libvirt runs the emulator the domain names; without one, the default
     * QEMU for the guest's architecture, which is the host's when the
     * domain does not say.
     */
    if (emulator[0] != '\0' && caps->emulator[0] != '\0')
        return strcmp(emulator, caps->emulator) == 0;
    if (arch[0] == '\0') {
        struct utsname host;

        if (uname(&host) != 0)
            return 0;
        snprintf(arch, sizeof(arch), "%s", host.machine);
    }
    return serves(caps->arch, arch);
}
