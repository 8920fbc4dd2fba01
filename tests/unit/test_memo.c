/*
 * The context's memory of answers (src/lib/memo.h) changes nothing a caller
 * sees: every fixture document, under a range of targets and options,
 * converts, and validates in every form, to the same bytes, changes,
 * refusals, losses and errors with the memory off, cold, and warm (one
 * context for everything, twice over, in both orders), and so do
 * documents built to share controllers across guests, options and
 * indexes.  With the memory off every controller is asked about as itself
 * (src/lib/question.h), so this holds every shared answer to the one the
 * controller would have had alone.  And a key holds every parameter the
 * rules are given: two settings that differ in one never share an answer.
 *
 * Reads tests/fixtures from the top directory (where make runs it), or
 * DOMCOMPAT_TEST_FIXTURES.
 */
#include "testutil.h"

#include <dirent.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "context.h"
#include "memo.h"
#include "parse.h"
#include "question.h"

struct option_set {
    const char *target;
    const char *source;     /* or NULL */
    const char *assumption; /* or NULL */
    int allow_loss;
    const char *source_caps; /* -device help output, or NULL */
    const char *target_caps;
};

/* Two x86 QEMUs, with and without the generic root port, as -device help lists them. */
#define QEMU_HELP(devices)                                                                    \
    "Controller/Bridge/Hub devices:\n"                                                        \
    "name \"i82801b11-bridge\", bus PCI\n"                                                    \
    "name \"ioh3420\", bus PCI, desc \"Intel IOH device id 3420 PCIE Root Port\"\n"           \
    "name \"pci-bridge\", bus PCI, desc \"Standard PCI Bridge\"\n" devices "\nCPU devices:\n" \
    "name \"qemu64-x86_64-cpu\"\n"
static const char qemu_generic[] =
    QEMU_HELP("name \"pcie-pci-bridge\", bus PCI\n"
              "name \"pcie-root-port\", bus PCI, desc \"PCI Express Root Port\"\n");
static const char qemu_without_generic[] = QEMU_HELP("");

static const struct option_set option_sets[] = {
    {"explicit", NULL, NULL, 0, NULL, NULL},
    {"explicit", "libvirt-3.2.0", NULL, 0, NULL, NULL},
    {"explicit", "libvirt-3.1.0", "pcie-root-port=pcie-root-port", 0, NULL, NULL},
    {"legacy", NULL, NULL, 0, NULL, NULL},
    {"legacy", NULL, "pcie-root-port=pcie-root-port", 0, NULL, NULL},
    /* As above but read differently: the write pass must not be keyed on what was read. */
    {"legacy", "libvirt-3.1.0", "pcie-root-port=pcie-root-port", 0, NULL, NULL},
    {"libvirt-9.0.0", "libvirt-3.1.0", "pcie-root-port=pcie-root-port", 0, NULL, NULL},
    {"libvirt-1.1.1", NULL, NULL, 0, NULL, NULL},
    {"libvirt-1.2.18", NULL, NULL, 1, NULL, NULL},
    /* A loss that depends on the controller's index, which keys leave out. */
    {"libvirt-1.2.18", NULL, NULL, 0, NULL, NULL},
    {"libvirt-3.1.0", NULL, NULL, 0, NULL, NULL},
    {"libvirt-7.0.0", NULL, NULL, 0, NULL, NULL},
    {"libvirt-10.2.0", NULL, NULL, 0, NULL, NULL},
    {"libvirt-1.2.19", NULL, NULL, 0, NULL, NULL},
    {"libvirt-3.5.0", NULL, NULL, 0, NULL, NULL},
    {"libvirt-6.2.0", NULL, NULL, 1, NULL, NULL},
    {"libvirt-6.2.0", NULL, NULL, 0, NULL, NULL},
    {"libvirt-9.0.0", NULL, NULL, 0, NULL, NULL},
    /* Capabilities: sets that differ only in them must never share an answer. */
    {"explicit", "libvirt-9.0.0", NULL, 0, qemu_generic, NULL},
    {"explicit", "libvirt-9.0.0", NULL, 0, qemu_without_generic, NULL},
    {"libvirt-9.0.0", "libvirt-9.0.0", NULL, 0, qemu_without_generic, qemu_generic},
    {"libvirt-9.0.0", NULL, NULL, 0, NULL, qemu_generic},
    {"libvirt-9.0.0", NULL, NULL, 0, NULL, qemu_without_generic},
    {"explicit", NULL, NULL, 0, NULL, qemu_without_generic},
    {"legacy", NULL, NULL, 0, NULL, qemu_without_generic},
};
#define OPTION_SETS (sizeof(option_sets) / sizeof(option_sets[0]))

/* Documents built to share controllers: across guests, forms, indexes and orders. */
#define SHARED_PORT(index)                                                   \
    "    <controller type='pci' index='" index "' model='pcie-root-port'>\n" \
    "      <target chassis='1' port='0x10'/>\n"                              \
    "    </controller>\n"
static const char *const built[] = {
    Q35_DOMAIN("    <controller type='pci' index='0' model='pci-root'/>\n"),
    PSERIES_DOMAIN("    <controller type='pci' index='0' model='pci-root'/>\n"),
    "<domain type='kvm'><os><type machine='pseries-7.2'>hvm</type></os><devices>"
    "<controller type='pci' index='0' model='pci-root'/></devices></domain>",
    "<domain type='kvm'><os><type>hvm</type></os><devices>"
    "<controller type='pci' index='0' model='pci-root'/></devices></domain>",
    "<domain type='kvm'><os><type arch='ppc64' machine='pc'>hvm</type></os><devices>"
    "<controller type='pci' index='0' model='pci-root'/></devices></domain>",
    "<domain type='kvm'><os><type arch='x86_64'>hvm</type><type arch='ppc64' "
    "machine='pseries'>hvm</type></os><devices>"
    "<controller type='pci' index='0' model='pci-root'/></devices></domain>",
    PSERIES_DOMAIN("    <controller type='pci' index='0' subType='pci-root' "
                   "model='spapr-pci-host-bridge'/>\n"),
    Q35_DOMAIN("    <controller type='pci' index='0' subType='pci-root' "
               "model='spapr-pci-host-bridge'/>\n"),
    Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n" SHARED_PORT("1")
                   SHARED_PORT("2") SHARED_PORT("3") SHARED_PORT("4294967295")),
    Q35_DOMAIN(SHARED_PORT("7") SHARED_PORT("4294967296")),
    Q35_DOMAIN(SHARED_PORT("8") SHARED_PORT("009")),
    Q35_DOMAIN(SHARED_PORT("5") SHARED_PORT(" 6")),
    Q35_DOMAIN(SHARED_PORT("5") SHARED_PORT("+6")),
    Q35_DOMAIN(SHARED_PORT("5") SHARED_PORT("")),
    Q35_DOMAIN(SHARED_PORT("5") SHARED_PORT("5")),
    Q35_DOMAIN(SHARED_PORT("5") SHARED_PORT("99999999999")),
    Q35_DOMAIN("    <controller type='pci' model='pcie-root-port'>\n"
               "      <target chassis='1' port='0x10'/>\n"
               "    </controller>\n" SHARED_PORT("3")),
    Q35_DOMAIN(SHARED_PORT("1") "    <controller type='pci' index='2' model='pcie-root-port'>\n"
                                "      <model name='ioh3420'/>\n"
                                "      <target chassis='1' port='0x10'/>\n"
                                "    </controller>\n"),
    Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'>\n"
               "      <target chassis='1' port='0x10' hotplug='off'/>\n"
               "    </controller>\n"
               "    <controller type='pci' index='2' subType='pcie-root-port' model='ioh3420'>\n"
               "      <target chassis='1' port='0x10' hotplug='off'/>\n"
               "    </controller>\n"),
    Q35_DOMAIN("    <controller type='usb' index='0'/>\n"
               "    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>\n"
               "    <controller type='usb' index='x'/>\n"
               "    <controller type='pci' index='2' model='dmi-to-pci-bridge'/>\n"),
    Q35_DOMAIN("    <controller type='pci' index='1' model='no-such-kind'/>\n" SHARED_PORT("2")),
    Q35_DOMAIN("    <controller xmlns:a='urn:a' type='pci' index='1' a:index='3' "
               "model='dmi-to-pci-bridge'/>\n"),
};
#define BUILT (sizeof(built) / sizeof(built[0]))

struct document {
    char *name;
    char *data;
    size_t len;
};

static struct document *documents;
static size_t document_count;
static domcompat_options *options[OPTION_SETS];

/* Appends printf-style text, however long. */
static void addf(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct buf *out, const char *fmt, ...)
{
    va_list ap;
    char *text = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&text, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    buf_append(out, text, (size_t)n);
    free(text);
}

/* Everything a caller can see of one conversion or validation, as text. */
static char *describe(const domcompat_context *ctx, size_t option_set, const struct document *doc)
{
    domcompat_result *result = NULL;
    domcompat_error err;
    domcompat_form detected = DOMCOMPAT_FORM_AUTO;
    struct buf out;
    size_t i, len;
    int rc;

    buf_init(&out);
    memset(&err, 0, sizeof(err));
    if (option_set == OPTION_SETS) {
        /* Validation in every form: most documents are invalid in most of them. */
        static const domcompat_form forms[] = {DOMCOMPAT_FORM_AUTO, DOMCOMPAT_FORM_LEGACY,
                                               DOMCOMPAT_FORM_EXPLICIT, DOMCOMPAT_FORM_LIBVIRT,
                                               DOMCOMPAT_FORM_MIXED};

        for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
            rc = domcompat_validate(&detected, ctx, forms[i], doc->data, doc->len, &err);
            addf(&out, "validate %d: %d %d %lu:%lu %s\n", (int)forms[i], rc, (int)detected,
                 rc ? err.line : 0, rc ? err.column : 0, rc ? err.message : "");
        }
        return buf_steal(&out, &len);
    }
    rc = domcompat_convert(&result, ctx, options[option_set], doc->data, doc->len, &err);
    addf(&out, "rc %d %lu:%lu %s\n", rc, rc ? err.line : 0, rc ? err.column : 0,
         rc ? err.message : "");
    if (result != NULL) {
        const char *bytes = domcompat_result_output(result, &len);

        if (bytes != NULL)
            buf_append(&out, bytes, len);
        for (i = 0; i < domcompat_result_change_count(result); i++) {
            const domcompat_change *c = domcompat_result_change(result, i);

            addf(&out, "\nchange %lu:%lu %s %s %s\n%s\n%s\n", c->line, c->column,
                 c->index ? c->index : "-", c->kind, c->rule, c->before, c->after);
        }
        for (i = 0; i < domcompat_result_refusal_count(result); i++) {
            const domcompat_refusal *r = domcompat_result_refusal(result, i);

            addf(&out, "\nrefusal %lu:%lu %s %s %s %s %s %s %s %s %d\n", r->line, r->column,
                 r->index ? r->index : "-", r->kind, r->implementation ? r->implementation : "-",
                 r->rule, r->reason, r->hint ? r->hint : "-", r->since ? r->since : "-", r->target,
                 r->loss);
        }
        for (i = 0; i < domcompat_result_loss_count(result); i++) {
            const domcompat_loss *l = domcompat_result_loss(result, i);

            addf(&out, "\nloss %lu:%lu %s %s %s %s\n", l->line, l->column,
                 l->index ? l->index : "-", l->kind, l->what, l->since);
        }
    }
    domcompat_result_free(result);
    return buf_steal(&out, &len);
}

static char **expected; /* [document][option set], the memory off */

static int mismatches;

static void compare(const domcompat_context *ctx, size_t d, size_t o, const char *mode)
{
    char *got = describe(ctx, o, &documents[d]);

    assert_non_null(got);
    if (strcmp(got, expected[d * (OPTION_SETS + 1) + o]) != 0) {
        if (mismatches++ < 5)
            print_error("%s: %s, option set %zu:\n--- memory off:\n%s\n--- memory on:\n%s\n", mode,
                        documents[d].name, o, expected[d * (OPTION_SETS + 1) + o], got);
    }
    free(got);
}

static void add_document(const char *name, char *data, size_t len)
{
    documents = realloc(documents, (document_count + 1) * sizeof(*documents));
    assert_non_null(documents);
    documents[document_count].name = strdup(name);
    documents[document_count].data = data;
    documents[document_count].len = len;
    document_count++;
}

/*
 * A domain whose 200 root ports all differ (chassis and port), over two
 * <devices> elements: more controllers than libxml2 is given at a time
 * (SKELETON_PIECE), none answered by another, so each piece of them is
 * validated, and written, on its own.
 */
static void add_many_distinct_controllers(void)
{
    struct buf b;
    size_t len;
    int i;

    buf_init(&b);
    buf_append_str(&b, "<domain type='kvm'>\n  <name>many</name>\n  <os>\n"
                       "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n"
                       "  <devices>\n    <controller type='pci' index='0' model='pcie-root'/>\n");
    for (i = 1; i <= 200; i++) {
        char line[160];

        if (i == 120)
            buf_append_str(&b, "  </devices>\n  <devices>\n");
        snprintf(line, sizeof(line),
                 "    <controller type='pci' index='%d' model='pcie-root-port'>"
                 "<target chassis='%d' port='0x%x'/></controller>\n",
                 i, i, 0x10 + i);
        buf_append_str(&b, line);
    }
    buf_append_str(&b, "  </devices>\n</domain>\n");
    add_document("many distinct controllers", buf_steal(&b, &len), len);
}

/* Gives `opts` the QEMU that -device help output `help` describes (none: NULL). */
static void set_caps(domcompat_options *opts, const char *help,
                     int (*set)(domcompat_options *, const domcompat_caps *, domcompat_error *))
{
    domcompat_caps *caps = NULL;
    domcompat_error err;

    if (help == NULL)
        return;
    assert_int_equal(domcompat_caps_parse(&caps, "qemu.txt", help, strlen(help), &err),
                     DOMCOMPAT_OK);
    assert_int_equal(set(opts, caps, &err), DOMCOMPAT_OK);
    domcompat_caps_free(caps);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct document *)a)->name, ((const struct document *)b)->name);
}

static int setup(void **state)
{
    const char *dir = getenv("DOMCOMPAT_TEST_FIXTURES");
    domcompat_context *off;
    domcompat_error err;
    struct dirent *entry;
    DIR *d;
    size_t i, o;

    (void)state;
    d = opendir(dir ? dir : "tests/fixtures");
    assert_non_null(d);
    while ((entry = readdir(d)) != NULL) {
        static const char *const names[] = {"input.xml", "expected.xml"};
        char path[4096];

        for (i = 0; i < 2; i++) {
            size_t len;
            char *data;

            snprintf(path, sizeof(path), "%s/%s/%s", dir ? dir : "tests/fixtures", entry->d_name,
                     names[i]);
            if ((data = read_whole_file(path, &len)) != NULL)
                add_document(path, data, len);
        }
    }
    closedir(d);
    qsort(documents, document_count, sizeof(*documents), by_name);
    assert_true(document_count > 200);
    for (i = 0; i < BUILT; i++) {
        char name[32];

        snprintf(name, sizeof(name), "built[%zu]", i);
        add_document(name, strdup(built[i]), strlen(built[i]));
    }
    add_many_distinct_controllers();
    for (o = 0; o < OPTION_SETS; o++) {
        assert_int_equal(domcompat_options_new(&options[o]), DOMCOMPAT_OK);
        assert_int_equal(domcompat_options_set_target(options[o], option_sets[o].target, &err),
                         DOMCOMPAT_OK);
        if (option_sets[o].source)
            assert_int_equal(domcompat_options_set_source(options[o], option_sets[o].source, &err),
                             DOMCOMPAT_OK);
        if (option_sets[o].assumption)
            assert_int_equal(domcompat_options_assume(options[o], option_sets[o].assumption, &err),
                             DOMCOMPAT_OK);
        domcompat_options_allow_loss(options[o], option_sets[o].allow_loss);
        set_caps(options[o], option_sets[o].source_caps, domcompat_options_set_source_caps);
        set_caps(options[o], option_sets[o].target_caps, domcompat_options_set_target_caps);
    }
    off = new_context(0);
    expected = calloc(document_count * (OPTION_SETS + 1), sizeof(*expected));
    assert_non_null(expected);
    for (i = 0; i < document_count; i++)
        for (o = 0; o <= OPTION_SETS; o++)
            assert_non_null(expected[i * (OPTION_SETS + 1) + o] = describe(off, o, &documents[i]));
    domcompat_context_free(off);
    return 0;
}

static int teardown(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < document_count * (OPTION_SETS + 1); i++)
        free(expected[i]);
    for (i = 0; i < document_count; i++) {
        free(documents[i].name);
        free(documents[i].data);
    }
    for (i = 0; i < OPTION_SETS; i++)
        domcompat_options_free(options[i]);
    free(expected);
    free(documents);
    return 0;
}

/*
 * The same documents, one context, options that differ only in the
 * capabilities of the source's or the target's QEMU: each answer is the
 * one those capabilities call for, never one remembered for others.
 */
static void test_memo__a_caps_change_never_reuses_an_answer(void **state)
{
    static const char model_only[] =
        Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n" SHARED_PORT("1"));
    static const char generic[] =
        Q35_DOMAIN("    <controller type='pci' index='0' subType='pcie-root'/>\n"
                   "    <controller type='pci' index='1' subType='pcie-root-port' "
                   "model='pcie-root-port'/>\n");
    domcompat_context *ctx = new_context(1);
    domcompat_options *opts[2];
    domcompat_result *result = NULL;
    domcompat_error err;
    const char *out;
    size_t len, round, i;

    (void)state;
    for (i = 0; i < 2; i++) {
        assert_int_equal(domcompat_options_new(&opts[i]), DOMCOMPAT_OK);
        assert_int_equal(domcompat_options_set_source(opts[i], "libvirt-9.0.0", &err),
                         DOMCOMPAT_OK);
        set_caps(opts[i], i == 0 ? qemu_generic : qemu_without_generic,
                 domcompat_options_set_source_caps);
    }
    /* Twice over, so the second round finds every answer in the memory. */
    for (round = 0; round < 2; round++) {
        for (i = 0; i < 2; i++) {
            assert_int_equal(
                domcompat_convert(&result, ctx, opts[i], model_only, strlen(model_only), &err),
                DOMCOMPAT_OK);
            out = domcompat_result_output(result, &len);
            assert_non_null(strstr(out, i == 0 ? "subType='pcie-root-port' model='pcie-root-port'"
                                               : "subType='pcie-root-port' model='ioh3420'"));
            domcompat_result_free(result);
        }
    }
    for (i = 0; i < 2; i++) {
        domcompat_options_free(opts[i]);
        assert_int_equal(domcompat_options_new(&opts[i]), DOMCOMPAT_OK);
        set_caps(opts[i], i == 0 ? qemu_generic : qemu_without_generic,
                 domcompat_options_set_target_caps);
    }
    for (round = 0; round < 2; round++) {
        assert_int_equal(domcompat_convert(&result, ctx, opts[0], generic, strlen(generic), &err),
                         DOMCOMPAT_OK);
        domcompat_result_free(result);
        assert_int_equal(domcompat_convert(&result, ctx, opts[1], generic, strlen(generic), &err),
                         DOMCOMPAT_EREFUSED);
        assert_string_equal(domcompat_result_refusal(result, 0)->rule, "qemu-support");
        domcompat_result_free(result);
    }
    for (i = 0; i < 2; i++)
        domcompat_options_free(opts[i]);
    domcompat_context_free(ctx);
}

static void test_memo__a_cold_memory_changes_nothing(void **state)
{
    size_t d, o;

    (void)state;
    mismatches = 0;
    for (d = 0; d < document_count; d++) {
        domcompat_context *ctx = new_context(1);

        /* Each option set twice: the same document converted again in one context. */
        for (o = 0; o <= OPTION_SETS; o++) {
            compare(ctx, d, o, "cold");
            compare(ctx, d, o, "again");
        }
        domcompat_context_free(ctx);
    }
    assert_int_equal(mismatches, 0);
}

static void test_memo__a_warm_memory_changes_nothing_in_either_order(void **state)
{
    domcompat_context *ctx = new_context(1);
    size_t round, d, o;

    (void)state;
    mismatches = 0;
    for (round = 0; round < 3; round++)
        for (o = 0; o <= OPTION_SETS; o++)
            for (d = 0; d < document_count; d++)
                compare(ctx, round == 1 ? document_count - 1 - d : d, o,
                        round == 0 ? "warming" : "warm");
    domcompat_context_free(ctx);
    assert_int_equal(mismatches, 0);
}

static void test_memo__turned_off_it_is_the_reference(void **state)
{
    domcompat_context *ctx = new_context(0);
    size_t d;

    (void)state;
    mismatches = 0;
    for (d = 0; d < document_count; d++)
        compare(ctx, d, 0, "off");
    domcompat_context_free(ctx);
    assert_int_equal(mismatches, 0);
}

/*
 * The index abstraction rests on this: every plain index (memo_plain_index)
 * is one libxml2 accepts as the grammar's unsignedInt with pattern
 * [0-9]+, and the edge cases around it are refused or not plain.
 */
static void test_memo__plain_indexes_are_what_the_grammar_accepts(void **state)
{
    static const char *const plain[] = {"0", "1", "42", "009", "4294967295", "0000000001"};
    static const char *const not_plain[] = {
        "", " 1", "1 ", "+1", "-1", "1a", "0x1", "4294967296", "00000000001", "99999999999"};
    domcompat_context *ctx = new_context(0);
    domcompat_error err;
    char doc[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        assert_true(memo_plain_index(plain[i]));
        snprintf(doc, sizeof(doc),
                 Q35_DOMAIN("    <controller type='pci' index='%s' model='pcie-root-port'/>\n"),
                 plain[i]);
        if (domcompat_validate(NULL, ctx, DOMCOMPAT_FORM_LEGACY, doc, strlen(doc), &err) !=
            DOMCOMPAT_OK)
            fail_msg("index '%s' is plain but not valid: %s", plain[i], err.message);
    }
    for (i = 0; i < sizeof(not_plain) / sizeof(not_plain[0]); i++)
        if (memo_plain_index(not_plain[i]))
            fail_msg("index '%s' taken as plain", not_plain[i]);
    assert_false(memo_plain_index(NULL));
    domcompat_context_free(ctx);
}

/* Keys tell apart what the schemas and rules tell apart. */
static void test_memo__keys_record_names_namespaces_and_values_exactly(void **state)
{
    static const char *const docs[] = {
        "<a x='1'/>",
        "<a x='1' y=''/>",
        "<a y='1'/>",
        "<a x='12'/>",
        "<a xmlns='urn:a' x='1'/>",
        "<p:a xmlns:p='urn:a' x='1'/>",
        "<p:a xmlns:p='urn:b' x='1'/>",
        "<a xmlns:p='urn:a' p:x='1'/>",
        "<a x='1'><b/></a>",
        "<a x='1'><b/><b/></a>",
        "<a x='1'><b><c/></b></a>",
        "<a x='1'><b/><c/></a>",
        "<a x='1'><c/><b/></a>",
        "<a x='1' index='1'/>",
    };
    struct buf keys[sizeof(docs) / sizeof(docs[0])];
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        xmlDocPtr doc = xmlReadMemory(docs[i], (int)strlen(docs[i]), NULL, NULL, 0);

        assert_non_null(doc);
        buf_init(&keys[i]);
        memo_key_element(&keys[i], xmlDocGetRootElement(doc), 0);
        assert_false(keys[i].failed);
        xmlFreeDoc(doc);
    }
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        for (j = 0; j < i; j++)
            if (keys[i].len == keys[j].len && memcmp(keys[i].data, keys[j].data, keys[i].len) == 0)
                fail_msg("%s and %s have one key", docs[i], docs[j]);
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        buf_free(&keys[i]);
}

/*
 * What one upgrade learns, counted: one answer per key, the second and
 * third controllers sharing one as they differ only by index, and one for
 * the rest of the document.  Converting the same document again learns
 * nothing new.
 */
static void test_memo__an_upgrade_remembers_each_answer_once(void **state)
{
    static const char document[] =
        "<domain type='kvm'><name>a</name>"
        "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices>"
        "<controller type='pci' index='0' model='pcie-root'/>"
        "<controller type='pci' index='1' model='pcie-root-port'>"
        "<target chassis='1' port='0x10'/></controller>"
        "<controller type='pci' index='2' model='pcie-root-port'>"
        "<target chassis='1' port='0x10'/></controller>"
        "</devices></domain>";
    domcompat_context *ctx = new_context(1);
    domcompat_options *opts = NULL;
    domcompat_result *result = NULL;
    domcompat_error err;
    size_t round;

    (void)state;
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target(opts, "explicit", &err), DOMCOMPAT_OK);
    for (round = 0; round < 2; round++) {
        assert_int_equal(
            domcompat_convert(&result, ctx, opts, document, sizeof(document) - 1, &err),
            DOMCOMPAT_OK);
        assert_int_equal(domcompat_result_change_count(result), 3);
        domcompat_result_free(result);
        assert_int_equal(memo_count(ctx->memo), 2 + 1);
    }
    domcompat_options_free(opts);
    domcompat_context_free(ctx);
}

/*
 * Every option set converts one mixed document (never already in its
 * target form) in one context: each adds an answer for each of the
 * document's three children and one for its rest, so none found another's.
 * The option sets differ pairwise, several in one parameter of the rules
 * only.
 */
static void test_memo__settings_that_differ_in_a_parameter_share_no_answer(void **state)
{
    static const char document[] = Q35_DOMAIN(
        "    <controller type='pci' index='0' model='pcie-root'/>\n"
        "    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'>\n"
        "      <target chassis='1' port='0x10' hotplug='off'/>\n"
        "    </controller>\n"
        "    <controller type='usb' index='0' model='qemu-xhci'/>\n");
    domcompat_context *ctx = new_context(1);
    domcompat_result *result = NULL;
    domcompat_error err;
    size_t o, before;

    (void)state;
    for (o = 0; o < OPTION_SETS; o++) {
        before = memo_count(ctx->memo);
        (void)domcompat_convert(&result, ctx, options[o], document, sizeof(document) - 1, &err);
        domcompat_result_free(result);
        result = NULL;
        if (memo_count(ctx->memo) != before + 4)
            fail_msg("option set %zu found %zu of its 4 answers in another's", o,
                     before + 4 - memo_count(ctx->memo));
    }
    domcompat_context_free(ctx);
}

/*
 * The key of a setting changes with each parameter of each pass, its
 * value or its name, and with a parameter added: whatever the rules are
 * given joins the key, with nothing to change in the key's code.
 */
static void test_memo__every_parameter_of_the_rules_is_in_the_key(void **state)
{
    static const char document[] =
        Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n");
    domcompat_context *ctx = new_context(1);
    struct question q, changed;
    struct buf base, key;
    domcompat_error err;
    xmlDocPtr doc;
    size_t p, i;

    (void)state;
    assert_int_equal(parse_document(&doc, document, sizeof(document) - 1, &err), DOMCOMPAT_OK);
    memset(&q, 0, sizeof(q));
    q.ctx = ctx;
    q.doc = doc;
    assert_int_equal(context_schema(ctx, DOMCOMPAT_FORM_LEGACY, &q.input, &err), DOMCOMPAT_OK);
    assert_int_equal(context_schema(ctx, DOMCOMPAT_FORM_LIBVIRT, &q.output, &err), DOMCOMPAT_OK);
    q.passes[0] = (struct question_pass){RULES_UPGRADE, {{"assume", "|"}, {"from", ""}}, 2};
    q.passes[1] = (struct question_pass){
        RULES_DOWNGRADE, {{"assume", "|"}, {"peer-version", "9000000"}, {"peer", "9.0.0"}}, 3};
    q.pass_count = 2;
    buf_init(&base);
    buf_init(&key);
    question_key_prefix(&base, &q);
    assert_false(base.failed);
    for (p = 0; p < q.pass_count; p++) {
        for (i = 0; i <= q.passes[p].param_count; i++) {
            changed = q;
            if (i == q.passes[p].param_count) {
                /* One more, as a new option would give. */
                changed.passes[p].params[i] = (struct rule_param){"qemu-capabilities", ""};
                changed.passes[p].param_count++;
            } else {
                changed.passes[p].params[i].value = "other";
            }
            question_key_prefix(&key, &changed);
            if (key.len == base.len && memcmp(key.data, base.data, key.len) == 0)
                fail_msg("pass %zu, parameter %zu: the key did not change", p, i);
            if (i < q.passes[p].param_count) {
                changed.passes[p].params[i] = q.passes[p].params[i];
                changed.passes[p].params[i].name = "renamed";
                question_key_prefix(&key, &changed);
                assert_false(key.len == base.len && memcmp(key.data, base.data, key.len) == 0);
            }
        }
    }
    /* The same setting, the same key. */
    question_key_prefix(&key, &q);
    assert_memory_equal(key.data, base.data, base.len);
    buf_free(&base);
    buf_free(&key);
    xmlFreeDoc(doc);
    domcompat_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo__keys_record_names_namespaces_and_values_exactly),
        cmocka_unit_test(test_memo__an_upgrade_remembers_each_answer_once),
        cmocka_unit_test(test_memo__a_caps_change_never_reuses_an_answer),
        cmocka_unit_test(test_memo__every_parameter_of_the_rules_is_in_the_key),
        cmocka_unit_test(test_memo__settings_that_differ_in_a_parameter_share_no_answer),
        cmocka_unit_test(test_memo__plain_indexes_are_what_the_grammar_accepts),
        cmocka_unit_test(test_memo__turned_off_it_is_the_reference),
        cmocka_unit_test(test_memo__a_cold_memory_changes_nothing),
        cmocka_unit_test(test_memo__a_warm_memory_changes_nothing_in_either_order),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
