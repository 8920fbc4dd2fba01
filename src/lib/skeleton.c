#include "skeleton.h"

#include <stdlib.h>
#include <string.h>

#include "memo.h"
#include "parse.h"

static bool is_element(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           xmlStrEqual(node->name, BAD_CAST name);
}

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
 * or -1 when out of memory: libxml2 2.9's own copy functions return
 * partial copies, and leak, when an allocation fails.
 */
static int copy_content(xmlNode *copy, xmlNode *node, bool deep)
{
    const xmlAttr *attr;
    xmlNode *child;

    for (attr = node->properties; attr != NULL; attr = attr->next) {
        xmlChar *joined = NULL;
        const xmlChar *value = attr->children ? parse_attribute_value(attr, &joined) : NULL;
        xmlNs *ns = attr->ns ? namespace_in(copy, attr->ns) : NULL;
        xmlAttr *made = NULL;
        bool failed;

        if ((value != NULL || attr->children == NULL) && (ns != NULL || attr->ns == NULL))
            made = xmlNewNsProp(copy, ns, attr->name, value);
        /* libxml2 2.9 leaves a name or value out when copying it fails: a failure too. */
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

static int copy_devices(xmlNode *devices_copy, xmlNode *devices, struct pci_controllers *pci,
                        const struct pci_controllers *original, size_t *next, bool lazy)
{
    xmlNode *node, *copy;

    for (node = devices->children; node != NULL; node = node->next) {
        if (!is_element(node, "controller"))
            continue;
        if (*next < original->count && node == original->nodes[*next]) {
            copy =
                lazy ? append_element(devices_copy, node) : append_copy(devices_copy, node, true);
            if (copy == NULL)
                return -1;
            pci->nodes[(*next)++] = copy;
        } else if (append_copy(devices_copy, node, false) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* Copies every controller outside /domain/devices under the skeleton's root. */
static int copy_misplaced(xmlNode *skeleton_root, xmlNode *root)
{
    xmlNode *node = NULL;

    while ((node = controllers_next_misplaced(root, node)) != NULL)
        if (append_copy(skeleton_root, node, true) == NULL)
            return -1;
    return 0;
}

int skeleton_build(struct skeleton *out, xmlDocPtr doc, const struct pci_controllers *original,
                   bool lazy)
{
    xmlNode *root = xmlDocGetRootElement(doc), *skeleton_root, *child, *copy, *type;
    size_t next = 0;

    out->keys = NULL;
    out->keys_forgotten = false;
    out->controllers.count = original->count;
    out->controllers.nodes = calloc(original->count ? original->count : 1, sizeof(xmlNode *));
    out->copied = lazy ? calloc(original->count ? original->count : 1, sizeof(bool)) : NULL;
    out->doc = xmlNewDoc(BAD_CAST "1.0");
    if (out->doc == NULL || out->controllers.nodes == NULL || (lazy && out->copied == NULL))
        goto nomem;
    /* Names are looked up in the document's dictionary, not copied one by one. */
    if (doc->dict != NULL && xmlDictReference(doc->dict) == 0)
        out->doc->dict = doc->dict;
    skeleton_root = xmlNewDocNode(out->doc, NULL, BAD_CAST "skeleton", NULL);
    if (skeleton_root == NULL)
        goto nomem;
    xmlDocSetRootElement(out->doc, skeleton_root);
    /* The root is copied like any element, then takes the placeholder's place. */
    {
        xmlNode *placeholder = skeleton_root;

        skeleton_root = append_copy(placeholder, root, false);
        if (skeleton_root == NULL)
            goto nomem;
        xmlUnlinkNode(skeleton_root);
        xmlDocSetRootElement(out->doc, skeleton_root);
        xmlFreeNode(placeholder);
    }

    if (copy_misplaced(skeleton_root, root) != 0)
        goto nomem;
    for (child = root->children; child != NULL; child = child->next) {
        if (is_element(child, "os")) {
            if ((copy = append_copy(skeleton_root, child, false)) == NULL)
                goto nomem;
            for (type = child->children; type != NULL; type = type->next)
                if (is_element(type, "type") && append_copy(copy, type, false) == NULL)
                    goto nomem;
        } else if (is_element(child, "devices")) {
            if ((copy = append_copy(skeleton_root, child, false)) == NULL ||
                copy_devices(copy, child, &out->controllers, original, &next, lazy) != 0)
                goto nomem;
        }
    }
    return 0;
nomem:
    skeleton_free(out);
    return -1;
}

void skeleton_free(struct skeleton *skeleton)
{
    skeleton_forget_keys(skeleton);
    skeleton->keys_forgotten = false;
    xmlFreeDoc(skeleton->doc);
    free(skeleton->controllers.nodes);
    free(skeleton->copied);
    skeleton->doc = NULL;
    skeleton->controllers.nodes = NULL;
    skeleton->copied = NULL;
    skeleton->controllers.count = 0;
}

/* Back to bare, so nothing half-copied is ever read as the controller. */
static void make_bare(xmlNode *copy)
{
    xmlFreePropList(copy->properties);
    copy->properties = NULL;
    xmlFreeNodeList(copy->children);
    copy->children = copy->last = NULL;
}

int skeleton_copy_controller(struct skeleton *skeleton, size_t i)
{
    xmlNode *copy = skeleton->controllers.nodes[i];

    if (skeleton->copied == NULL || skeleton->copied[i])
        return 0;
    if (copy_content(copy, skeleton_original(copy), true) != 0) {
        make_bare(copy);
        return -1;
    }
    skeleton->copied[i] = true;
    return 0;
}

bool skeleton_answer_child(const xmlNode *child)
{
    return is_element(child, "model");
}

int skeleton_copy_controller_for_answer(struct skeleton *skeleton, size_t i, bool *whole)
{
    xmlNode *copy = skeleton->controllers.nodes[i], *orig = skeleton_original(copy), *child;

    *whole = skeleton->copied == NULL || skeleton->copied[i];
    if (*whole)
        return 0;
    if (copy_content(copy, orig, false) != 0) {
        make_bare(copy);
        return -1;
    }
    for (child = orig->children; child != NULL; child = child->next)
        if (skeleton_answer_child(child) && append_copy(copy, child, true) == NULL) {
            make_bare(copy);
            return -1;
        }
    return 0;
}

int skeleton_copy_all(struct skeleton *skeleton)
{
    size_t i;

    for (i = 0; skeleton->copied != NULL && i < skeleton->controllers.count; i++)
        if (skeleton_copy_controller(skeleton, i) != 0)
            return -1;
    return 0;
}

const xmlNode *skeleton_controller_view(const struct skeleton *skeleton, size_t i)
{
    xmlNode *copy = skeleton->controllers.nodes[i];

    return skeleton->copied == NULL || skeleton->copied[i] ? copy : skeleton_original(copy);
}

/* Records every controller's key; false (nothing recorded) when out of memory. */
static bool record_keys(struct skeleton *skeleton)
{
    struct buf one;
    size_t i;

    if ((skeleton->keys = malloc(sizeof(*skeleton->keys))) == NULL)
        return false;
    memo_keys_init(skeleton->keys);
    buf_init(&one);
    for (i = 0; i < skeleton->controllers.count && !skeleton->keys->failed; i++) {
        one.len = 0;
        memo_key_element(&one, skeleton_controller_view(skeleton, i), MEMO_KEY_ANY_PLAIN_INDEX);
        memo_keys_add(skeleton->keys, &one);
    }
    buf_free(&one);
    if (!skeleton->keys->failed)
        return true;
    skeleton_forget_keys(skeleton); /* each key is built afresh instead */
    return false;
}

void skeleton_controller_key(struct skeleton *skeleton, size_t i, const struct buf *prefix,
                             struct buf *key)
{
    struct buf record;

    key->len = 0;
    key->failed = prefix->failed;
    buf_append(key, prefix->data, prefix->len);
    if (!skeleton->keys_forgotten && (skeleton->keys != NULL || record_keys(skeleton)) &&
        memo_keys_get(skeleton->keys, i, &record))
        buf_append(key, record.data, record.len);
    else
        memo_key_element(key, skeleton_controller_view(skeleton, i), MEMO_KEY_ANY_PLAIN_INDEX);
}

void skeleton_forget_keys(struct skeleton *skeleton)
{
    if (skeleton->keys != NULL)
        memo_keys_free(skeleton->keys);
    free(skeleton->keys);
    skeleton->keys = NULL;
    skeleton->keys_forgotten = true;
}

xmlNode *skeleton_original(xmlNode *node)
{
    return node != NULL && node->_private != NULL ? node->_private : node;
}

/*
 * Validation in pieces.  The grammar takes the children of <devices> one at
 * a time (a zeroOrMore of a choice: domain.rng), so a skeleton is valid
 * exactly when it is valid with each run of those children alone in place.
 * libxml2 2.9's validator spends time quadratic in the number of children
 * of such a pattern (measured: 31k instructions per controller at 100, 72k at
 * 3000, 700k at 100 000), so pieces of SKELETON_PIECE keep it linear.  The
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
        if (!is_element(child, "devices") || child->children == NULL)
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

/* Validates with `first`..up to SKELETON_PIECE siblings as the only children of their parent. */
static int validate_piece(xmlRelaxNGPtr schema, xmlDocPtr doc, const struct held_children *held,
                          xmlNode *first, xmlNode **next, struct schema_failure *failure)
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
    rc = schema_validate(schema, doc, failure);
    held->devices->children = held->devices->last = NULL;
    first->prev = prev;
    last->next = after;
    *next = after;
    return rc;
}

int skeleton_validate(const struct skeleton *skeleton, xmlRelaxNGPtr schema,
                      struct schema_failure *failure)
{
    xmlNode *root = xmlDocGetRootElement(skeleton->doc), *child, *piece;
    struct held_children *held;
    size_t n = 0, children = 0, i;
    int rc;

    for (child = root->children; child != NULL; child = child->next)
        if (is_element(child, "devices")) {
            n++;
            children += xmlChildElementCount(child);
        }
    if (children <= SKELETON_PIECE)
        return schema_validate(schema, skeleton->doc, failure);
    if ((held = malloc(n * sizeof(*held))) == NULL)
        return -1;
    n = hold_children(root, held);
    /* The rest of the skeleton, with every <devices> empty, is checked once on its own. */
    rc = schema_validate(schema, skeleton->doc, failure);
    for (i = 0; i < n && rc == 0; i++)
        for (piece = held[i].first; piece != NULL && rc == 0;)
            rc = validate_piece(schema, skeleton->doc, &held[i], piece, &piece, failure);
    restore_children(held, n);
    free(held);
    return rc;
}

int skeleton_hide(struct skeleton_hidden *out, const struct skeleton *skeleton,
                  bool (*keep)(xmlNode *child, void *arg), void *arg)
{
    xmlNode *root = xmlDocGetRootElement(skeleton->doc), *devices, *child, *last;
    size_t parents = 0, children = 0, i, start;

    memset(out, 0, sizeof(*out));
    for (devices = root->children; devices != NULL; devices = devices->next)
        if (is_element(devices, "devices") && devices->children != NULL) {
            parents++;
            for (child = devices->children; child != NULL; child = child->next)
                children++;
        }
    out->children = malloc((children ? children : 1) * sizeof(*out->children));
    out->parents = malloc((parents ? parents : 1) * sizeof(*out->parents));
    out->ends = malloc((parents ? parents : 1) * sizeof(*out->ends));
    if (out->children == NULL || out->parents == NULL || out->ends == NULL) {
        skeleton_show_all(out);
        return -1;
    }
    for (devices = root->children, children = 0; devices != NULL; devices = devices->next) {
        if (!is_element(devices, "devices") || devices->children == NULL)
            continue;
        for (child = devices->children; child != NULL; child = child->next)
            out->children[children++] = child;
        out->parents[out->parent_count] = devices;
        out->ends[out->parent_count++] = children;
    }
    /* Relinked only once everything is recorded, so `keep` sees the skeleton whole. */
    for (i = 0, start = 0; i < out->parent_count; start = out->ends[i++]) {
        size_t j;

        devices = out->parents[i];
        devices->children = devices->last = last = NULL;
        for (j = start; j < out->ends[i]; j++) {
            child = out->children[j];
            if (!keep(child, arg))
                continue;
            child->prev = last;
            if (last == NULL)
                devices->children = child;
            else
                last->next = child;
            last = child;
        }
        if (last != NULL)
            last->next = NULL;
        devices->last = last;
    }
    return 0;
}

void skeleton_show_all(struct skeleton_hidden *hidden)
{
    size_t i, j, start;

    for (i = 0, start = 0; i < hidden->parent_count; start = hidden->ends[i++]) {
        xmlNode *devices = hidden->parents[i];

        devices->children = hidden->children[start];
        devices->last = hidden->children[hidden->ends[i] - 1];
        for (j = start; j < hidden->ends[i]; j++) {
            hidden->children[j]->prev = j > start ? hidden->children[j - 1] : NULL;
            hidden->children[j]->next = j + 1 < hidden->ends[i] ? hidden->children[j + 1] : NULL;
        }
    }
    free(hidden->children);
    free(hidden->parents);
    free(hidden->ends);
    memset(hidden, 0, sizeof(*hidden));
}

/*
 * Validation from memory.  Why a remembered verdict is the verdict:
 *   - the grammar takes the children of <devices> one at a time (see
 *     "Validation in pieces" above), so the skeleton is valid exactly when
 *     it is valid with every <devices> emptied (the rest) and each child is
 *     valid alone in its place;
 *   - a child alone is judged on what RelaxNG observes of it: its name and
 *     namespace, its attributes (namespace, name, value) and the elements
 *     below it, which memo_key_element() records exactly (the skeleton
 *     holds no text); the grammar uses no datatype that reads the
 *     namespace context (no QName), so where it stands does not matter;
 *   - the rest is recorded whole (memo_key_element() without the children
 *     of <devices>), and each key starts with the compiled grammar's
 *     address: a context compiles each grammar once and frees it last;
 *   - a child's index is left out of its key when it is a plain decimal
 *     number no greater than 4294967295.  The grammar reads index in one
 *     place: a PCI controller's optional index is an unsignedInt matching
 *     [0-9]+ (domain.rng), which every such number is, and any other
 *     controller takes any index; no other pattern names an attribute
 *     index on a child of <devices> (the attribute wildcards except it).
 *     So two children whose keys agree are both valid or both invalid.
 *     The bound is checked by tests/unit/test_memo.c against libxml2.
 * A PCI controller not yet copied (skeleton_build(), lazy) is keyed from
 * its original, which its copy would equal: the parsed tree holds only
 * elements and attributes too (parse.c), so memo_key_element() writes the
 * same bytes for both.
 * Only "valid" is remembered.
 */
struct known_children {
    struct skeleton *skeleton;
    struct memo *memo;
    struct memo *seen; /* the keys of the children kept so far */
    const struct buf *prefix;
    struct buf key;
    struct memo_keys kept; /* the keys of the children kept, in order */
    size_t unknown;
    size_t cursor;            /* the next PCI controller, in document order */
    bool without_controllers; /* PCI controllers are left out altogether */
    bool failed;              /* out of memory filling in a copy */
};

/* Whether `child` is the next PCI controller of the walk `*cursor` keeps; then moves on. */
static bool next_controller(const struct skeleton *skeleton, size_t *cursor, const xmlNode *child)
{
    if (*cursor >= skeleton->controllers.count || child != skeleton->controllers.nodes[*cursor])
        return false;
    (*cursor)++;
    return true;
}

/*
 * keep: the children not known to be valid, each key once: a child whose
 * key an earlier child has is valid exactly when that one is.  A PCI
 * controller's copy is filled in only when it is kept.
 */
static bool unknown_child(xmlNode *child, void *arg)
{
    struct known_children *known = arg;
    size_t i = known->cursor;
    bool controller = next_controller(known->skeleton, &known->cursor, child);

    if (controller && known->without_controllers)
        return false;
    if (controller)
        skeleton_controller_key(known->skeleton, i, known->prefix, &known->key);
    else
        memo_key_prefixed(&known->key, known->prefix, child, MEMO_KEY_ANY_PLAIN_INDEX);
    if (memo_lookup(known->memo, &known->key) != NULL ||
        memo_lookup(known->seen, &known->key) != NULL)
        return false;
    if (controller && skeleton_copy_controller(known->skeleton, i) != 0)
        known->failed = true;
    memo_insert(known->seen, &known->key, MEMO_PRESENT, 0, NULL);
    memo_keys_add(&known->kept, &known->key);
    known->unknown++;
    return true;
}

/* keep: every child but the PCI controllers. */
static bool not_a_controller(xmlNode *child, void *arg)
{
    struct known_children *walk = arg;

    return !next_controller(walk->skeleton, &walk->cursor, child);
}

/*
 * The skeleton's verdict without the memory: whole, every copy filled in,
 * or with the PCI controllers left out.
 */
static int validate_directly(struct skeleton *skeleton, xmlRelaxNGPtr schema,
                             bool without_controllers, struct schema_failure *failure)
{
    struct known_children walk;
    struct skeleton_hidden hidden;
    int rc;

    if (!without_controllers)
        return skeleton_copy_all(skeleton) != 0 ? -1 : skeleton_validate(skeleton, schema, failure);
    memset(&walk, 0, sizeof(walk));
    walk.skeleton = skeleton;
    if (skeleton_hide(&hidden, skeleton, not_a_controller, &walk) != 0)
        return -1;
    rc = skeleton_validate(skeleton, schema, failure);
    skeleton_show_all(&hidden);
    return rc;
}

/* Starts a key with the grammar: every validation key does (see above). */
static void grammar_prefix(struct buf *prefix, xmlRelaxNGPtr schema)
{
    buf_append_char(prefix, 'V');
    buf_append(prefix, (const char *)&schema, sizeof(schema));
}

int skeleton_validate_memo(struct skeleton *skeleton, xmlRelaxNGPtr schema, struct memo *memo,
                           bool without_controllers, struct schema_failure *failure)
{
    xmlNode *root = xmlDocGetRootElement(skeleton->doc), *child;
    struct known_children known;
    struct skeleton_hidden hidden;
    struct buf prefix, rest, key;
    bool rest_known;
    size_t i, kept = 0;
    int rc = 0;

    if (!memo_enabled(memo))
        return validate_directly(skeleton, schema, without_controllers, failure);
    memset(failure, 0, sizeof(*failure));
    memset(&known, 0, sizeof(known));
    known.skeleton = skeleton;
    known.memo = memo;
    known.without_controllers = without_controllers;
    buf_init(&known.key);
    memo_keys_init(&known.kept);
    buf_init(&prefix);
    buf_init(&rest);
    grammar_prefix(&prefix, schema);
    if (prefix.failed) {
        rc = -1; /* every key starts with it: without it, a key would name no grammar */
        goto out;
    }
    buf_append(&rest, prefix.data, prefix.len);
    buf_append_char(&rest, 'r');
    memo_key_element(&rest, root, MEMO_KEY_WITHOUT_DEVICES_CHILDREN);
    rest_known = memo_lookup(memo, &rest) != NULL;
    known.prefix = &prefix;
    if (memo_new(&known.seen) != 0 ||
        skeleton_hide(&hidden, skeleton, unknown_child, &known) != 0) {
        rc = -1;
        goto out;
    }
    if (known.failed)
        rc = -1;
    else if (!rest_known || known.unknown > 0)
        rc = skeleton_validate(skeleton, schema, failure);
    if (rc == 0) {
        memo_insert(memo, &rest, MEMO_PRESENT, 0, NULL);
        for (i = 0; i < hidden.parent_count; i++)
            for (child = hidden.parents[i]->children; child != NULL; child = child->next)
                if (memo_keys_get(&known.kept, kept++, &key))
                    memo_insert(memo, &key, MEMO_PRESENT, 0, NULL);
    }
    skeleton_show_all(&hidden);
    if (rc == 1)
        rc = validate_directly(skeleton, schema, without_controllers, failure);
out:
    memo_free(known.seen);
    memo_keys_free(&known.kept);
    buf_free(&known.key);
    buf_free(&prefix);
    buf_free(&rest);
    return rc;
}

/* The key of controller `i`'s copy (filled in) in `schema`: as unknown_child() makes it. */
static void controller_key(struct buf *key, const struct skeleton *skeleton, size_t i,
                           xmlRelaxNGPtr schema)
{
    key->len = 0;
    key->failed = false;
    grammar_prefix(key, schema);
    memo_key_element(key, skeleton->controllers.nodes[i], MEMO_KEY_ANY_PLAIN_INDEX);
}

int skeleton_controller_known(struct skeleton *skeleton, size_t i, xmlRelaxNGPtr schema,
                              struct memo *memo)
{
    struct buf key;
    bool known;

    if (skeleton_copy_controller(skeleton, i) != 0)
        return -1;
    buf_init(&key);
    controller_key(&key, skeleton, i, schema);
    if (key.failed) {
        buf_free(&key);
        return -1;
    }
    known = memo_lookup(memo, &key) != NULL;
    buf_free(&key);
    return known;
}

int skeleton_validate_controllers(struct skeleton *skeleton, const size_t *which, size_t count,
                                  xmlRelaxNGPtr schema, struct memo *memo,
                                  struct schema_failure *failure)
{
    xmlNode *root = xmlDocGetRootElement(skeleton->doc), *child;
    xmlNode *prev[SKELETON_PIECE], *next[SKELETON_PIECE];
    struct held_children *held;
    struct buf key;
    size_t i, n = 0;
    int rc;

    memset(failure, 0, sizeof(*failure));
    if (count == 0)
        return 0;
    if (count > SKELETON_PIECE)
        return -1; /* never asked for: the callers give a piece at most */
    for (i = 0; i < count; i++)
        if (skeleton_copy_controller(skeleton, which[i]) != 0)
            return -1;
    for (child = root->children; child != NULL; child = child->next)
        n += is_element(child, "devices");
    if ((held = malloc((n ? n : 1) * sizeof(*held))) == NULL)
        return -1;
    /* Every <devices> emptied, then holding only these controllers, in order. */
    n = hold_children(root, held);
    for (i = 0; i < count; i++) {
        xmlNode *copy = skeleton->controllers.nodes[which[i]], *devices = copy->parent;

        prev[i] = copy->prev;
        next[i] = copy->next;
        copy->prev = devices->last;
        copy->next = NULL;
        if (devices->last != NULL)
            devices->last->next = copy;
        else
            devices->children = copy;
        devices->last = copy;
    }
    rc = schema_validate(schema, skeleton->doc, failure);
    for (i = 0; i < count; i++) {
        xmlNode *copy = skeleton->controllers.nodes[which[i]];

        copy->parent->children = copy->parent->last = NULL;
        copy->prev = prev[i];
        copy->next = next[i];
    }
    restore_children(held, n);
    free(held);
    buf_init(&key);
    for (i = 0; rc == 0 && i < count; i++) {
        controller_key(&key, skeleton, which[i], schema);
        memo_insert(memo, &key, MEMO_PRESENT, 0, NULL);
    }
    buf_free(&key);
    return rc;
}
