/*
 * explain: what each PCI controller gives the guest, and the -device
 * argument libvirt's QEMU driver writes for it.
 *
 * The document was read by the library first (tool_batch: its upgrade to
 * the explicit form says which implementation each controller has under
 * the user's --assume, --from and --source-caps, and refuses what is not
 * well-formed, not valid or beyond the limits), so reading it again here
 * with libxml2 meets only what the library accepted.
 *
 * The -device arguments follow libvirt's src/qemu/qemu_command.c: the
 * properties of each kind, in libvirt's order, are data
 * (data/pci-kinds.xml, device-property); the syntax depends on the
 * libvirt version and the target's QEMU (syntax_for() below).
 */
#include "explain.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "devices.h"
#include "report.h"
#include "words.h"

/* "1.2.19" or "libvirt-1.2.19" as 1002019; 0 when it is neither. */
static unsigned long version_value(const char *text)
{
    unsigned long part[3] = {0, 0, 0};
    int i;
    char *end;

    if (text == NULL)
        return 0;
    if (strncmp(text, "libvirt-", 8) == 0)
        text += 8;
    for (i = 0; i < 3; i++) {
        if (*text < '0' || *text > '9')
            return 0;
        part[i] = strtoul(text, &end, 10);
        text = end;
        if (i < 2 && *text++ != '.')
            return i == 1 && text[-1] == '\0' ? part[0] * 1000000 + part[1] * 1000 : 0;
    }
    return part[0] * 1000000 + part[1] * 1000 + part[2];
}

#define VERSION(a, b, c) ((a)*1000000UL + (b)*1000UL + (c))

/*
 * How libvirt writes -device arguments (facts from libvirt/libvirt):
 *
 *   before 7.9.0   driver,key=value from format strings, port in hex
 *                  ("%s,port=0x%x,chassis=%d,id=%s", qemuBuildControllerDevStr
 *                  in src/qemu/qemu_command.c; tests/qemuxml2argvdata/
 *                  pcie-root-port.args: ioh3420,port=0x10,chassis=1,...)
 *   7.9.0, 7.10.x  built as JSON properties (qemuBuildControllerPCIDevProps);
 *                  JSON on the command line with QEMU 6.2 and later (the
 *                  capability device.json), else driver,key=value made from
 *                  the properties, numbers in decimal (NEWS.rst 7.9.0)
 *   8.0.x          driver,key=value again with every QEMU, for QEMU 6.2's
 *                  hot-unplug bug (NEWS.rst 8.0.0)
 *   8.1.0 and on   JSON when QEMU's device_add has the json-cli-hotplug
 *                  feature (QEMU 7.0 and later; capability
 *                  device.json+hotplug, src/qemu/qemu_capabilities.c), else
 *                  driver,key=value in decimal (qemuBuildDeviceCommandlineFromJSON)
 *
 * An unknown QEMU (no --target-caps, or -device help, which states no
 * version) is taken to be one that takes JSON.
 */
enum syntax { SYNTAX_KEYVAL_HEX, SYNTAX_KEYVAL, SYNTAX_JSON };

static enum syntax syntax_for(unsigned long libvirt, unsigned long qemu)
{
    if (libvirt < VERSION(7, 9, 0))
        return SYNTAX_KEYVAL_HEX;
    if (libvirt < VERSION(8, 0, 0))
        return qemu == 0 || qemu >= VERSION(6, 2, 0) ? SYNTAX_JSON : SYNTAX_KEYVAL;
    if (libvirt < VERSION(8, 1, 0))
        return SYNTAX_KEYVAL;
    return qemu == 0 || qemu >= VERSION(7, 0, 0) ? SYNTAX_JSON : SYNTAX_KEYVAL;
}

static const char *syntax_name(enum syntax syntax)
{
    return syntax == SYNTAX_JSON ? "json" : syntax == SYNTAX_KEYVAL ? "keyval" : "keyval-hex";
}

static const char *syntax_why(enum syntax syntax, unsigned long libvirt, unsigned long qemu)
{
    if (syntax == SYNTAX_KEYVAL_HEX)
        return "driver,key=value with hex ports, as libvirt before 7.9.0 wrote";
    if (syntax == SYNTAX_JSON)
        return qemu != 0 ? "JSON, as libvirt writes for this QEMU"
                         : "JSON, as libvirt writes for a QEMU that takes it (7.0 and later; "
                           "--target-caps tells)";
    if (libvirt >= VERSION(8, 0, 0) && libvirt < VERSION(8, 1, 0))
        return "driver,key=value in decimal, as libvirt 8.0 writes with any QEMU";
    return "driver,key=value in decimal: this QEMU takes no JSON -device";
}

/* --- the document ------------------------------------------------------------------ */

enum provenance { PROV_WRITTEN, PROV_IMPLIED, PROV_ASSUMED, PROV_CAPS, PROV_ROOT, PROV_UNKNOWN };

static const char *const provenance_words[] = {
    "written in the document",
    "implied by the legacy form",
    "assumed (--assume)",
    "chosen from the source's QEMU capabilities (--from, --source-caps)",
    "none: a root bus, provided by the machine",
    "unknown (see the problem below)",
};
static const char *const provenance_names[] = {"written",      "implied",  "assumed",
                                               "capabilities", "root-bus", "unknown"};

struct controller {
    xmlNodePtr node;
    long line;
    const char *index_text;
    long index; /* -1: none, or not a number */
    const char *kind_name;
    const struct device_kind *kind;
    const char *written;        /* the implementation the document names */
    const char *implementation; /* NULL: none (a root bus) or unknown */
    enum provenance provenance;
    bool has_address;
    unsigned long bus, slot, function;
    int multifunction;     /* -1 absent, 0 off, 1 on */
    bool multi_by_libvirt; /* on because other functions of its slot are in use */
    const char *alias;     /* a user alias (ua-...), or NULL */
    xmlNodePtr target;
    bool shown; /* in the tree already */
};

struct document {
    xmlDocPtr doc;
    struct controller *controllers;
    size_t count;
    bool pseries;
    bool q35;                    /* a PCI Express machine: its bus 0 is pcie.0 */
    unsigned long *other_on_bus; /* devices other than PCI controllers, by bus, up to max_bus */
    unsigned long max_bus;
};

static bool is_element(xmlNodePtr n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns == NULL &&
           strcmp((const char *)n->name, name) == 0;
}

/* The attribute's text as the parser left it, or NULL. */
static const char *attr(xmlNodePtr n, const char *name)
{
    xmlAttrPtr a;

    for (a = n->properties; a != NULL; a = a->next)
        if (a->ns == NULL && strcmp((const char *)a->name, name) == 0)
            return a->children != NULL && a->children->type == XML_TEXT_NODE &&
                           a->children->next == NULL
                       ? (const char *)a->children->content
                       : "";
    return NULL;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    xmlNodePtr c;

    for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
        if (is_element(c, name))
            return c;
    return NULL;
}

/* A number as libvirt reads it (decimal, 0x hex, 0 octal, a leading '+' allowed); -1 when it is
 * not one. */
static int number(const char *text, unsigned long *out)
{
    char *end;

    if (text != NULL && *text == '+')
        text++;
    if (text == NULL || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    *out = strtoul(text, &end, 0);
    return errno == 0 && *end == '\0' ? 0 : -1;
}

static const char *element_text(xmlNodePtr n)
{
    return n != NULL && n->children != NULL && n->children->type == XML_TEXT_NODE &&
                   n->children->next == NULL
               ? (const char *)n->children->content
               : NULL;
}

static bool assumed(const struct tool_explain *e, const char *kind)
{
    size_t i;

    /* Each is the KIND=IMPLEMENTATION of an --assume the options took. */
    for (i = 0; i < e->assumed_count; i++)
        if (strncmp(e->assumed_kinds[i], kind, strlen(kind)) == 0 &&
            e->assumed_kinds[i][strlen(kind)] == '=')
            return true;
    return false;
}

/* The PCI controllers of /domain/devices, in document order. */
static int collect(struct document *d, xmlNodePtr devices)
{
    xmlNodePtr c;
    size_t n = 0;

    for (c = devices != NULL ? devices->children : NULL; c != NULL; c = c->next)
        n += is_element(c, "controller") && attr(c, "type") != NULL &&
             strcmp(attr(c, "type"), "pci") == 0;
    d->controllers = calloc(n + 1, sizeof(*d->controllers));
    if (d->controllers == NULL)
        return -1;
    for (c = devices != NULL ? devices->children : NULL; c != NULL; c = c->next) {
        struct controller *k;
        xmlNodePtr address, alias, model;
        const char *sub_type, *type;
        unsigned long value;

        if (!is_element(c, "controller") || (type = attr(c, "type")) == NULL ||
            strcmp(type, "pci") != 0)
            continue;
        k = &d->controllers[d->count++];
        k->node = c;
        k->line = xmlGetLineNo(c);
        k->index_text = attr(c, "index");
        k->index = number(k->index_text, &value) == 0 && value < 65536 ? (long)value : -1;
        sub_type = attr(c, "subType");
        k->kind_name = sub_type != NULL ? sub_type : attr(c, "model");
        k->kind = k->kind_name != NULL ? device_kind_find(k->kind_name) : NULL;
        if (sub_type != NULL)
            k->written = attr(c, "model");
        else if ((model = child(c, "model")) != NULL)
            k->written = attr(model, "name");
        k->target = child(c, "target");
        k->multifunction = -1;
        address = child(c, "address");
        if (address != NULL && attr(address, "type") != NULL &&
            strcmp(attr(address, "type"), "pci") == 0 &&
            number(attr(address, "bus"), &k->bus) == 0 &&
            number(attr(address, "slot"), &k->slot) == 0) {
            k->has_address = true;
            if (number(attr(address, "function"), &k->function) != 0)
                k->function = 0;
            if (attr(address, "multifunction") != NULL)
                k->multifunction = strcmp(attr(address, "multifunction"), "on") == 0;
        }
        alias = child(c, "alias");
        if (alias != NULL && attr(alias, "name") != NULL &&
            strncmp(attr(alias, "name"), "ua-", 3) == 0)
            k->alias = attr(alias, "name");
    }
    return 0;
}

/*
 * libvirt sets multifunction='on' on function 0 of every slot with other
 * functions in use, where the document does not say (src/conf/domain_addr.c,
 * virDomainPCIAddressSetAllMulti, called when it assigns addresses).
 */
static void mark_multifunction(struct document *d, xmlNodePtr n)
{
    size_t i;

    for (; n != NULL; n = n->next) {
        unsigned long bus, slot, function;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_element(n, "address") && attr(n, "type") != NULL &&
            strcmp(attr(n, "type"), "pci") == 0 && number(attr(n, "bus"), &bus) == 0 &&
            number(attr(n, "slot"), &slot) == 0 && number(attr(n, "function"), &function) == 0 &&
            function != 0)
            for (i = 0; i < d->count; i++) {
                struct controller *k = &d->controllers[i];

                if (k->has_address && k->bus == bus && k->slot == slot && k->function == 0 &&
                    k->multifunction < 0) {
                    k->multifunction = 1;
                    k->multi_by_libvirt = true;
                }
            }
        mark_multifunction(d, n->children);
    }
}

/* Counts, per bus, the devices with a PCI address that are not PCI controllers. */
static void count_other_devices(struct document *d, xmlNodePtr n)
{
    for (; n != NULL; n = n->next) {
        unsigned long bus;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_element(n, "controller") && attr(n, "type") != NULL &&
            strcmp(attr(n, "type"), "pci") == 0)
            continue;
        if (is_element(n, "address") && attr(n, "type") != NULL &&
            strcmp(attr(n, "type"), "pci") == 0 && number(attr(n, "bus"), &bus) == 0 &&
            bus <= d->max_bus)
            d->other_on_bus[bus]++;
        count_other_devices(d, n->children);
    }
}

/* The implementations of the reading: the explicit form's model, controller by controller. */
static void take_implementations(struct document *d, const domcompat_result *reading)
{
    const char *output;
    size_t len, i = 0;
    xmlDocPtr doc;
    xmlNodePtr c, devices;

    if (reading == NULL || (output = domcompat_result_output(reading, &len)) == NULL)
        return;
    doc = xmlReadMemory(output, (int)len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                            XML_PARSE_BIG_LINES);
    if (doc == NULL)
        return;
    devices = child(xmlDocGetRootElement(doc), "devices");
    for (c = devices != NULL ? devices->children : NULL; c != NULL && i < d->count; c = c->next) {
        const char *model;

        if (!is_element(c, "controller") || attr(c, "type") == NULL ||
            strcmp(attr(c, "type"), "pci") != 0)
            continue;
        model = attr(c, "subType") != NULL ? attr(c, "model") : NULL;
        /* The explicit form names every implementation: kept for as long as the document. */
        if (model != NULL && d->controllers[i].kind != NULL) {
            const struct device_implementation *impl =
                device_implementation_find(d->controllers[i].kind, model);

            d->controllers[i].implementation = impl != NULL ? impl->name : NULL;
        }
        i++;
    }
    xmlFreeDoc(doc);
}

/* Whether the reading refused controller `k` (its implementation is then not known). */
static bool refused_in(const domcompat_result *reading, const struct controller *k)
{
    size_t i, n = reading != NULL ? domcompat_result_refusal_count(reading) : 0;

    for (i = 0; i < n; i++) {
        const char *index = domcompat_result_refusal(reading, i)->index;

        if (index != NULL && k->index_text != NULL && strcmp(index, k->index_text) == 0)
            return true;
    }
    return false;
}

static void decide_provenance(const struct tool_explain *e, struct document *d,
                              const domcompat_result *reading, int read_ok)
{
    size_t i;

    for (i = 0; i < d->count; i++) {
        struct controller *k = &d->controllers[i];
        const struct device_implementation *impl;

        if (k->kind == NULL) {
            k->provenance = PROV_UNKNOWN;
            continue;
        }
        if (k->written != NULL && (impl = device_implementation_find(k->kind, k->written))) {
            k->implementation = impl->name;
            k->provenance = PROV_WRITTEN;
            continue;
        }
        if (k->kind->root && !(d->pseries && k->kind->implied_pseries != NULL)) {
            k->implementation = NULL;
            k->provenance = PROV_ROOT;
            continue;
        }
        if (!read_ok && refused_in(reading, k)) {
            k->provenance = PROV_UNKNOWN;
            continue;
        }
        if (k->implementation == NULL)
            k->implementation = d->pseries && k->kind->implied_pseries != NULL
                                    ? k->kind->implied_pseries
                                    : k->kind->implied;
        if (assumed(e, k->kind_name))
            k->provenance = PROV_ASSUMED;
        else if (e->source_caps && e->source != NULL && k->kind->ambiguous_since != NULL &&
                 version_value(e->source) >= version_value(k->kind->ambiguous_since))
            k->provenance = PROV_CAPS;
        else
            k->provenance = PROV_IMPLIED;
    }
}

static bool is_q35(xmlNodePtr domain)
{
    xmlNodePtr type = child(child(domain, "os"), "type");
    const char *machine = type != NULL ? attr(type, "machine") : NULL;

    return machine != NULL && strstr(machine, "q35") != NULL;
}

static bool is_pseries(xmlNodePtr domain)
{
    xmlNodePtr type = child(child(domain, "os"), "type");
    const char *machine = type != NULL ? attr(type, "machine") : NULL;
    const char *arch = type != NULL ? attr(type, "arch") : NULL;

    return (machine != NULL && strncmp(machine, "pseries", 7) == 0) ||
           (arch != NULL && strncmp(arch, "ppc64", 5) == 0);
}

static const struct controller *controller_with_index(const struct document *d, unsigned long idx)
{
    size_t i;

    for (i = 0; i < d->count; i++)
        if (d->controllers[i].index >= 0 && (unsigned long)d->controllers[i].index == idx)
            return &d->controllers[i];
    return NULL;
}

static bool is_kind(const struct controller *k, const char *name)
{
    return k->kind != NULL && strcmp(k->kind->name, name) == 0;
}

/* A pSeries PHB's target index: 0 for index 0 when the document says none; -1 unknown. */
static long phb_target_index(const struct controller *k)
{
    unsigned long value;

    if (k->target != NULL && number(attr(k->target, "index"), &value) == 0)
        return (long)value;
    return k->index == 0 ? 0 : -1;
}

/* The name QEMU gives the bus a controller provides (qemuBuildDeviceAddressPCIGetBus). */
static void bus_name(const struct document *d, const struct controller *k, char *out, size_t size)
{
    if (is_kind(k, "pcie-root")) {
        snprintf(out, size, "pcie.0");
        return;
    }
    if (is_kind(k, "pci-root") && !d->pseries) {
        snprintf(out, size, "pci.0");
        return;
    }
    if (k->alias != NULL)
        snprintf(out, size, "%s", k->alias);
    else
        snprintf(out, size, "pci.%ld", k->index);
    /* The bus of a PHB other than the default one is ALIAS.0. */
    if (is_kind(k, "pci-root") && d->pseries && phb_target_index(k) != 0) {
        size_t len = strlen(out);

        snprintf(out + len, size - len, ".0");
    }
}

/* --- the -device argument ------------------------------------------------------------ */

struct argument {
    char text[2048];
    size_t len;
    enum syntax syntax;
    char unknown[256]; /* what libvirt chooses, "bus_nr, bus, addr" */
    char wrapped[256]; /* a size libvirt writes wrapped to 64 bits, in words */
};

static void put(struct argument *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct argument *a, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (a->len >= sizeof(a->text))
        return;
    va_start(ap, fmt);
    n = vsnprintf(a->text + a->len, sizeof(a->text) - a->len, fmt, ap);
    va_end(ap);
    a->len = n < 0 ? sizeof(a->text) : a->len + (size_t)n;
}

static void key(struct argument *a, const char *name)
{
    if (a->syntax == SYNTAX_JSON)
        put(a, ",\"%s\":", name);
    else
        put(a, ",%s=", name);
}

/* A string value: JSON-quoted, or with each comma doubled as QEMU's key=value wants. */
static void string_value(struct argument *a, const char *name, const char *value)
{
    const char *p;

    key(a, name);
    if (a->syntax == SYNTAX_JSON)
        put(a, "\"");
    for (p = value; *p != '\0'; p++) {
        if (a->syntax == SYNTAX_JSON && (*p == '"' || *p == '\\'))
            put(a, "\\%c", *p);
        else if (a->syntax != SYNTAX_JSON && *p == ',')
            put(a, ",,");
        else
            put(a, "%c", *p);
    }
    if (a->syntax == SYNTAX_JSON)
        put(a, "\"");
}

static void int_value(struct argument *a, const char *name, unsigned long value, bool hex)
{
    key(a, name);
    put(a, a->syntax == SYNTAX_KEYVAL_HEX && hex ? "0x%lx" : "%lu", value);
}

static void switch_value(struct argument *a, const char *name, bool on)
{
    key(a, name);
    put(a, "%s", a->syntax == SYNTAX_JSON ? (on ? "true" : "false") : (on ? "on" : "off"));
}

/*
 * A size the document gives in KiB (memReserve), as libvirt writes it
 * (qemuBuildControllerPCIDevProps in src/qemu/qemu_command.c:
 * "P:mem-reserve", memReserve * 1024): the product of two unsigned 64-bit
 * numbers, which wraps past 2^64 - 1, passed on as a signed long long and
 * printed with %lld, and left out when that is 0 (virJSONValueObjectAddVArgs,
 * type "P", src/util/virjson.c).  A value of 2^53 KiB or more (8 EiB) so
 * reaches QEMU as another number, negative or smaller, or not at all: the
 * argument shows what libvirt writes, and `wrapped` says so.
 */
static void kib_value(struct argument *a, const char *name, const char *text)
{
    unsigned long long kib, bytes;
    char *end;

    if (text == NULL || *text < '0' || *text > '9')
        return;
    errno = 0;
    kib = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return;
    bytes = kib * 1024ULL; /* wraps as libvirt's does */
    if (kib > (unsigned long long)LLONG_MAX / 1024ULL)
        snprintf(a->wrapped, sizeof(a->wrapped),
                 "%s: %s KiB is 2^63 bytes or more, past what libvirt computes in 64 bits: "
                 "%s, not the size asked for",
                 name, text,
                 bytes == 0 ? "it wraps to 0, and libvirt leaves the property out"
                            : "libvirt writes the wrapped, signed result");
    if (bytes == 0)
        return;
    key(a, name);
    put(a, "%lld", (long long)bytes);
}

static void note_unknown(struct argument *a, const char *what)
{
    size_t len = strlen(a->unknown);

    snprintf(a->unknown + len, sizeof(a->unknown) - len, "%s%s", len ? ", " : "", what);
}

/* Whether the target version parses the kind's <target> value or child `name`. */
static bool target_parses(const struct device_kind *kind, const char *name, unsigned long libvirt)
{
    size_t i;

    for (i = 0; i < kind->target_count; i++)
        if (strcmp(kind->targets[i].name, name) == 0)
            return libvirt >= version_value(kind->targets[i].since);
    return false;
}

static void add_property(struct argument *a, const struct document *d, const struct controller *k,
                         const struct device_property *p, unsigned long libvirt)
{
    const char *text = NULL;
    unsigned long value;
    bool have = false;
    char alias[64];

    if (strcmp(p->value, "alias") == 0) {
        if (k->alias == NULL && k->index < 0) {
            note_unknown(a, p->name); /* libvirt numbers the controller, and names it after that */
            return;
        }
        if (k->alias != NULL)
            snprintf(alias, sizeof(alias), "%s", k->alias);
        else
            snprintf(alias, sizeof(alias), "pci.%ld", k->index);
        string_value(a, p->name, alias);
        return;
    }
    if (strncmp(p->value, "target/@", 8) == 0 && target_parses(k->kind, p->value + 8, libvirt))
        text = k->target != NULL ? attr(k->target, p->value + 8) : NULL;
    else if (strcmp(p->value, "target/node") == 0 && target_parses(k->kind, p->value, libvirt))
        text = element_text(child(k->target, "node"));
    if (p->type == DEVICE_KIB) {
        /* Absent or 0, or a libvirt that does not read it: libvirt writes nothing. */
        kib_value(a, p->name, text);
        return;
    }
    if (p->type == DEVICE_SWITCH) {
        /* A tristate: absent means QEMU's default, and libvirt writes nothing. */
        if (text != NULL)
            switch_value(a, p->name, strcmp(text, "on") == 0);
        return;
    }
    if (text != NULL && number(text, &value) == 0)
        have = true;
    else if (p->fallback == DEVICE_DEFAULT_INDEX && k->index >= 0) {
        value = (unsigned long)k->index;
        have = true;
    } else if (p->fallback == DEVICE_DEFAULT_SLOT_FUNCTION && k->has_address) {
        value = (k->slot << 3) + k->function;
        have = true;
    } else if (p->fallback == DEVICE_DEFAULT_SLOT && k->has_address) {
        value = k->slot;
        have = true;
    } else if (p->fallback == DEVICE_DEFAULT_ZERO_FOR_INDEX_0 && k->index == 0) {
        value = 0;
        have = true;
    }
    (void)d;
    if (have)
        int_value(a, p->name, value, p->keyval_hex);
    else if (strcmp(p->value, "target/node") != 0)
        note_unknown(a, p->name); /* libvirt chooses it when it defines the domain */
}

/* libvirt's device address properties: bus, multifunction, addr (qemuBuildDeviceAddressProps). */
static void add_address(struct argument *a, const struct document *d, const struct controller *k)
{
    const struct controller *parent;
    char bus[80];

    if (!k->has_address) {
        note_unknown(a, "bus");
        note_unknown(a, "addr");
        return;
    }
    parent = controller_with_index(d, k->bus);
    if (parent != NULL)
        bus_name(d, parent, bus, sizeof(bus));
    else if (k->bus == 0)
        /* The root bus libvirt adds to a domain that has none. */
        snprintf(bus, sizeof(bus), "%s", d->q35 ? "pcie.0" : "pci.0");
    else
        snprintf(bus, sizeof(bus), "pci.%lu", k->bus);
    string_value(a, "bus", bus);
    if (k->multifunction >= 0)
        switch_value(a, "multifunction", k->multifunction == 1);
    key(a, "addr");
    if (a->syntax == SYNTAX_JSON)
        put(a, k->function ? "\"0x%lx.0x%lx\"" : "\"0x%lx\"", k->slot, k->function);
    else
        put(a, k->function ? "0x%lx.0x%lx" : "0x%lx", k->slot, k->function);
}

/*
 * The argument for controller `k`, or 0 when libvirt writes none: a root
 * bus the machine provides (pcie-root, pci-root, the default pSeries PHB;
 * qemuBuildSkipController and qemuBuildControllerPCIDevProps).
 */
static int build_argument(struct argument *a, const struct document *d, const struct controller *k,
                          unsigned long libvirt)
{
    size_t i;

    if (k->kind == NULL || k->implementation == NULL)
        return 0;
    if (is_kind(k, "pci-root") && (!d->pseries || phb_target_index(k) == 0))
        return 0;
    if (a->syntax == SYNTAX_JSON)
        put(a, "{\"driver\":\"%s\"", k->implementation);
    else
        put(a, "%s", k->implementation);
    for (i = 0; i < k->kind->property_count; i++)
        add_property(a, d, k, &k->kind->properties[i], libvirt);
    if (!is_kind(k, "pci-root"))
        add_address(a, d, k);
    if (a->syntax == SYNTAX_JSON)
        put(a, "}");
    return 1;
}

/* The argument as libvirt's command line shows it: quoted for the shell when it must be. */
static void put_shell_word(FILE *out, const char *word)
{
    if (strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,=:/+-") ==
        strlen(word)) {
        fputs(word, out);
        return;
    }
    fputc('\'', out);
    for (; *word != '\0'; word++) {
        if (*word == '\'')
            fputs("'\\''", out);
        else
            fputc(*word, out);
    }
    fputc('\'', out);
}

/* --- problems ------------------------------------------------------------------------ */

struct problem {
    const domcompat_refusal *refusal;
    char reason[1024];
    char text[2048];
};

struct problems {
    struct problem *items;
    size_t count;
};

/*
 * The refusals of `result`: the reading's (`reading`: its implementation is
 * not known) or check's for --to.  A reason already listed for the same
 * controller is not listed again.
 */
static int gather(struct problems *p, const domcompat_result *result, bool reading)
{
    size_t n = result != NULL ? domcompat_result_refusal_count(result) : 0, i, j;
    struct problem *grown;

    if (n == 0)
        return 0;
    grown = realloc(p->items, (p->count + n) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    p->items = grown;
    for (i = 0; i < n; i++) {
        struct words_refusal worded;
        const domcompat_refusal *r = words_refusal(domcompat_result_refusal(result, i), &worded);
        struct problem *item = &p->items[p->count];
        size_t len;
        bool same = false;

        if (reading)
            snprintf(item->text, sizeof(item->text), "its implementation is unknown: %s",
                     r->reason);
        else
            domcompat_refusal_describe(r, item->text, sizeof(item->text));
        len = strlen(item->text);
        if (r->hint != NULL)
            snprintf(item->text + len, sizeof(item->text) - len, "; %s: %s",
                     reading ? "to know it" : "to convert it", r->hint);
        snprintf(item->reason, sizeof(item->reason), "%s", r->reason);
        item->refusal = domcompat_result_refusal(result, i);
        for (j = 0; j < p->count && !same; j++)
            same = strcmp(p->items[j].reason, item->reason) == 0 &&
                   (p->items[j].refusal->index == NULL) == (item->refusal->index == NULL) &&
                   (item->refusal->index == NULL ||
                    strcmp(p->items[j].refusal->index, item->refusal->index) == 0);
        if (!same)
            p->count++;
    }
    return 0;
}

static bool concerns(const struct problem *p, const struct controller *k)
{
    const char *index = p->refusal->index;

    return index != NULL && k->index_text != NULL && strcmp(index, k->index_text) == 0;
}

/* --- writing ----------------------------------------------------------------------------- */

struct view {
    const struct tool_explain *e;
    const char *name;
    struct document *d;
    struct problems *problems;
    unsigned long libvirt, qemu;
    enum syntax syntax;
    char target[32];
    bool target_given;
    FILE *out;
};

static const char *pci_id_of(const struct view *v, const struct controller *k, char *buf,
                             size_t size)
{
    const struct device_implementation *impl;

    if (k->kind == NULL || (k->implementation == NULL && k->provenance == PROV_UNKNOWN))
        return NULL;
    if (k->implementation == NULL)
        return "none";
    impl = device_implementation_find(k->kind, k->implementation);
    if (impl == NULL || impl->pci_id == NULL)
        return "none";
    (void)v;
    snprintf(buf, size, "%s", impl->pci_id);
    return buf;
}

/*
 * The PCI ID of the bridge QEMU itself puts in front of the bus `k`
 * provides (pxb's, at slot 0 of the root bus numbered busNr), or NULL.
 * *root_bus is that root bus's number, or -1 when the document leaves
 * busNr to libvirt.
 */
static const char *bridge_in_front(const struct controller *k, long *root_bus)
{
    const struct device_implementation *impl;
    unsigned long nr;

    if (k->kind == NULL || k->implementation == NULL)
        return NULL;
    impl = device_implementation_find(k->kind, k->implementation);
    if (impl == NULL || impl->bus_behind_bridge == NULL)
        return NULL;
    *root_bus = k->target != NULL && number(attr(k->target, "busNr"), &nr) == 0 && nr <= 255
                    ? (long)nr
                    : -1;
    return impl->bus_behind_bridge;
}

/* "root bus fe (busNr 254)", or what stands for it while libvirt has not chosen busNr. */
static void put_root_bus(FILE *out, long root)
{
    if (root >= 0)
        fprintf(out, "root bus %02lx (busNr %ld)", (unsigned long)root, root);
    else
        fputs("a root bus (its busNr: libvirt chooses)", out);
}

/* ", behind a PCI bridge QEMU adds (...) at slot 0 of root bus fe (busNr 254)", or nothing. */
static void text_bridge_in_front(FILE *out, const struct controller *k)
{
    long root;
    const char *bridge = bridge_in_front(k, &root);

    if (bridge == NULL)
        return;
    fprintf(out, ", behind a PCI bridge QEMU adds (%s) at slot 0 of ", bridge);
    put_root_bus(out, root);
}

static void text_controller(const struct view *v, const struct controller *k)
{
    FILE *out = v->out;
    struct argument a;
    char id[32], bus[80];
    const char *pci_id = pci_id_of(v, k, id, sizeof(id));
    size_t i;

    fprintf(out, "  index ");
    report_put_text(out, k->index_text != NULL ? k->index_text : "(none)");
    fputs(": ", out);
    report_put_text(out, k->kind_name != NULL ? k->kind_name : "(no model)");
    fprintf(out, " (line %ld)\n    implementation: ", k->line);
    if (k->implementation != NULL)
        fprintf(out, "%s, %s\n", k->implementation, provenance_words[k->provenance]);
    else
        fprintf(out, "%s\n", provenance_words[k->provenance]);
    fputs("    PCI ID: ", out);
    if (pci_id == NULL)
        fputs("unknown\n", out);
    else if (strcmp(pci_id, "none") != 0)
        fprintf(out, "%s\n", pci_id);
    else
        fputs(k->implementation != NULL ? "none: a host bridge, not a PCI device\n"
                                        : "none: a root bus\n",
              out);
    fputs("    address: ", out);
    if (k->has_address)
        fprintf(out, "%02lx:%02lx.%lx%s\n", k->bus, k->slot, k->function,
                k->multi_by_libvirt     ? " (multifunction, as libvirt sets it: other functions "
                                          "of the slot are in use)"
                : k->multifunction == 1 ? " (multifunction)"
                                        : "");
    else if (k->kind != NULL && k->kind->root)
        fputs("none: a root bus\n", out);
    else
        fputs("not yet assigned\n", out);
    if (k->index >= 0) {
        bus_name(v->d, k, bus, sizeof(bus));
        fprintf(out, "    provides: bus %02lx (%s)", (unsigned long)k->index, bus);
        text_bridge_in_front(out, k);
        fputc('\n', out);
    }
    memset(&a, 0, sizeof(a));
    a.syntax = v->syntax;
    fputs("    command line: ", out);
    if (build_argument(&a, v->d, k, v->libvirt)) {
        fputs("-device ", out);
        put_shell_word(out, a.text);
        fputc('\n', out);
        if (a.unknown[0] != '\0')
            fprintf(out, "      without %s: libvirt chooses when it defines the domain\n",
                    a.unknown);
        if (a.wrapped[0] != '\0')
            fprintf(out, "      %s\n", a.wrapped);
    } else if (k->implementation == NULL && k->provenance == PROV_UNKNOWN)
        fputs("unknown until the implementation is\n", out);
    else
        fputs("none: QEMU's machine provides it\n", out);
    for (i = 0; i < v->problems->count; i++) {
        if (!concerns(&v->problems->items[i], k))
            continue;
        fputs("    problem: ", out);
        report_put_text(out, v->problems->items[i].text);
        fputc('\n', out);
    }
}

static void text_header(const struct view *v)
{
    fputs(v->name, v->out);
    fprintf(v->out, ": for libvirt %s (%s)", v->target + 8,
            v->target_given ? "--to"
                            : "the oldest that reads its PCI controllers; --to names another");
    if (v->e->target_qemu != NULL)
        fprintf(v->out, " with QEMU %s", v->e->target_qemu);
    fprintf(v->out, "; -device in %s\n", syntax_why(v->syntax, v->libvirt, v->qemu));
}

/* Whether problem `p` concerns one of the document's controllers (it is shown there). */
static bool placed(const struct view *v, const struct problem *p)
{
    size_t j;

    for (j = 0; j < v->d->count; j++)
        if (concerns(p, &v->d->controllers[j]))
            return true;
    return false;
}

static void text_unplaced_problems(const struct view *v)
{
    size_t i;

    for (i = 0; i < v->problems->count; i++) {
        if (placed(v, &v->problems->items[i]))
            continue;
        fputs("  problem: ", v->out);
        report_put_text(v->out, v->problems->items[i].text);
        fputc('\n', v->out);
    }
}

static unsigned long others_on(const struct document *d, long bus)
{
    return bus >= 0 && (unsigned long)bus <= d->max_bus ? d->other_on_bus[bus] : 0;
}

static void tree_bus(const struct view *v, struct controller *k, int depth)
{
    size_t i;
    char bus[80];
    char id[32];
    const char *pci_id, *bridge;
    unsigned long others;
    long root;

    k->shown = true;
    for (i = 0; i < v->d->count; i++) {
        struct controller *c = &v->d->controllers[i];
        int inner = depth + 1; /* the depth of what hangs below c */

        if (c->shown || !c->has_address || k->index < 0 || c->bus != (unsigned long)k->index)
            continue;
        c->shown = true;
        pci_id = pci_id_of(v, c, id, sizeof(id));
        fprintf(v->out, "%*s%02lx:%02lx.%lx ", depth * 2, "", c->bus, c->slot, c->function);
        report_put_text(v->out, c->kind_name != NULL ? c->kind_name : "(no model)");
        fputs(" index ", v->out);
        report_put_text(v->out, c->index_text != NULL ? c->index_text : "(none)");
        fprintf(v->out, " (%s, %s)", c->implementation != NULL ? c->implementation : "unknown",
                pci_id != NULL ? pci_id : "unknown");
        if (c->index < 0) {
            fputc('\n', v->out);
        } else {
            bus_name(v->d, c, bus, sizeof(bus));
            others = others_on(v->d, c->index);
            bridge = bridge_in_front(c, &root);
            if (bridge != NULL) {
                /* The expander's root bus, then the bridge QEMU adds on it. */
                fputs(" -> ", v->out);
                put_root_bus(v->out, root);
                fprintf(v->out, "\n%*sslot 0: a PCI bridge QEMU adds (%s)", (depth + 1) * 2, "",
                        bridge);
                inner = depth + 2;
            }
            fprintf(v->out, " -> bus %02lx (%s): %lu other device%s\n", (unsigned long)c->index,
                    bus, others, others == 1 ? "" : "s");
        }
        if (inner < 64)
            tree_bus(v, c, inner);
    }
}

static void text_tree(const struct view *v)
{
    size_t i;
    char bus[80];
    unsigned long others;
    bool header = false;

    fputs(v->name, v->out);
    fputs(": PCI topology\n", v->out);
    for (i = 0; i < v->d->count; i++) {
        struct controller *k = &v->d->controllers[i];

        if (k->kind == NULL || !k->kind->root || k->index < 0)
            continue;
        bus_name(v->d, k, bus, sizeof(bus));
        others = others_on(v->d, k->index);
        fprintf(v->out, "  bus %02lx %s (%s): %lu other device%s\n", (unsigned long)k->index,
                k->kind->name, bus, others, others == 1 ? "" : "s");
        tree_bus(v, k, 2);
    }
    for (i = 0; i < v->d->count; i++) {
        const struct controller *k = &v->d->controllers[i];

        if (k->shown || (k->kind != NULL && k->kind->root))
            continue;
        if (!header)
            fputs("  not attached to any bus above:\n", v->out);
        header = true;
        fputs("    index ", v->out);
        report_put_text(v->out, k->index_text != NULL ? k->index_text : "(none)");
        fputc(' ', v->out);
        report_put_text(v->out, k->kind_name != NULL ? k->kind_name : "(no model)");
        if (k->has_address)
            fprintf(v->out, " at %02lx:%02lx.%lx: no controller provides bus %02lx\n", k->bus,
                    k->slot, k->function, k->bus);
        else
            fputs(": address not yet assigned\n", v->out);
    }
}

static void json_key(FILE *out, const char *name)
{
    fprintf(out, ", \"%s\": ", name);
}

static void json_controller(const struct view *v, const struct controller *k, bool first)
{
    FILE *out = v->out;
    struct argument a;
    char id[32], bus[80];
    const char *pci_id = pci_id_of(v, k, id, sizeof(id)), *bridge;
    long root;
    size_t i;
    bool any = false;

    fprintf(out, "%s\n    {\"line\": %ld", first ? "" : ",", k->line);
    json_key(out, "index");
    report_json_string(out, k->index_text);
    json_key(out, "kind");
    report_json_string(out, k->kind_name);
    json_key(out, "implementation");
    report_json_string(out, k->implementation);
    json_key(out, "provenance");
    report_json_string(out, provenance_names[k->provenance]);
    json_key(out, "pci_id");
    report_json_string(out, pci_id != NULL && strcmp(pci_id, "none") != 0 ? pci_id : NULL);
    json_key(out, "address");
    if (k->has_address)
        fprintf(out, "{\"bus\": %lu, \"slot\": %lu, \"function\": %lu, \"multifunction\": %s}",
                k->bus, k->slot, k->function,
                k->multifunction < 0 ? "null"
                : k->multifunction   ? "true"
                                     : "false");
    else
        fputs("null", out);
    json_key(out, "provides_bus");
    if (k->index >= 0) {
        bus_name(v->d, k, bus, sizeof(bus));
        fprintf(out, "{\"number\": %ld, \"name\": ", k->index);
        report_json_string(out, bus);
        fprintf(out, ", \"other_devices\": %lu", others_on(v->d, k->index));
        json_key(out, "behind_bridge");
        bridge = bridge_in_front(k, &root);
        if (bridge != NULL) {
            fprintf(out, "{\"pci_id\": \"%s\", \"root_bus\": ", bridge);
            if (root >= 0)
                fprintf(out, "%ld", root);
            else
                fputs("null", out);
            fputs(", \"slot\": 0, \"function\": 0}", out);
        } else
            fputs("null", out);
        fputs("}", out);
    } else
        fputs("null", out);
    memset(&a, 0, sizeof(a));
    a.syntax = v->syntax;
    json_key(out, "device");
    if (build_argument(&a, v->d, k, v->libvirt)) {
        report_json_string(out, a.text);
        json_key(out, "chosen_by_libvirt");
        fputs("[", out);
        if (a.unknown[0] != '\0') {
            char *p = a.unknown, *comma;

            for (;; p = comma + 2) {
                comma = strstr(p, ", ");
                if (comma != NULL)
                    *comma = '\0';
                fprintf(out, "%s\"%s\"", p == a.unknown ? "" : ", ", p);
                if (comma == NULL)
                    break;
            }
        }
        fputs("]", out);
    } else
        fputs("null", out);
    json_key(out, "problems");
    fputs("[", out);
    for (i = 0; i < v->problems->count; i++) {
        const struct problem *p = &v->problems->items[i];

        if (!concerns(p, k))
            continue;
        fprintf(out, "%s{\"line\": %lu, \"loss\": %s, \"what\": ", any ? ", " : "",
                p->refusal->line, p->refusal->loss ? "true" : "false");
        report_json_string(out, p->text);
        fputs("}", out);
        any = true;
    }
    fputs("]}", out);
}

static void json_document(const struct view *v, int status)
{
    FILE *out = v->out;
    size_t i;
    bool first = true;

    fputs("  {\"path\": ", out);
    report_json_string(out, v->name);
    fprintf(out, ", \"outcome\": \"%s\", \"exit\": %d", status == 0 ? "ok" : "refused", status);
    json_key(out, "libvirt");
    report_json_string(out, v->target + 8);
    fprintf(out, ", \"libvirt_from\": \"%s\"", v->target_given ? "--to" : "document");
    json_key(out, "qemu");
    report_json_string(out, v->e->target_qemu);
    fprintf(out, ", \"syntax\": \"%s\", \"controllers\": [", syntax_name(v->syntax));
    for (i = 0; i < v->d->count; i++)
        json_controller(v, &v->d->controllers[i], i == 0);
    fputs(v->d->count ? "\n  ]" : "]", out);
    fputs(", \"problems\": [", out);
    for (i = 0; i < v->problems->count; i++) {
        if (placed(v, &v->problems->items[i]))
            continue;
        fputs(first ? "" : ", ", out);
        report_json_string(out, v->problems->items[i].text);
        first = false;
    }
    fputs("]}", out);
}

/* The oldest libvirt that parses every construct of the document's PCI controllers. */
static unsigned long oldest_reader(const struct document *d)
{
    unsigned long oldest = VERSION(1, 0, 5), v;
    size_t i, j;

    for (i = 0; i < d->count; i++) {
        const struct controller *k = &d->controllers[i];
        const struct device_implementation *impl;
        xmlAttrPtr a;

        if (k->kind == NULL)
            continue;
        if ((v = version_value(k->kind->since)) > oldest)
            oldest = v;
        if (k->written != NULL && (v = version_value(device_model_name_since)) > oldest)
            oldest = v;
        /*
         * An implementation the legacy form does not imply (written, assumed
         * or chosen) needs a libvirt that names it, or gives it to a
         * model-only controller.
         */
        if (k->implementation != NULL &&
            (k->written != NULL || k->kind->implied == NULL ||
             strcmp(k->implementation, k->kind->implied) != 0) &&
            (impl = device_implementation_find(k->kind, k->implementation)) != NULL &&
            (v = version_value(impl->since)) > oldest)
            oldest = v;
        for (a = k->target != NULL ? k->target->properties : NULL; a != NULL; a = a->next)
            for (j = 0; j < k->kind->target_count; j++)
                if (strcmp(k->kind->targets[j].name, (const char *)a->name) == 0 &&
                    (v = version_value(k->kind->targets[j].since)) > oldest)
                    oldest = v;
    }
    return oldest;
}

int tool_explain_document(const struct tool_explain *e, const char *name, const char *data,
                          size_t len, const domcompat_result *reading,
                          const domcompat_result *checked, int status, FILE *out)
{
    struct document d;
    struct problems problems = {NULL, 0};
    struct view v;
    xmlNodePtr domain, devices;
    size_t i;
    int rc = -1;

    memset(&d, 0, sizeof(d));
    if (len > INT32_MAX)
        return -1;
    d.doc = xmlReadMemory(data, (int)len, NULL, NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_BIG_LINES);
    if (d.doc == NULL)
        return -1;
    domain = xmlDocGetRootElement(d.doc);
    devices = child(domain, "devices");
    d.pseries = is_pseries(domain);
    d.q35 = is_q35(domain);
    if (collect(&d, devices) != 0)
        goto out;
    for (i = 0; i < d.count; i++)
        if (d.controllers[i].index > (long)d.max_bus)
            d.max_bus = (unsigned long)d.controllers[i].index;
    if ((d.other_on_bus = calloc(d.max_bus + 1, sizeof(*d.other_on_bus))) == NULL)
        goto out;
    count_other_devices(&d, devices != NULL ? devices->children : NULL);
    mark_multifunction(&d, devices != NULL ? devices->children : NULL);
    take_implementations(&d, reading);
    decide_provenance(e, &d, reading,
                      reading != NULL && domcompat_result_output(reading, &i) != NULL);
    if (gather(&problems, reading, true) != 0 || gather(&problems, checked, false) != 0)
        goto out;

    memset(&v, 0, sizeof(v));
    v.e = e;
    v.name = name;
    v.d = &d;
    v.problems = &problems;
    v.out = out;
    v.target_given = e->target != NULL;
    v.libvirt = e->target != NULL ? version_value(e->target) : oldest_reader(&d);
    snprintf(v.target, sizeof(v.target), "libvirt-%lu.%lu.%lu", v.libvirt / 1000000,
             v.libvirt / 1000 % 1000, v.libvirt % 1000);
    v.qemu = version_value(e->target_qemu);
    v.syntax = syntax_for(v.libvirt, v.qemu);
    for (i = 0; i < d.count && status == 0; i++)
        if (d.controllers[i].provenance == PROV_UNKNOWN)
            status = 1;
    if (problems.count > 0)
        status = 1;

    if (e->json)
        json_document(&v, status);
    else if (e->tree) {
        text_tree(&v);
        for (i = 0; i < problems.count; i++) {
            fputs("  problem: ", out);
            report_put_text(out, problems.items[i].text);
            fputc('\n', out);
        }
    } else {
        text_header(&v);
        if (d.count == 0)
            fputs("  no PCI controllers\n", out);
        for (i = 0; i < d.count; i++)
            text_controller(&v, &d.controllers[i]);
        text_unplaced_problems(&v);
    }
    rc = status;
out:
    free(problems.items);
    free(d.controllers);
    free(d.other_on_bus);
    xmlFreeDoc(d.doc);
    return rc;
}
