#include "skeleton.h"

#include <stdlib.h>
#include <string.h>

#include "controllers.h"
#include "kinds.h"
#include "memo.h"
#include "tree.h"

/* The namespace `ns` within `copy`'s scope, declared on `copy` when missing; NULL if out of memory.
 */
static xmlNs *namespace_in(xmlNode *copy, const xmlNs *ns)
{
    xmlNs *found = xmlSearchNsByHref(copy->doc, copy, ns->href);

    if (found != NULL && xmlStrEqual(found->prefix, ns->prefix))
        return found;
    return xmlNewNs(copy, ns->href, ns->prefix);
}

/* Appends to `parent` an element named as `node` is (namespace included), pointing at it. */
static xmlNode *append_element(xmlNode *parent, xmlNode *node)
{
    xmlNode *copy = xmlNewDocNode(parent->doc, NULL, node->name, NULL);

    /* libxml2 2.9.14 may make it without its name when out of memory (copy_content). */
    if (copy == NULL || copy->name == NULL || xmlAddChild(parent, copy) == NULL) {
        xmlFreeNode(copy);
        return NULL;
    }
    copy->_private = node;
    if (node->ns != NULL) {
        xmlNs *ns = namespace_in(copy, node->ns);

        if (ns == NULL) {
            xmlUnlinkNode(copy);
            xmlFreeNode(copy);
            return NULL;
        }
        xmlSetNs(copy, ns);
    }
    return copy;
}

static xmlNode *append_copy(xmlNode *parent, xmlNode *node, bool deep);

/*
 * Gives `copy` the attributes of `node` and, when `deep`, copies of its
 * elements below (text is read by neither schemas nor rules).  Returns 0,
 * or -1 when out of memory.
 *
 * The copy is domcompat's own on every version, because it must point each
 * element at its original and leave text out, which xmlDocCopyNode() does
 * not.  It also checks every node it makes, because libxml2 2.9.14 makes
 * incomplete ones when an allocation fails.  Measured, failing each
 * allocation in turn: a deep xmlDocCopyNode() of one PCI controller gave a
 * partial copy (an element or attribute without its name, a subtree left
 * out) for 51 of its 52 allocations and leaked memory for 9, where 2.15.4
 * gave NULL for all 52 and leaked nothing; xmlNewDocNode() followed by
 * xmlNewNsProp() gave an element or attribute without its name, or an
 * attribute without its value, for 3 of 6, where 2.15.4 gave NULL for all 6.
 * libxml2 2.13.0's news says most of the core reports failed allocations
 * from that release on; 2.10 to 2.12 were not measured.  The checks stay
 * on every version: a complete node passes them, so they cost nothing
 * where libxml2 returns NULL instead.
 */
static int copy_content(xmlNode *copy, xmlNode *node, bool deep)
{
    const xmlAttr *attr;
    xmlNode *child;

    for (attr = node->properties; attr != NULL; attr = attr->next) {
        xmlChar *joined = NULL;
        const xmlChar *value = attr->children ? tree_attr_value(attr, &joined) : NULL;
        xmlNs *ns = attr->ns ? namespace_in(copy, attr->ns) : NULL;
        xmlAttr *made = NULL;
        bool failed;

        if ((value != NULL || attr->children == NULL) && (ns != NULL || attr->ns == NULL))
            made = xmlNewNsProp(copy, ns, attr->name, value);
        /* libxml2 2.9.14 leaves a name or value out when copying it fails: a failure too. */
        failed = made == NULL || made->name == NULL ||
                 (value != NULL && value[0] != '\0' && made->children == NULL);
        xmlFree(joined);
        if (failed)
            return -1;
    }
    for (child = node->children; deep && child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE && append_copy(copy, child, true) == NULL)
            return -1;
    return 0;
}

/*
 * Appends to `parent` a copy of `node`: its name, namespace and attributes
 * and, when `deep`, its elements below.  Each copied element points at its
 * original through `_private`.  Either the copy is complete or nothing is
 * left.
 */
static xmlNode *append_copy(xmlNode *parent, xmlNode *node, bool deep)
{
    xmlNode *copy = append_element(parent, node);

    if (copy != NULL && copy_content(copy, node, deep) != 0) {
        xmlUnlinkNode(copy);
        xmlFreeNode(copy);
        return NULL;
    }
    return copy;
}

/* Appends to `devices_copy` the chosen children of `devices`, from `*next` on. */
static int copy_devices(xmlNode *devices_copy, const xmlNode *devices, struct skeleton *out,
                        xmlNode *const *children, size_t *next)
{
    /* In document order, so this <devices>' chosen children come next, together. */
    for (; *next < out->count && children[*next]->parent == devices; (*next)++) {
        out->copies[*next] =
            append_copy(devices_copy, children[*next], controllers_is_pci(children[*next]));
        if (out->copies[*next] == NULL)
            return -1;
    }
    return 0;
}

/* Copies every controller outside /domain/devices under the skeleton's root. */
static int copy_misplaced(xmlNode *skeleton_root, xmlNode *root,
                          const struct pci_controllers *misplaced)
{
    xmlNode *node = NULL;
    size_t i;

    if (misplaced != NULL) {
        for (i = 0; i < misplaced->count; i++)
            if (append_copy(skeleton_root, misplaced->nodes[i], true) == NULL)
                return -1;
        return 0;
    }
    while ((node = controllers_next_misplaced(root, node)) != NULL)
        if (append_copy(skeleton_root, node, true) == NULL)
            return -1;
    return 0;
}

int skeleton_build(struct skeleton *out, xmlDocPtr doc, const struct pci_controllers *misplaced,
                   xmlNode *const *children, size_t count)
{
    xmlNode *root = xmlDocGetRootElement(doc), *skeleton_root, *placeholder, *child, *copy, *type;
    size_t next = 0;

    out->count = count;
    out->copies = calloc(count ? count : 1, sizeof(xmlNode *));
    out->doc = xmlNewDoc(BAD_CAST "1.0");
    if (out->doc == NULL || out->copies == NULL)
        goto nomem;
    /* Names are looked up in the document's dictionary, not copied one by one. */
    if (doc->dict != NULL && xmlDictReference(doc->dict) == 0)
        out->doc->dict = doc->dict;
    /* The root is copied like any element, then takes a placeholder's place. */
    placeholder = xmlNewDocNode(out->doc, NULL, BAD_CAST "skeleton", NULL);
    if (placeholder == NULL)
        goto nomem;
    xmlDocSetRootElement(out->doc, placeholder);
    skeleton_root = append_copy(placeholder, root, false);
    if (skeleton_root == NULL)
        goto nomem;
    xmlUnlinkNode(skeleton_root);
    xmlDocSetRootElement(out->doc, skeleton_root);
    xmlFreeNode(placeholder);

    if (copy_misplaced(skeleton_root, root, misplaced) != 0)
        goto nomem;
    for (child = root->children; child != NULL; child = child->next) {
        if (tree_is(child, "os")) {
            if ((copy = append_copy(skeleton_root, child, false)) == NULL)
                goto nomem;
            for (type = child->children; type != NULL; type = type->next)
                if (tree_is(type, "type") && append_copy(copy, type, false) == NULL)
                    goto nomem;
        } else if (tree_is(child, "devices")) {
            if ((copy = append_copy(skeleton_root, child, false)) == NULL ||
                copy_devices(copy, child, out, children, &next) != 0)
                goto nomem;
        }
    }
    if (next == count)
        return 0;
    /* A child that is not a controller of a <devices> of the root: never asked for. */
nomem:
    skeleton_free(out);
    return -1;
}

void skeleton_free(struct skeleton *skeleton)
{
    xmlFreeDoc(skeleton->doc);
    free(skeleton->copies);
    skeleton->doc = NULL;
    skeleton->copies = NULL;
    skeleton->count = 0;
}

void skeleton_drop(struct skeleton *skeleton, size_t i)
{
    xmlUnlinkNode(skeleton->copies[i]);
    xmlFreeNode(skeleton->copies[i]);
    skeleton->copies[i] = NULL;
}

xmlNode *skeleton_original(xmlNode *node)
{
    return node != NULL && node->_private != NULL ? node->_private : node;
}

/*
 * Validation in pieces.  The grammar takes the children of <devices> one at
 * a time (a zeroOrMore of a choice: domain.rng), so a skeleton is valid
 * exactly when it is valid with each run of those children alone in place.
 * libxml2's validator spends time quadratic in the number of children of
 * such a pattern (measured with 2.9.14: 31k instructions per controller at
 * 100, 72k at 3000, 700k at 100 000), so pieces of SKELETON_PIECE keep it
 * linear.  2.15.4 is no better (xmllint --relaxng, a domain of 16 000 and
 * then 32 000 pci-bridges: 0.7 s then 4.0 s with 2.9.14, 0.7 s then 3.0 s
 * with 2.15.4): the pieces serve every version.  The
 * pieces are cut and restored by relinking sibling pointers: nothing is
 * allocated, so nothing can fail half-way.
 */

struct held_children {
    xmlNode *devices;
    xmlNode *first, *last;
};

/* Empties every <devices> copy, remembering its children in `held`; returns how many. */
static size_t hold_children(xmlNode *root, struct held_children *held)
{
    xmlNode *child;
    size_t n = 0;

    for (child = root->children; child != NULL; child = child->next) {
        if (!tree_is(child, "devices") || child->children == NULL)
            continue;
        held[n++] = (struct held_children){child, child->children, child->last};
        child->children = child->last = NULL;
    }
    return n;
}

static void restore_children(const struct held_children *held, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        held[i].devices->children = held[i].first;
        held[i].devices->last = held[i].last;
    }
}

/*
 * Projection.  The grammar judges a PCI controller's children two ways:
 * those the form's pci-kind names (<model>, <target>, <pcihole64>) by
 * what it says of them, every other child as any content at all but a
 * <controller> (domain.rng: pci-other-children or pci-controller,
 * any-content).  A child with a
 * <controller> inside is also copied under the skeleton's root
 * (copy_misplaced()), where the rest refuses it.  So a PCI controller is
 * valid exactly when it is valid holding only the children the grammar
 * names, and the validator need not walk the others (an <address>, say):
 * that saves a good part of its time per controller.  The names are read
 * from the grammar at build time (xslt/gen/pci-judged-c.xsl), and `make
 * lint` checks the grammar names no others and every form's grammar
 * excepts the same (tools/lint-rules.c, given the grammars).
 */
#include "pci-judged.h"

static const char *const judged[] = {SKELETON_JUDGED_CHILDREN};

/* Children kept per piece at most; a controller with more is left whole. */
#define PROJECTED_CHILDREN (4 * SKELETON_PIECE)

/* Attributes held out per piece at most; the others stay and are checked. */
#define HELD_OUT_ATTRIBUTES (4 * SKELETON_PIECE)

struct projection {
    struct {
        xmlNode *controller, *first, *last; /* its children as they were */
        size_t kept_end;                    /* where its kept children end in `kept` */
    } controllers[SKELETON_PIECE];
    struct {
        xmlNode *node, *prev, *next;
    } kept[PROJECTED_CHILDREN];
    struct {
        xmlAttr *attr, *prev, *next;
    } held_out[HELD_OUT_ATTRIBUTES];
    size_t count, kept_count, held_out_count;
};

static bool is_judged(const xmlNode *child)
{
    size_t i;

    for (i = 0; i < sizeof(judged) / sizeof(judged[0]); i++)
        if (tree_is(child, judged[i]))
            return true;
    return false;
}

/*
 * Attributes held out.  libxml2 (2.9 to 2.15, relaxng.c) goes on with two
 * states after an <optional> that matched, one with the attribute and one
 * without, and walks the rest of the pattern once for each; and it
 * compiles a pattern facet's regular expression each time it checks a
 * value.  A PCI controller's index (optional, [0-9]+) and a <target>'s
 * numbers (optional, 0x and hex digits or decimal) cost it more than all
 * the rest of a controller.  An optional attribute whose value its
 * pattern accepts changes no verdict, so the attributes below are held
 * out of the validation when their values are of the strict forms here,
 * each of which the grammar's type accepts (domain.rng, pci-kinds.rng:
 * test_skeleton checks every one against the grammars).  Any other value
 * stays for the validator to judge.
 */
static bool accepted_as(enum kind_value_type type, const char *value)
{
    size_t digits = strspn(value, "0123456789");

    switch (type) {
    case KIND_VALUE_UINT8:
        if (value[0] == '0' && value[1] == 'x') {
            size_t hex = strspn(value + 2, "0123456789abcdefABCDEF");

            return hex >= 1 && hex <= 2 && value[2 + hex] == '\0';
        }
        return digits >= 1 && digits <= 3 && value[digits] == '\0' && atoi(value) <= 255;
    case KIND_VALUE_ON_OFF: return strcmp(value, "on") == 0 || strcmp(value, "off") == 0;
    case KIND_VALUE_UNSIGNED_LONG: /* 19 digits are below 2^64 */
        return digits >= 1 && digits <= 19 && value[digits] == '\0';
    case KIND_VALUE_UNSIGNED_INT:
    case KIND_VALUE_SCALED: break;
    }
    return false;
}

static void hold_out(struct projection *p, xmlAttr *attr)
{
    if (p->held_out_count == HELD_OUT_ATTRIBUTES)
        return;
    p->held_out[p->held_out_count].attr = attr;
    p->held_out[p->held_out_count].prev = attr->prev;
    p->held_out[p->held_out_count++].next = attr->next;
    if (attr->prev != NULL)
        attr->prev->next = attr->next;
    else
        attr->parent->properties = attr->next;
    if (attr->next != NULL)
        attr->next->prev = attr->prev;
}

/* Holds out what the validator need not see of PCI controller `node` (kept children only). */
static void hold_out_attributes(struct projection *p, xmlNode *node)
{
    const struct kind *kind = controllers_kind(node);
    xmlAttr *index = xmlHasNsProp(node, BAD_CAST "index", NULL), *attr, *next;
    const struct kind_target *target;
    xmlNode *child;

    if (index != NULL && memo_plain_index(tree_attr(node, "index")))
        hold_out(p, index);
    for (child = node->children; kind != NULL && child != NULL; child = child->next) {
        if (!tree_is(child, "target"))
            continue;
        for (attr = child->properties; attr != NULL; attr = next) {
            const char *name = (const char *)attr->name, *value;

            next = attr->next;
            if (attr->ns != NULL || (target = kind_find_target(kind, name)) == NULL ||
                target->element)
                continue;
            value = tree_attr(child, name); /* NULL in pieces: left for the validator */
            if (value != NULL && accepted_as(target->type, value))
                hold_out(p, attr);
        }
    }
}

/*
 * A controller of another type is judged by other-controller alone
 * (pci-controller wants type='pci'), which accepts any attribute but a
 * subType in no namespace, and a type but 'pci' (domain.rng).
 */
static void hold_out_other_attributes(struct projection *p, xmlNode *node)
{
    xmlAttr *attr, *next;

    for (attr = node->properties; attr != NULL; attr = next) {
        next = attr->next;
        if (attr->ns != NULL || !xmlStrEqual(attr->name, BAD_CAST "subType"))
            hold_out(p, attr);
    }
}

/* Puts the held-out attributes back, the last first, each where it was. */
static void put_back(const struct projection *p)
{
    size_t i = p->held_out_count;

    while (i-- > 0) {
        xmlAttr *attr = p->held_out[i].attr;

        attr->prev = p->held_out[i].prev;
        attr->next = p->held_out[i].next;
        if (attr->prev != NULL)
            attr->prev->next = attr;
        else
            attr->parent->properties = attr;
        if (attr->next != NULL)
            attr->next->prev = attr;
    }
}

/*
 * Leaves each PCI controller among `first`..`last` only the children the
 * grammar judges, and holds out the attributes it need not see.
 */
static void project(struct projection *p, xmlNode *first, const xmlNode *last)
{
    xmlNode *node, *child, *previous;
    size_t start, k;

    for (node = first; node != NULL; node = node == last ? NULL : node->next) {
        if (!controllers_is_pci(node)) {
            if (tree_is(node, "controller"))
                hold_out_other_attributes(p, node);
            continue;
        }
        if (p->count == SKELETON_PIECE)
            continue;
        start = p->kept_count;
        for (child = node->children; child != NULL; child = child->next)
            if (is_judged(child)) {
                if (p->kept_count == PROJECTED_CHILDREN)
                    break;
                p->kept[p->kept_count].node = child;
                p->kept[p->kept_count].prev = child->prev;
                p->kept[p->kept_count++].next = child->next;
            }
        if (child != NULL) {
            p->kept_count = start; /* too many: left whole */
            continue;
        }
        p->controllers[p->count].controller = node;
        p->controllers[p->count].first = node->children;
        p->controllers[p->count].last = node->last;
        p->controllers[p->count++].kept_end = p->kept_count;
        /* Relinked only once all is noted: the kept children alone, in order. */
        node->children = node->last = NULL;
        for (k = start, previous = NULL; k < p->kept_count; k++) {
            child = p->kept[k].node;
            child->prev = previous;
            child->next = NULL;
            if (previous == NULL)
                node->children = child;
            else
                previous->next = child;
            previous = child;
        }
        node->last = previous;
        hold_out_attributes(p, node);
    }
}

static void unproject(const struct projection *p)
{
    size_t i, k;

    put_back(p);
    for (i = 0, k = 0; i < p->count; i++) {
        p->controllers[i].controller->children = p->controllers[i].first;
        p->controllers[i].controller->last = p->controllers[i].last;
        for (; k < p->controllers[i].kept_end; k++) {
            p->kept[k].node->prev = p->kept[k].prev;
            p->kept[k].node->next = p->kept[k].next;
        }
    }
}

/*
 * Validates the document, its PCI controllers among `first`..`last` (or,
 * when `first` is NULL, in every <devices>: SKELETON_PIECE at most)
 * projected when asked.
 */
static int validate_projected(xmlRelaxNGPtr schema, xmlDocPtr doc, xmlNode *first,
                              const xmlNode *last, bool projected, struct schema_failure *failure)
{
    struct projection *p = NULL;
    xmlNode *devices;
    int rc;

    if (projected) {
        /* Out of memory is said as such: validating whole instead would hide it. */
        if ((p = malloc(sizeof(*p))) == NULL) {
            memset(failure, 0, sizeof(*failure));
            failure->nomem = true;
            return -1;
        }
        p->count = p->kept_count = p->held_out_count = 0;
        if (first != NULL)
            project(p, first, last);
        for (devices = xmlDocGetRootElement(doc)->children; first == NULL && devices != NULL;
             devices = devices->next)
            if (tree_is(devices, "devices") && devices->children != NULL)
                project(p, devices->children, devices->last);
    }
    rc = schema_validate(schema, doc, failure);
    if (p != NULL)
        unproject(p);
    free(p);
    return rc;
}

/* Validates with `first`..up to SKELETON_PIECE siblings as the only children of their parent. */
static int validate_piece(xmlRelaxNGPtr schema, xmlDocPtr doc, const struct held_children *held,
                          xmlNode *first, xmlNode **next, bool projected,
                          struct schema_failure *failure)
{
    xmlNode *last = first, *prev = first->prev, *after;
    size_t count = 1;
    int rc;

    while (count < SKELETON_PIECE && last->next != NULL) {
        last = last->next;
        count++;
    }
    after = last->next;
    first->prev = NULL;
    last->next = NULL;
    held->devices->children = first;
    held->devices->last = last;
    rc = validate_projected(schema, doc, first, last, projected, failure);
    held->devices->children = held->devices->last = NULL;
    first->prev = prev;
    last->next = after;
    *next = after;
    return rc;
}

int skeleton_validate(const struct skeleton *skeleton, xmlRelaxNGPtr schema, bool projected,
                      struct schema_failure *failure)
{
    xmlNode *root = xmlDocGetRootElement(skeleton->doc), *child, *piece;
    struct held_children *held;
    size_t n = 0, children = 0, i;
    int rc;

    for (child = root->children; child != NULL; child = child->next)
        if (tree_is(child, "devices")) {
            n++;
            children += xmlChildElementCount(child);
        }
    if (children <= SKELETON_PIECE)
        return validate_projected(schema, skeleton->doc, NULL, NULL, projected, failure);
    if ((held = malloc(n * sizeof(*held))) == NULL)
        return -1;
    n = hold_children(root, held);
    /* The rest of the skeleton, with every <devices> empty, is checked once on its own. */
    rc = schema_validate(schema, skeleton->doc, failure);
    for (i = 0; i < n && rc == 0; i++)
        for (piece = held[i].first; piece != NULL && rc == 0;)
            rc = validate_piece(schema, skeleton->doc, &held[i], piece, &piece, projected, failure);
    restore_children(held, n);
    free(held);
    return rc;
}
