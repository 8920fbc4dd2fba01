#include "controllers.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "kinds.h"
#include "parse.h"
#include "sourcemap.h"
#include "tree.h"

bool controllers_is_pci(const xmlNode *node)
{
    const char *type;

    if (!tree_is(node, "controller"))
        return false;
    type = tree_attr(node, "type");
    return type != NULL && strcmp(type, "pci") == 0;
}

/* Appends `node` to `list`, whose room is *cap; -1 when out of memory. */
static int add(struct pci_controllers *list, size_t *cap, xmlNode *node)
{
    if (list->count == *cap) {
        size_t new_cap = *cap ? *cap * 2 : 16;
        xmlNode **nodes = realloc(list->nodes, new_cap * sizeof(*nodes));

        if (nodes == NULL)
            return -1;
        list->nodes = nodes;
        *cap = new_cap;
    }
    list->nodes[list->count++] = node;
    return 0;
}

int controllers_collect(struct pci_controllers *pci, struct pci_controllers *all, xmlDocPtr doc)
{
    xmlNode *root = xmlDocGetRootElement(doc), *devices, *node;
    size_t pci_cap = 0, all_cap = 0;

    pci->nodes = NULL;
    pci->count = 0;
    if (all != NULL) {
        all->nodes = NULL;
        all->count = 0;
    }
    for (devices = root ? root->children : NULL; devices != NULL; devices = devices->next) {
        if (!tree_is(devices, "devices"))
            continue;
        for (node = devices->children; node != NULL; node = node->next) {
            if ((all != NULL && tree_is(node, "controller") && add(all, &all_cap, node) != 0) ||
                (controllers_is_pci(node) && add(pci, &pci_cap, node) != 0)) {
                controllers_free(pci);
                if (all != NULL)
                    controllers_free(all);
                return -1;
            }
        }
    }
    return 0;
}

int controllers_collect_misplaced(struct pci_controllers *out, xmlDocPtr doc)
{
    xmlNode *root = xmlDocGetRootElement(doc), *node = NULL;
    size_t cap = 0;

    out->nodes = NULL;
    out->count = 0;
    while (root != NULL && (node = controllers_next_misplaced(root, node)) != NULL)
        if (add(out, &cap, node) != 0) {
            controllers_free(out);
            return -1;
        }
    return 0;
}

void controllers_free(struct pci_controllers *list)
{
    free(list->nodes);
    list->nodes = NULL;
    list->count = 0;
}

domcompat_form controllers_form(const struct pci_controllers *list)
{
    size_t i, explicit_count = 0, pinned = 0;

    if (list->count == 0)
        return DOMCOMPAT_FORM_ANY;
    for (i = 0; i < list->count; i++) {
        if (xmlHasNsProp(list->nodes[i], BAD_CAST "subType", NULL) != NULL)
            explicit_count++;
        else if (tree_child(list->nodes[i], "model") != NULL)
            pinned++;
    }
    if (explicit_count == list->count)
        return DOMCOMPAT_FORM_EXPLICIT;
    if (explicit_count > 0)
        return DOMCOMPAT_FORM_MIXED;
    /* Model-only controllers are in the libvirt form too: libvirt writes root buses that way. */
    return pinned > 0 ? DOMCOMPAT_FORM_LIBVIRT : DOMCOMPAT_FORM_LEGACY;
}

/* The kind an implementation name belongs to, for "did you mean" messages. */
static const struct kind *kind_of_implementation(const char *name)
{
    size_t i;

    for (i = 0; i < kinds_count; i++)
        if (kind_has_implementation(&kinds_table[i], name))
            return &kinds_table[i];
    return NULL;
}

static bool parse_index(const char *text, unsigned long *out)
{
    char *end;

    if (text == NULL || *text < '0' || *text > '9')
        return false;
    errno = 0;
    *out = strtoul(text, &end, 10);
    return errno == 0 && *end == '\0' && *out <= 0xFFFFFFFFUL;
}

/* Fills `err` for a problem with `node` and returns true. */
static bool problem(domcompat_error *err, const char *data, size_t len, xmlNode *node,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool problem(domcompat_error *err, const char *data, size_t len, xmlNode *node,
                    const char *fmt, ...)
{
    unsigned long line, column;
    char message[sizeof(err->message)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    parse_element_position(data, len, node, &line, &column);
    error_set(err, DOMCOMPAT_EINVALID, line, column, "%s", message);
    return true;
}

static bool diagnose_kind(xmlNode *node, domcompat_form expected, const char *data, size_t len,
                          domcompat_error *err)
{
    const char *sub_type = tree_attr(node, "subType");
    const char *model = tree_attr(node, "model");
    const struct kind *kind;
    char list[512];

    if (sub_type != NULL) {
        kind = kinds_find(sub_type);
        if (kind == NULL) {
            kinds_list_names(list, sizeof(list));
            return problem(err, data, len, node,
                           "unknown PCI controller kind subType='%s'; expected one of: %s",
                           sub_type, list);
        }
        if (model != NULL && !kind_has_implementation(kind, model)) {
            if (kind->implementation_count == 0)
                return problem(err, data, len, node,
                               "model='%s' on subType='%s': %s is a root bus and has no "
                               "implementation; expected no model",
                               model, sub_type, sub_type);
            kind_list_implementations(kind, list, sizeof(list));
            return problem(
                err, data, len, node,
                "model='%s' is not an implementation of subType='%s'; expected one of: %s", model,
                sub_type, list);
        }
        if (model == NULL && !kind->root) {
            kind_list_implementations(kind, list, sizeof(list));
            return problem(err, data, len, node,
                           "subType='%s' has no model; expected model naming its "
                           "implementation, one of: %s",
                           sub_type, list);
        }
        if (expected == DOMCOMPAT_FORM_LEGACY)
            return problem(err, data, len, node,
                           "the controller is in the explicit form (subType='%s'); "
                           "expected the legacy form (model='%s' only)",
                           sub_type, sub_type);
        if (expected == DOMCOMPAT_FORM_LIBVIRT)
            return problem(err, data, len, node,
                           "the controller is in the explicit form (subType='%s'); expected "
                           "libvirt's form (model='%s'%s)",
                           sub_type, sub_type,
                           kind->implementation_count ? ", an implementation in <model name='...'/>"
                                                      : "");
        return false;
    }
    if (model == NULL)
        return problem(err, data, len, node,
                       "PCI controller without model or subType; expected model='KIND' "
                       "(legacy form) or subType='KIND' model='IMPLEMENTATION' (explicit form)");
    kind = kinds_find(model);
    if (kind == NULL) {
        kind = kind_of_implementation(model);
        if (kind != NULL)
            return problem(err, data, len, node,
                           "model='%s' names an implementation without its kind; expected "
                           "subType='%s' model='%s' (explicit form)",
                           model, kind->name, model);
        kinds_list_names(list, sizeof(list));
        return problem(err, data, len, node,
                       "unknown PCI controller kind model='%s'; expected one of: %s", model, list);
    }
    if (expected == DOMCOMPAT_FORM_EXPLICIT)
        return problem(err, data, len, node,
                       "the controller is in the legacy form (model='%s' only); expected the "
                       "explicit form (subType='%s'%s)",
                       model, model, kind->root ? "" : " and model naming the implementation");
    return false;
}

/*
 * libvirt's <model name='IMPLEMENTATION'/> holds nothing else: no other
 * attribute, no element.  libxml2's validator reports either as extra
 * content somewhere else in the domain (the interleave of <domain>), so
 * it is said here, at the <model> element.  Not fixed as of 2.15.4:
 * measured with xmllint --relaxng schemas/libvirt.rng, an attribute or a
 * child added to a <model name> on line 34 gave "Element domain has extra
 * content: name" at line 2 with 2.9.14 and 2.15.4 alike.
 */
static bool diagnose_model_content(xmlNode *model, const char *index, const char *data, size_t len,
                                   domcompat_error *err)
{
    xmlAttr *attr;
    xmlNode *child;

    for (attr = model->properties; attr != NULL; attr = attr->next)
        if (attr->ns != NULL || !xmlStrEqual(attr->name, BAD_CAST "name"))
            return problem(err, data, len, model,
                           "<model> in PCI controller %s%s has the attribute %s%s%s; expected "
                           "<model name='IMPLEMENTATION'/>, with no other attribute",
                           index ? "index " : "with no index", index ? index : "",
                           attr->ns && attr->ns->prefix ? (const char *)attr->ns->prefix : "",
                           attr->ns && attr->ns->prefix ? ":" : "", (const char *)attr->name);
    for (child = model->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            return problem(err, data, len, model,
                           "<model> in PCI controller %s%s holds an element <%s>; expected "
                           "<model name='IMPLEMENTATION'/>, with nothing inside",
                           index ? "index " : "with no index", index ? index : "",
                           (const char *)child->name);
    return false;
}

/* libvirt's spelling: at most one <model name> child, naming an implementation of model='KIND'. */
static bool diagnose_model_children(xmlNode *node, domcompat_form expected, const char *data,
                                    size_t len, domcompat_error *err)
{
    const char *sub_type = tree_attr(node, "subType"), *model = tree_attr(node, "model");
    const char *index = tree_attr(node, "index"), *name;
    xmlNode *child, *first = NULL;
    const struct kind *kind;
    char list[512];

    for (child = node->children; child != NULL; child = child->next) {
        if (!tree_is(child, "model"))
            continue;
        if (first != NULL)
            return problem(err, data, len, child,
                           "a second <model> inside PCI controller %s%s; libvirt's form names one "
                           "implementation in one <model name='...'/>",
                           index ? "index " : "with no index", index ? index : "");
        first = child;
    }
    if (first == NULL)
        return false;
    if (sub_type != NULL)
        return problem(err, data, len, first,
                       "<model> inside a PCI controller with subType='%s'; expected the explicit "
                       "form (subType and model) or libvirt's form (model and "
                       "<model name='...'/>), not both",
                       sub_type);
    kind = kinds_find(model);
    if (kind == NULL)
        return false; /* the kind itself is the problem: diagnose_kind says so */
    if (diagnose_model_content(first, index, data, len, err))
        return true;
    name = tree_attr(first, "name");
    if (name == NULL)
        return problem(err, data, len, first,
                       "<model> without a name in a PCI controller; expected "
                       "<model name='IMPLEMENTATION'/>");
    if (kind->implementation_count == 0)
        return problem(err, data, len, first,
                       "<model name='%s'/> in model='%s': %s is a root bus and has no "
                       "implementation; expected no <model> child",
                       name, model, model);
    if (!kind_has_implementation(kind, name)) {
        kind_list_implementations(kind, list, sizeof(list));
        return problem(err, data, len, first,
                       "<model name='%s'/> is not an implementation of model='%s'; expected one "
                       "of: %s",
                       name, model, list);
    }
    if (expected == DOMCOMPAT_FORM_LEGACY)
        return problem(err, data, len, first,
                       "<model name='%s'/> inside a PCI controller is libvirt's form; expected the "
                       "legacy form (model='%s' only)",
                       name, model);
    if (expected == DOMCOMPAT_FORM_EXPLICIT)
        return problem(err, data, len, first,
                       "<model name='%s'/> inside a PCI controller is libvirt's form; expected the "
                       "explicit form (subType='%s' model='%s')",
                       name, model, name);
    return false;
}

/* Whether `value` is one of `type`'s, as libvirt's schema types it (element text is not kept). */
static bool value_fits(enum kind_value_type type, const char *value)
{
    unsigned long long number;
    char *end;

    switch (type) {
    case KIND_VALUE_ON_OFF: return strcmp(value, "on") == 0 || strcmp(value, "off") == 0;
    case KIND_VALUE_UINT8:
        if (value[0] == '0' && value[1] == 'x')
            return value[2] != '\0' &&
                   strspn(value + 2, "0123456789abcdefABCDEF") == strlen(value + 2) &&
                   strlen(value + 2) <= 2;
        /* xsd:int: surrounding spaces and a sign are allowed, the value must be 0 to 255. */
        value += strspn(value, " \t\r\n");
        if (*value == '+')
            value++;
        if (*value < '0' || *value > '9')
            return false;
        errno = 0;
        number = strtoull(value, &end, 10);
        return errno == 0 && end[strspn(end, " \t\r\n")] == '\0' && number <= 255;
    case KIND_VALUE_UNSIGNED_LONG:
        return value[0] != '\0' && strspn(value, "0123456789") == strlen(value);
    case KIND_VALUE_UNSIGNED_INT:
    case KIND_VALUE_SCALED: return true;
    }
    return true;
}

static const char *type_expectation(enum kind_value_type type)
{
    switch (type) {
    case KIND_VALUE_ON_OFF: return "on or off";
    case KIND_VALUE_UINT8: return "a number from 0 to 255, or 0x0 to 0xff";
    case KIND_VALUE_UNSIGNED_LONG: return "a number of KiB (decimal digits)";
    case KIND_VALUE_UNSIGNED_INT:
    case KIND_VALUE_SCALED: break;
    }
    return "a value libvirt accepts";
}

/* A unit of libvirt's scaledInteger: b, bytes, KB, KiB, k, M, MiB, ... */
static bool is_unit(const char *unit)
{
    static const char scales[] = "kKmMgGtTpPeE";

    if ((unit[0] == 'b' || unit[0] == 'B') &&
        (unit[1] == '\0' || strcasecmp(unit + 1, "yte") == 0 || strcasecmp(unit + 1, "ytes") == 0))
        return true;
    if (unit[0] == '\0' || strchr(scales, unit[0]) == NULL)
        return false;
    return unit[1] == '\0' || strcasecmp(unit + 1, "b") == 0 || strcasecmp(unit + 1, "ib") == 0;
}

const struct kind *controllers_kind(const xmlNode *node)
{
    const char *sub_type = tree_attr(node, "subType");

    return kinds_find(sub_type != NULL ? sub_type : tree_attr(node, "model"));
}

/* "PCI controller index 3 (pcie-root-port)" */
static void controller_name(const xmlNode *node, const struct kind *kind, char *out, size_t size)
{
    const char *index = tree_attr(node, "index");

    snprintf(out, size, "PCI controller %s%s (%s)", index ? "index " : "with no index",
             index ? index : "", kind->name);
}

/* The <target> of `node`, of kind `kind`: only the attributes and children libvirt defines for it.
 */
static bool diagnose_target(xmlNode *node, xmlNode *target, const struct kind *kind,
                            const char *data, size_t len, domcompat_error *err)
{
    const struct kind_target *known;
    char controller[256], expected[256], having[256], path[128], why[512];
    xmlAttr *attr;
    xmlNode *child;

    controller_name(node, kind, controller, sizeof(controller));
    for (attr = target->properties; attr != NULL; attr = attr->next) {
        const char *name = (const char *)attr->name, *value;
        xmlChar *joined = NULL;
        bool fits;

        if (attr->ns != NULL)
            return problem(err, data, len, target,
                           "<target> attribute %s:%s on %s is in a namespace; expected "
                           "attributes without a namespace prefix",
                           (const char *)attr->ns->prefix, name, controller);
        if ((value = (const char *)tree_attr_value(attr, &joined)) == NULL)
            return false; /* out of memory: the schema's own message will do */
        known = kind_find_target(kind, name);
        if (known == NULL || known->element) {
            kind_list_targets(kind, false, expected, sizeof(expected));
            kinds_list_having_target(name, having, sizeof(having));
            if (having[0] != '\0')
                snprintf(why, sizeof(why), "libvirt defines %s only on %s", name, having);
            else
                snprintf(why, sizeof(why), "not an attribute libvirt defines");
            problem(err, data, len, target, "<target %s='%s'> on %s: %s; expected %s%s", name,
                    value, controller, why, expected[0] ? "one of: " : "no attribute on ",
                    expected[0] ? expected : kind->name);
            xmlFree(joined);
            return true;
        }
        fits = value_fits(known->type, value);
        if (!fits)
            problem(err, data, len, target, "<target %s='%s'> on %s: expected %s", name, value,
                    controller, type_expectation(known->type));
        xmlFree(joined);
        if (!fits)
            return true;
    }
    for (child = target->children; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        snprintf(path, sizeof(path), "target/%s", (const char *)child->name);
        known = child->ns == NULL ? kind_find_target(kind, path) : NULL;
        if (known == NULL) {
            kinds_list_having_target(path, having, sizeof(having));
            return problem(err, data, len, child,
                           "<%s> inside the <target> of %s: libvirt defines it %s%s",
                           (const char *)child->name, controller,
                           having[0] ? "only on " : "on no PCI controller", having);
        }
    }
    return false;
}

/* <target>, and the children only some kinds have (<pcihole64>), as libvirt defines them per kind.
 */
static bool diagnose_kind_children(xmlNode *node, const char *data, size_t len,
                                   domcompat_error *err)
{
    const struct kind *kind = controllers_kind(node);
    char controller[256], having[256];
    xmlNode *child;

    if (kind == NULL)
        return false;
    controller_name(node, kind, controller, sizeof(controller));
    for (child = node->children; child != NULL; child = child->next) {
        const struct kind_target *known;
        const char *unit;

        if (child->type != XML_ELEMENT_NODE || child->ns != NULL)
            continue;
        if (tree_is(child, "target")) {
            if (diagnose_target(node, child, kind, data, len, err))
                return true;
            continue;
        }
        kinds_list_having_target((const char *)child->name, having, sizeof(having));
        if (having[0] == '\0')
            continue; /* not one of the kinds' children: anything goes */
        known = kind_find_target(kind, (const char *)child->name);
        if (known == NULL)
            return problem(err, data, len, child, "<%s> inside %s: libvirt defines it only on %s",
                           (const char *)child->name, controller, having);
        unit = tree_attr(child, "unit");
        if (known->type == KIND_VALUE_SCALED && unit != NULL && !is_unit(unit))
            return problem(err, data, len, child,
                           "<%s unit='%s'> inside %s: expected a unit such as b, KiB, MiB or GiB",
                           (const char *)child->name, unit, controller);
    }
    return false;
}

static bool diagnose_pci_controller(xmlNode *node, domcompat_form expected, const char *data,
                                    size_t len, domcompat_error *err)
{
    const char *index = tree_attr(node, "index");
    unsigned long value;
    xmlAttr *attr;

    for (attr = node->properties; attr != NULL; attr = attr->next)
        if (attr->ns != NULL)
            return problem(err, data, len, node,
                           "PCI controller attribute %s:%s is in a namespace; expected "
                           "attributes without a namespace prefix",
                           (const char *)attr->ns->prefix, (const char *)attr->name);
    if (xmlHasNsProp(node, BAD_CAST "index", NULL) != NULL && !parse_index(index, &value))
        return problem(
            err, data, len, node,
            "index='%s' is not an unsigned integer; expected a number from 0 to 4294967295",
            index ? index : "");
    if (diagnose_model_children(node, expected, data, len, err))
        return true;
    if (diagnose_kind(node, expected, data, len, err))
        return true;
    return diagnose_kind_children(node, data, len, err);
}

xmlNode *controllers_next_misplaced(xmlNode *root, xmlNode *after)
{
    xmlNode *node = after;

    /* Iterative pre-order walk: deep documents cannot overflow the stack. */
    for (;;) {
        if (node == NULL) {
            node = root->children;
        } else if (node->type == XML_ELEMENT_NODE && node->children != NULL) {
            node = node->children;
        } else {
            while (node != root && node->next == NULL)
                node = node->parent;
            node = node == root ? NULL : node->next;
        }
        if (node == NULL)
            return NULL;
        if (tree_is(node, "controller") &&
            !(tree_is(node->parent, "devices") && node->parent->parent == root))
            return node;
    }
}

bool controllers_diagnose(xmlDocPtr doc, const struct pci_controllers *list,
                          domcompat_form expected, const char *data, size_t len,
                          domcompat_error *err)
{
    xmlNode *root = xmlDocGetRootElement(doc), *child, *node, *misplaced;
    const char *type;
    size_t i;

    for (i = 0; i < list->count; i++)
        if (diagnose_pci_controller(list->nodes[i], expected, data, len, err))
            return true;
    if ((misplaced = controllers_next_misplaced(root, NULL)) != NULL) {
        if (misplaced->parent == root)
            return problem(err, data, len, misplaced,
                           "<controller> directly inside <domain>; expected it inside <devices>");
        return problem(err, data, len, misplaced,
                       "<controller> inside <%s>; expected it inside <devices>",
                       (const char *)misplaced->parent->name);
    }
    for (child = root->children; child != NULL; child = child->next) {
        if (!tree_is(child, "devices"))
            continue;
        for (node = child->children; node != NULL; node = node->next) {
            if (!tree_is(node, "controller") || controllers_is_pci(node))
                continue;
            type = tree_attr(node, "type");
            if (xmlHasNsProp(node, BAD_CAST "subType", NULL) != NULL)
                return problem(err, data, len, node,
                               "subType on a controller of type '%s'; only PCI controllers "
                               "(type='pci') have a subType",
                               type ? type : "(none)");
        }
    }
    return false;
}

struct indexed {
    unsigned long index;
    size_t position;
};

static int by_index(const void *a, const void *b)
{
    const struct indexed *x = a, *y = b;

    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

int controllers_check_indexes(const struct pci_controllers *list, const char *data, size_t len,
                              domcompat_error *err)
{
    struct indexed *sorted;
    size_t i, n = 0;
    int rc = DOMCOMPAT_OK;

    if (list->count < 2)
        return DOMCOMPAT_OK;
    sorted = malloc(list->count * sizeof(*sorted));
    if (sorted == NULL)
        return error_nomem(err);
    for (i = 0; i < list->count; i++) {
        if (parse_index(tree_attr(list->nodes[i], "index"), &sorted[n].index)) {
            sorted[n].position = i;
            n++;
        }
    }
    qsort(sorted, n, sizeof(*sorted), by_index);
    for (i = 1; i < n; i++) {
        unsigned long first_line, first_col, line, col;

        if (sorted[i].index != sorted[i - 1].index)
            continue;
        parse_element_position(data, len, list->nodes[sorted[i - 1].position], &first_line,
                               &first_col);
        parse_element_position(data, len, list->nodes[sorted[i].position], &line, &col);
        rc = error_set(err, DOMCOMPAT_EINVALID, line, col,
                       "a second PCI controller with index %lu (the first is on line %lu); "
                       "expected each PCI controller index once",
                       sorted[i].index, first_line);
        break;
    }
    free(sorted);
    return rc;
}
