/*
 * What the grammars and the rules already answered, remembered for the
 * life of a context.
 *
 * An answer is about one child of <devices> (a PCI controller or another
 * controller), asked in one setting: which grammars judge it, and for a
 * conversion the parameters of every pass of rules and the guest's
 * <os><type>.  Its key is that setting followed by an exact record of the
 * child (memo_key_element()), written by one function (question.c,
 * question_key_prefix()), so everything an answer can depend on is in it.
 * Why that is everything is checked, not argued: `make lint` refuses a
 * rule that reads outside its controller and <os><type>
 * (tools/lint-rules.c), and tests/unit/test_memo.c holds every
 * fixture's results with the memory off, cold and warm to be the same.
 *
 * Threads share a context's memo: lookups and inserts take its lock, and a
 * value, once in, is never changed or freed until the memo is, so the
 * pointer a lookup returns stays good for the caller's whole conversion.
 * Its size is bounded; when full it stops remembering, and everything
 * still works, only without the shortcut.
 */
#ifndef DOMCOMPAT_MEMO_H
#define DOMCOMPAT_MEMO_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
     * its value: the grammars accept every such index where they read one,
     * and the rules only copy it (question.c checks that they do).
     */
    MEMO_KEY_ANY_PLAIN_INDEX = 1,
    /* The element's attributes only, not the elements below it. */
    MEMO_KEY_SHALLOW = 2
};

/*
 * Appends to `key` an exact, unambiguous record of `node` and the elements
 * below it: for each element its namespace (URI and prefix) and name, each
 * attribute's namespace, name and value, in order, and its child elements
 * in order.  Text, comments and processing instructions are left out:
 * the trees they are taken from hold none (parse.c).
 */
void memo_key_element(struct buf *key, const xmlNode *node, unsigned flags);

/* Appends a string field (no NUL byte in it): keys built from pieces stay unambiguous. */
void memo_key_string(struct buf *key, const char *s, size_t len);

/* Whether `value` is 1 to 10 ASCII digits whose number is at most 4294967295. */
bool memo_plain_index(const char *value);

/* The hash the memo files keys under. */
uint64_t memo_hash(const char *data, size_t len);

/*
 * The value remembered under `key`, or NULL.  The value stays valid until
 * the memo is freed.  `prefix_len`: how many of the key's first bytes are
 * its setting (question_key_prefix()), as given to memo_insert(); the
 * whole key is compared all the same.
 */
const void *memo_lookup(struct memo *memo, const struct buf *key, size_t prefix_len);

/*
 * Remembers `value` under `key` (costing about `size` bytes), unless the
 * key is already known, the memo is full, out of memory, or memory ran out
 * earlier in the call (an answer may then rest on an incomplete result:
 * reserve.h).  The first `prefix_len` bytes of the key, which the keys of
 * one setting share, are kept once for all of them: a domain of distinct
 * controllers would otherwise hold its setting once per controller.
 * Returns whether the memo took `value`: it then frees it with
 * `free_value` (when not NULL) with itself; otherwise it stays the
 * caller's.
 */
bool memo_insert(struct memo *memo, const struct buf *key, size_t prefix_len, void *value,
                 size_t size, void (*free_value)(void *));

#endif
