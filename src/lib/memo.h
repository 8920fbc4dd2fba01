/*
 * What the schemas and the rules already answered, remembered for the
 * life of a context.
 *
 * Both validators and both passes of rules answer for a PCI controller
 * (or any other child of <devices>) from what they can observe of it and
 * from a few things the document says once.  A conversion asks the memo
 * first, and runs libxml2's validator or libxslt only over what it has not
 * seen, so the same controllers in many documents, or many controllers
 * that differ only by index in one document, cost one run.
 *
 * A key holds everything its answer can depend on.  Why each key is
 * complete is written where it is built: skeleton.c (validation) and
 * convert.c (rules); README.md "How it works" sums it up.
 *
 * Threads share a context's memo: lookups and inserts take its lock, and a
 * value, once in, is never changed or freed until the context is, so the
 * pointer a lookup returns stays good for the caller's whole conversion.
 * Its size is bounded; when full it stops remembering, and everything
 * still works, only without the shortcut.
 */
#ifndef DOMCOMPAT_MEMO_H
#define DOMCOMPAT_MEMO_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct memo;

/* Returns 0, or -1 when out of memory. */
int memo_new(struct memo **out);
void memo_free(struct memo *memo);

/* How many answers the memo holds. */
size_t memo_count(struct memo *memo);

/* Whether the memo is used at all (domcompat_context_set_cache()); NULL: no. */
bool memo_enabled(const struct memo *memo);
void memo_enable(struct memo *memo, bool enabled);

/* How an element is written into a key. */
enum {
    /*
     * A no-namespace index attribute of the element itself, when its value
     * is a plain decimal number no greater than 4294967295
     * (memo_plain_index()), is written as "some plain index" instead of
     * its value.  Only for answers shown not to depend on that value.
     */
    MEMO_KEY_ANY_PLAIN_INDEX = 1,
    /* The children of the <devices> children (no namespace) of the element are left out. */
    MEMO_KEY_WITHOUT_DEVICES_CHILDREN = 2
};

/*
 * Appends to `key` an exact, unambiguous record of `node` and the elements
 * below it: for each element its namespace (URI and prefix) and name, each
 * attribute's namespace, name and value, in order, and its child elements
 * in order.  Text, comments and processing instructions are left out: the
 * skeletons they are taken from hold none (skeleton.h).
 */
void memo_key_element(struct buf *key, const xmlNode *node, unsigned flags);

/*
 * Makes `key` (emptied first) `prefix` followed by memo_key_element() of
 * `node`; a prefix that ran out of memory fails the key too.
 */
void memo_key_prefixed(struct buf *key, const struct buf *prefix, const xmlNode *node,
                       unsigned flags);

/* Appends a string field (no NUL byte in it): keys built from pieces stay unambiguous. */
void memo_key_string(struct buf *key, const char *s, size_t len);

/* Whether `value` is 1 to 10 ASCII digits whose number is at most 4294967295. */
bool memo_plain_index(const char *value);

/*
 * The value remembered under `key`, or NULL.  The value stays valid until
 * the memo is freed.
 */
const void *memo_lookup(struct memo *memo, const struct buf *key);

/*
 * Remembers `value` under `key` (costing about `size` bytes), unless the
 * key is already known, the memo is full or out of memory; then `value`
 * is released with `free_value` (when not NULL) at once.  The memo owns
 * `value` either way.
 */
void memo_insert(struct memo *memo, const struct buf *key, void *value, size_t size,
                 void (*free_value)(void *));

/*
 * Keys kept from a lookup for the insert that follows the answer, so that
 * each is built once.  A list that ran out of memory hands back no key,
 * and its answers are simply not remembered.
 */
struct memo_keys {
    struct buf bytes; /* the keys, one after another */
    size_t *ends;     /* where each ends in `bytes` */
    size_t count, capacity;
    bool failed;
};

void memo_keys_init(struct memo_keys *keys);
void memo_keys_add(struct memo_keys *keys, const struct buf *key);
/* Points `view` (read only) at key `i`; false when there is no such key. */
bool memo_keys_get(const struct memo_keys *keys, size_t i, struct buf *view);
void memo_keys_free(struct memo_keys *keys);

/* A value for keys whose presence is the answer ("valid"). */
#define MEMO_PRESENT ((void *)&memo_present_marker)
extern const char memo_present_marker;

#endif
