/*
 * The library's conversion API: what each direction does to each kind of
 * controller, what it refuses, and that nothing else in a document moves.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/xmlmemory.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static domcompat_context *ctx;

static int setup_context(void **state)
{
    domcompat_error err;

    (void)state;
    return domcompat_context_new(&ctx, &err) == DOMCOMPAT_OK ? 0 : -1;
}

static int teardown_context(void **state)
{
    (void)state;
    domcompat_context_free(ctx);
    return 0;
}

static domcompat_options *options(const char *target, const char *assumption)
{
    domcompat_options *opts;

    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target(opts, target, NULL), DOMCOMPAT_OK);
    if (assumption != NULL)
        assert_int_equal(domcompat_options_assume(opts, assumption, NULL), DOMCOMPAT_OK);
    return opts;
}

/* Converts `input` and asserts the result code; returns the result (may be NULL). */
static domcompat_result *convert(const char *target, const char *assumption, const char *input,
                                 int expected_rc, domcompat_error *err)
{
    domcompat_options *opts = options(target, assumption);
    domcompat_result *result = NULL;
    int rc = domcompat_convert(&result, ctx, opts, input, strlen(input), err);

    if (rc != expected_rc)
        print_error("rc %d (expected %d): %s\n", rc, expected_rc, err->message);
    assert_int_equal(rc, expected_rc);
    domcompat_options_free(opts);
    return result;
}

static void expect_conversion(const char *target, const char *assumption, const char *input,
                              const char *expected)
{
    domcompat_error err;
    domcompat_result *result = convert(target, assumption, input, DOMCOMPAT_OK, &err);

    assert_output(result, expected);
    assert_int_equal(domcompat_result_changed(result), strcmp(input, expected) != 0);
    domcompat_result_free(result);
}

static void test_convert__upgrade_names_the_implied_implementation(void **state)
{
    (void)state;
    expect_conversion(
        "explicit", NULL,
        Q35_DOMAIN("    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>\n"),
        Q35_DOMAIN("    <controller type='pci' index='1' subType='dmi-to-pci-bridge' "
                   "model='i82801b11-bridge'/>\n"));
}

static void test_convert__downgrade_is_the_inverse(void **state)
{
    (void)state;
    expect_conversion(
        "legacy", NULL,
        Q35_DOMAIN("    <controller type='pci' index='1' subType='dmi-to-pci-bridge' "
                   "model='i82801b11-bridge'/>\n"),
        Q35_DOMAIN("    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>\n"));
}

/* More attributes than a start tag's rewrite keeps on the stack (32): all stay, in order. */
static void test_convert__a_controller_with_many_attributes_keeps_them_all(void **state)
{
    char legacy[4096], explicit_form[4096], before[1024] = "", after[1024] = "", one[32];
    int i;

    (void)state;
    for (i = 0; i < 40; i++) {
        snprintf(one, sizeof(one), " a%d='%d'", i, i);
        strcat(i < 20 ? before : after, one);
    }
    snprintf(legacy, sizeof(legacy),
             Q35_DOMAIN("    <controller type='pci' index='1'%s model='dmi-to-pci-bridge'%s/>\n"),
             before, after);
    snprintf(explicit_form, sizeof(explicit_form),
             Q35_DOMAIN("    <controller type='pci' index='1'%s subType='dmi-to-pci-bridge' "
                        "model='i82801b11-bridge'%s/>\n"),
             before, after);
    expect_conversion("explicit", NULL, legacy, explicit_form);
    expect_conversion("legacy", NULL, explicit_form, legacy);
}

static void test_convert__root_bus_gets_subtype_and_no_model(void **state)
{
    (void)state;
    expect_conversion(
        "explicit", NULL,
        Q35_DOMAIN("    <controller type=\"pci\" index=\"0\" model=\"pcie-root\"/>\n"),
        Q35_DOMAIN("    <controller type=\"pci\" index=\"0\" subType=\"pcie-root\"/>\n"));
    expect_conversion(
        "legacy", NULL,
        Q35_DOMAIN("    <controller type=\"pci\" index=\"0\" subType=\"pcie-root\"/>\n"),
        Q35_DOMAIN("    <controller type=\"pci\" index=\"0\" model=\"pcie-root\"/>\n"));
}

static void test_convert__pseries_pci_root_is_a_spapr_host_bridge(void **state)
{
    (void)state;
    expect_conversion("explicit", NULL,
                      PSERIES_DOMAIN("    <controller type='pci' index='0' model='pci-root'/>\n"),
                      PSERIES_DOMAIN("    <controller type='pci' index='0' subType='pci-root' "
                                     "model='spapr-pci-host-bridge'/>\n"));
    expect_conversion("legacy", NULL,
                      PSERIES_DOMAIN("    <controller type='pci' index='0' subType='pci-root' "
                                     "model='spapr-pci-host-bridge'/>\n"),
                      PSERIES_DOMAIN("    <controller type='pci' index='0' model='pci-root'/>\n"));
}

static void test_convert__x86_pci_root_has_no_implementation(void **state)
{
    (void)state;
    expect_conversion("explicit", NULL,
                      Q35_DOMAIN("    <controller type='pci' index='0' model='pci-root'/>\n"),
                      Q35_DOMAIN("    <controller type='pci' index='0' subType='pci-root'/>\n"));
}

static void test_convert__refuses_to_guess_whether_a_guest_is_pseries(void **state)
{
    domcompat_error err;
    domcompat_result *result;

    (void)state;
    result = convert("explicit", NULL,
                     "<domain type='kvm'><os><type arch='ppc64'>hvm</type></os><devices>"
                     "<controller type='pci' index='0' model='pci-root'/></devices></domain>",
                     DOMCOMPAT_EREFUSED, &err);
    assert_int_equal(domcompat_result_refusal_count(result), 1);
    assert_string_equal(domcompat_result_refusal(result, 0)->rule, "pseries-phb");
    assert_null(domcompat_result_output(result, NULL));
    domcompat_result_free(result);
}

static void test_convert__refuses_generic_root_port_for_legacy_peer(void **state)
{
    domcompat_error err;
    domcompat_result *result;
    const domcompat_refusal *refusal;

    (void)state;
    result = convert("legacy", NULL,
                     Q35_DOMAIN("    <controller type='pci' index='3' subType='pcie-root-port' "
                                "model='pcie-root-port'/>\n"),
                     DOMCOMPAT_EREFUSED, &err);
    assert_int_equal(domcompat_result_refusal_count(result), 1);
    refusal = domcompat_result_refusal(result, 0);
    assert_int_equal(refusal->line, 8);
    assert_int_equal(refusal->column, 5);
    assert_string_equal(refusal->index, "3");
    assert_string_equal(refusal->kind, "pcie-root-port");
    assert_string_equal(refusal->implementation, "pcie-root-port");
    assert_non_null(strstr(refusal->reason, "implies ioh3420"));
    /* The hardware the guest would get instead, by PCI ID (data/pci-kinds.xml). */
    assert_non_null(strstr(refusal->reason, "the guest would see 8086:3420 (ioh3420) instead of "
                                            "1b36:000c (pcie-root-port)"));
    /* What would fix it, as data, and in words a caller chooses. */
    assert_string_equal(refusal->hint, "if the target host's model-only pcie-root-port controllers "
                                       "mean pcie-root-port, say so with the assumption "
                                       "pcie-root-port=pcie-root-port");
    assert_int_equal(refusal->fix, DOMCOMPAT_FIX_ASSUME);
    assert_string_equal(refusal->fix_values[0], "pcie-root-port=pcie-root-port");
    assert_null(refusal->fix_values[1]);
    {
        static const domcompat_words words = {"-a %s", "not -a %s", "-l", "-f", "-c"};
        char worded[256];

        domcompat_word(refusal->hint_template, &words, worded, sizeof(worded));
        assert_string_equal(worded, "if the target host's model-only pcie-root-port controllers "
                                    "mean pcie-root-port, say so with -a "
                                    "pcie-root-port=pcie-root-port");
    }
    assert_int_equal(err.code, DOMCOMPAT_EREFUSED);
    assert_int_equal(err.fix, DOMCOMPAT_FIX_ASSUME);
    assert_int_equal(err.line, 8);
    assert_null(domcompat_result_output(result, NULL));
    domcompat_result_free(result);
}

static void test_convert__lists_every_refusal(void **state)
{
    domcompat_error err;
    domcompat_result *result;

    (void)state;
    result = convert("legacy", NULL,
                     Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                                "model='pcie-root-port'/>\n"
                                "    <controller type='pci' index='2' subType='pcie-root-port' "
                                "model='ioh3420'/>\n"
                                "    <controller type='pci' index='3' subType='pcie-root-port' "
                                "model='pcie-root-port'/>\n"),
                     DOMCOMPAT_EREFUSED, &err);
    assert_int_equal(domcompat_result_refusal_count(result), 2);
    assert_string_equal(domcompat_result_refusal(result, 0)->index, "1");
    assert_string_equal(domcompat_result_refusal(result, 1)->index, "3");
    assert_null(domcompat_result_refusal(result, 2));
    domcompat_result_free(result);
}

static void test_convert__assumption_changes_what_legacy_means(void **state)
{
    domcompat_error err;
    domcompat_result *result;

    (void)state;
    expect_conversion("explicit", "pcie-root-port=pcie-root-port",
                      Q35_DOMAIN("    <controller type='pci' index='1' model='pcie-root-port'/>\n"),
                      Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                                 "model='pcie-root-port'/>\n"));
    expect_conversion(
        "legacy", "pcie-root-port=pcie-root-port",
        Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                   "model='pcie-root-port'/>\n"),
        Q35_DOMAIN("    <controller type='pci' index='1' model='pcie-root-port'/>\n"));
    /* Under that assumption the Intel port is the one the legacy form cannot express. */
    result = convert("legacy", "pcie-root-port=pcie-root-port",
                     Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                                "model='ioh3420'/>\n"),
                     DOMCOMPAT_EREFUSED, &err);
    domcompat_result_free(result);
}

static void expect_bad_assumption(const char *assumption, const char *message_part)
{
    domcompat_options *opts;
    domcompat_error err;

    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_assume(opts, "pcie-root-port=ioh3420", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_assume(opts, assumption, &err), DOMCOMPAT_EUSAGE);
    if (strstr(err.message, message_part) == NULL)
        print_error("message: %s\n", err.message);
    assert_non_null(strstr(err.message, message_part));
    domcompat_options_free(opts);
}

static void test_options__reject_assumptions_that_cannot_hold(void **state)
{
    (void)state;
    expect_bad_assumption("pcie-root-port", "is not KIND=IMPLEMENTATION");
    expect_bad_assumption("=ioh3420", "is not KIND=IMPLEMENTATION");
    expect_bad_assumption("foo-bridge=pxb", "unknown kind 'foo-bridge'");
    expect_bad_assumption("pci-bridge=pxb", "pxb is not an implementation of pci-bridge");
    expect_bad_assumption("pci-root=spapr-pci-host-bridge", "root bus");
    expect_bad_assumption("pcie-root-port=pcie-root-port", "contradicts");
}

static void test_options__reject_unknown_target(void **state)
{
    domcompat_options *opts;
    domcompat_error err;

    (void)state;
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target(opts, "libvirt", &err), DOMCOMPAT_EUSAGE);
    assert_non_null(strstr(err.message, "unknown target 'libvirt'"));
    domcompat_options_free(opts);
}

static void test_convert__upgrade_leaves_explicit_controllers_alone(void **state)
{
    static const char explicit_doc[] = Q35_DOMAIN(
        "    <controller type='pci' index='0' subType='pcie-root'/>\n"
        "    <controller type='pci' index='1' subType='pcie-root-port' model='pcie-root-port'/>\n");
    static const char mixed[] =
        Q35_DOMAIN("    <controller type='pci' index='0' subType='pcie-root'/>\n"
                   "    <controller type='pci' index='1' model='pcie-root-port'/>\n");

    (void)state;
    expect_conversion("explicit", NULL, explicit_doc, explicit_doc);
    expect_conversion(
        "explicit", NULL, mixed,
        Q35_DOMAIN(
            "    <controller type='pci' index='0' subType='pcie-root'/>\n"
            "    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'/>\n"));
}

static void test_convert__keeps_every_byte_outside_changed_tags(void **state)
{
    static const char input[] =
        "<?xml version='1.0'?>\r\n"
        "<!-- keep <controller type='pci' model='pci-bridge'/> -->\r\n"
        "<domain type=\"kvm\" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\r\n"
        "  <description><![CDATA[<controller model='pci-bridge'>]]> &amp; &#10;</description>\r\n"
        "  <?keep this?>\r\n"
        "  <devices>\r\n"
        "    <controller\r\n"
        "        type='pci'\r\n"
        "        index=\"2\"\r\n"
        "        model='pci-bridge' >\r\n"
        "      <target chassisNr='2'/>\r\n"
        "    </controller>\r\n"
        "  </devices>\r\n"
        "  <qemu:commandline><qemu:arg value='-S'/></qemu:commandline>\r\n"
        "</domain>";
    static const char expected[] =
        "<?xml version='1.0'?>\r\n"
        "<!-- keep <controller type='pci' model='pci-bridge'/> -->\r\n"
        "<domain type=\"kvm\" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\r\n"
        "  <description><![CDATA[<controller model='pci-bridge'>]]> &amp; &#10;</description>\r\n"
        "  <?keep this?>\r\n"
        "  <devices>\r\n"
        "    <controller\r\n"
        "        type='pci'\r\n"
        "        index=\"2\"\r\n"
        "        subType='pci-bridge'\r\n"
        "        model='pci-bridge' >\r\n"
        "      <target chassisNr='2'/>\r\n"
        "    </controller>\r\n"
        "  </devices>\r\n"
        "  <qemu:commandline><qemu:arg value='-S'/></qemu:commandline>\r\n"
        "</domain>";

    (void)state;
    expect_conversion("explicit", NULL, input, expected);
    expect_conversion("legacy", NULL, expected, input);
}

static void test_convert__reports_each_change(void **state)
{
    domcompat_error err;
    domcompat_result *result;
    const domcompat_change *change;

    (void)state;
    result = convert("explicit", NULL,
                     Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n"
                                "    <controller type='pci' index='1' model='pcie-root-port'/>\n"),
                     DOMCOMPAT_OK, &err);
    assert_int_equal(domcompat_result_change_count(result), 2);
    assert_int_equal(domcompat_result_input_form(result), DOMCOMPAT_FORM_LEGACY);
    change = domcompat_result_change(result, 1);
    assert_int_equal(change->line, 9);
    assert_int_equal(change->column, 5);
    assert_string_equal(change->index, "1");
    assert_string_equal(change->kind, "pcie-root-port");
    assert_string_equal(change->rule, "implied-implementation");
    assert_string_equal(change->before,
                        "<controller type='pci' index='1' model='pcie-root-port'/>");
    assert_string_equal(
        change->after,
        "<controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'/>");
    assert_string_equal(domcompat_result_change(result, 0)->rule, "root-bus");
    domcompat_result_free(result);
}

static void expect_invalid(const char *input, unsigned long line, unsigned long column,
                           const char *message_part)
{
    domcompat_error err;
    domcompat_result *result = convert("explicit", NULL, input, DOMCOMPAT_EINVALID, &err);

    assert_null(result);
    if (strstr(err.message, message_part) == NULL || err.line != line || err.column != column)
        print_error("%lu:%lu: %s\n", err.line, err.column, err.message);
    assert_non_null(strstr(err.message, message_part));
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
}

static void test_convert__rejects_bad_input_with_its_position(void **state)
{
    (void)state;
    expect_invalid("", 1, 1, "empty");
    expect_invalid("<!DOCTYPE domain [<!ENTITY x 'y'>]>\n<domain/>", 1, 1,
                   "DOCTYPE is not allowed");
    expect_invalid("<domain>\n  <name a='1' a='2'>x</name>\n</domain>", 2, 15,
                   "attribute 'a' appears twice");
    expect_invalid("<network/>", 1, 1, "expected <domain> in no namespace");
    expect_invalid("<domain xmlns='urn:x'/>", 1, 1, "in a namespace");
    expect_invalid(Q35_DOMAIN("    <controller type='pci' index='1' model='foo-bridge'/>\n"), 8, 5,
                   "unknown PCI controller kind model='foo-bridge'; expected one of: pci-root");
    expect_invalid(Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                              "model='i82801b11-bridge'/>\n"),
                   8, 5,
                   "model='i82801b11-bridge' is not an implementation of subType='pcie-root-port'");
    expect_invalid(Q35_DOMAIN("    <controller type='pci' index='-1' model='pci-bridge'/>\n"), 8, 5,
                   "index='-1' is not an unsigned integer");
    expect_invalid(Q35_DOMAIN("    <controller type='pci' index='1' model='pci-bridge'/>\n"
                              "    <controller type='pci' index='1' model='pcie-root-port'/>\n"),
                   9, 5, "a second PCI controller with index 1 (the first is on line 8)");
    expect_invalid("<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain/>", 1, 1,
                   "declares encoding 'ISO-8859-1'");
}

static void test_convert__never_writes_to_stderr(void **state)
{
    char path[] = "/tmp/domcompat-stderr-XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    domcompat_error err;

    (void)state;
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    domcompat_result_free(
        convert("explicit", NULL, "<domain><unclosed></domain>", DOMCOMPAT_EINVALID, &err));
    domcompat_result_free(
        convert("explicit", NULL, "<domain><x:y/></domain>", DOMCOMPAT_EINVALID, &err));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    /* Parse and namespace errors must reach the caller, not the terminal. */
    assert_int_equal(lseek(fd, 0, SEEK_END), 0);
    close(fd);
    unlink(path);
}

static void test_context__forbidding_external_loads_keeps_conversions_working(void **state)
{
    char path[] = "/tmp/domcompat-loader-XXXXXX";
    int fd = mkstemp(path);
    xmlDocPtr doc;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "<a/>", 4), 4);
    close(fd);
    doc = xmlReadFile(path, NULL, XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_non_null(doc); /* the file is readable... */
    xmlFreeDoc(doc);
    domcompat_forbid_external_loading();
    doc = xmlReadFile(path, NULL, XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_null(doc); /* ...until loading is forbidden */
    unlink(path);
    expect_conversion("explicit", NULL,
                      Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n"),
                      Q35_DOMAIN("    <controller type='pci' index='0' subType='pcie-root'/>\n"));
}

static void test_convert__upgrade_reads_the_libvirt_form(void **state)
{
    (void)state;
    /* The child goes with the whitespace it stood on; nothing else moves. */
    expect_conversion("explicit", NULL,
                      Q35_DOMAIN("    <controller type='pci' index='1' model='pcie-root-port'>\n"
                                 "      <model name='pcie-root-port'/>\n"
                                 "      <target chassis='1' port='0x10'/>\n"
                                 "    </controller>\n"),
                      Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                                 "model='pcie-root-port'>\n"
                                 "      <target chassis='1' port='0x10'/>\n"
                                 "    </controller>\n"));
    /* Left with only whitespace, a controller becomes an empty-element tag again. */
    expect_conversion("explicit", NULL,
                      Q35_DOMAIN("    <controller type='pci' index='1' model='dmi-to-pci-bridge'>\n"
                                 "      <model name='i82801b11-bridge'/>\n"
                                 "    </controller>\n"),
                      Q35_DOMAIN("    <controller type='pci' index='1' subType='dmi-to-pci-bridge' "
                                 "model='i82801b11-bridge'/>\n"));
}

static void test_convert__libvirt_peer_gets_a_pinned_first_child(void **state)
{
    (void)state;
    expect_conversion("libvirt-9.0.0", NULL,
                      Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                                 "model='ioh3420'>\n"
                                 "      <target chassis='1' port='0x10'/>\n"
                                 "    </controller>\n"
                                 "    <controller type='pci' index='2' subType='pci-bridge' "
                                 "model='pci-bridge'/>\n"),
                      Q35_DOMAIN("    <controller type='pci' index='1' model='pcie-root-port'>\n"
                                 "      <model name='ioh3420'/>\n"
                                 "      <target chassis='1' port='0x10'/>\n"
                                 "    </controller>\n"
                                 "    <controller type='pci' index='2' model='pci-bridge'>\n"
                                 "      <model name='pci-bridge'/>\n"
                                 "    </controller>\n"));
}

static void test_convert__refuses_what_the_peer_version_does_not_know(void **state)
{
    domcompat_error err;
    domcompat_result *result;
    const domcompat_refusal *refusal;

    (void)state;
    result = convert("libvirt-3.1.0", NULL,
                     Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-root-port' "
                                "model='pcie-root-port'/>\n"),
                     DOMCOMPAT_EREFUSED, &err);
    refusal = domcompat_result_refusal(result, 0);
    assert_string_equal(refusal->since, "3.2.0");
    assert_string_equal(refusal->target, "libvirt 3.1.0");
    assert_false(refusal->loss);
    assert_non_null(strstr(refusal->reason, "<model name='pcie-root-port'/>"));
    domcompat_result_free(result);

    result = convert("libvirt-4.2.0", NULL,
                     Q35_DOMAIN("    <controller type='pci' index='1' subType='pcie-to-pci-bridge' "
                                "model='pcie-pci-bridge'/>\n"),
                     DOMCOMPAT_EREFUSED, &err);
    assert_string_equal(domcompat_result_refusal(result, 0)->since, "4.3.0");
    domcompat_result_free(result);
}

static void test_convert__loss_is_refused_unless_allowed(void **state)
{
    static const char input[] = Q35_DOMAIN(
        "    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'>\n"
        "      <target chassis='1' port='0x10' hotplug='off'/>\n"
        "    </controller>\n");
    domcompat_options *opts = options("libvirt-6.2.0", NULL);
    domcompat_result *result = NULL;
    domcompat_error err;
    const domcompat_loss *loss;

    (void)state;
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_EREFUSED);
    assert_true(domcompat_result_refusal(result, 0)->loss);
    assert_int_equal(domcompat_result_refusal(result, 0)->line, 9);
    domcompat_result_free(result);

    domcompat_options_allow_loss(opts, 1);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_OK);
    assert_output(result,
                  Q35_DOMAIN("    <controller type='pci' index='1' model='pcie-root-port'>\n"
                             "      <model name='ioh3420'/>\n"
                             "      <target chassis='1' port='0x10'/>\n"
                             "    </controller>\n"));
    assert_int_equal(domcompat_result_loss_count(result), 1);
    loss = domcompat_result_loss(result, 0);
    assert_string_equal(loss->what, "<target hotplug='off'>");
    assert_string_equal(loss->since, "6.3.0");
    assert_int_equal(loss->line, 9);
    domcompat_result_free(result);
    domcompat_options_free(opts);
}

static void test_convert__replacement_only_where_the_peer_lacks_the_implementation(void **state)
{
    static const char input[] = Q35_DOMAIN(
        "    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'/>\n"
        "    <controller type='pci' index='2' subType='pcie-root-port' model='pcie-root-port'/>\n");
    domcompat_options *opts = options("libvirt-3.1.0", NULL);
    domcompat_result *result = NULL;
    const domcompat_replacement *r;
    domcompat_error err;

    (void)state;
    assert_int_equal(domcompat_options_replace(opts, "pcie-root-port=ioh3420", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_OK);
    assert_output(result,
                  Q35_DOMAIN("    <controller type='pci' index='1' model='pcie-root-port'>\n"
                             "      <model name='ioh3420'/>\n"
                             "    </controller>\n"
                             "    <controller type='pci' index='2' model='pcie-root-port'>\n"
                             "      <model name='ioh3420'/>\n"
                             "    </controller>\n"));
    assert_int_equal(domcompat_result_replacement_count(result), 1);
    r = domcompat_result_replacement(result, 0);
    assert_string_equal(r->index, "2");
    assert_string_equal(r->kind, "pcie-root-port");
    assert_string_equal(r->from, "pcie-root-port");
    assert_string_equal(r->to, "ioh3420");
    assert_string_equal(r->from_pci_id, "1b36:000c");
    assert_string_equal(r->to_pci_id, "8086:3420");
    assert_int_equal(r->line, 9);
    assert_null(domcompat_result_replacement(result, 1));
    domcompat_result_free(result);
    domcompat_options_free(opts);

    /* A peer that has the generic root port keeps it. */
    opts = options("libvirt-3.2.0", NULL);
    assert_int_equal(domcompat_options_replace(opts, "pcie-root-port=ioh3420", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_OK);
    assert_int_equal(domcompat_result_replacement_count(result), 0);
    assert_non_null(
        strstr(domcompat_result_output(result, NULL), "<model name='pcie-root-port'/>"));
    domcompat_result_free(result);

    /* Two implementations of different kinds are a usage error. */
    assert_int_equal(domcompat_options_replace(opts, "pcie-root-port=pxb", &err), DOMCOMPAT_EUSAGE);
    assert_non_null(strstr(err.message, "pxb implements pci-expander-bus"));
    domcompat_options_free(opts);
}

static void test_convert__source_version_that_cannot_decide_is_refused(void **state)
{
    static const char input[] =
        Q35_DOMAIN("    <controller type='pci' index='1' model='pcie-root-port'/>\n");
    domcompat_options *opts;
    domcompat_result *result = NULL;
    domcompat_error err;

    (void)state;
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_source(opts, "libvirt-3.1.0", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_OK);
    assert_output(result, Q35_DOMAIN("    <controller type='pci' index='1' "
                                     "subType='pcie-root-port' model='ioh3420'/>\n"));
    domcompat_result_free(result);

    assert_int_equal(domcompat_options_set_source(opts, "libvirt-3.2.0", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_EREFUSED);
    assert_non_null(strstr(domcompat_result_refusal(result, 0)->hint,
                           "the assumption pcie-root-port=ioh3420 or the assumption "
                           "pcie-root-port=pcie-root-port"));
    assert_non_null(strstr(domcompat_result_refusal(result, 0)->reason, "(the source version is"));
    assert_string_equal(domcompat_result_refusal(result, 0)->fix_values[1],
                        "pcie-root-port=pcie-root-port");
    domcompat_result_free(result);

    assert_int_equal(domcompat_options_assume(opts, "pcie-root-port=pcie-root-port", &err),
                     DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_OK);
    domcompat_result_free(result);
    domcompat_options_free(opts);
}

static void test_options__peer_names_are_checked(void **state)
{
    domcompat_options *opts;
    domcompat_error err;
    static const char *const bad[] = {
        "libvirt",       "libvirt-9",        "libvirt-9.",     "libvirt-9.0.", "libvirt-9.0.0.1",
        "libvirt-9.0.x", "libvirt-1000.0.0", "libvirt-+9.0.0", "libvirt-9..0", ""};
    size_t i;

    (void)state;
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(domcompat_options_set_target(opts, bad[i], &err), DOMCOMPAT_EUSAGE);
        assert_int_equal(domcompat_options_set_source(opts, bad[i], &err), DOMCOMPAT_EUSAGE);
    }
    assert_int_equal(domcompat_options_set_target(opts, "libvirt-10.10.0", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_source(opts, "legacy", &err), DOMCOMPAT_OK);
    domcompat_options_free(opts);
}

/* libvirt numbers releases X.Y.Z; "libvirt-X.Y" is the release X.Y.0, on both sides. */
static void test_options__two_part_version_is_dot_zero(void **state)
{
    static const char input[] = Q35_DOMAIN(
        "    <controller type='pci' index='0' subType='pcie-root'/>\n"
        "    <controller type='pci' index='1' subType='pcie-root-port' model='pcie-root-port'/>\n");
    static const char legacy_input[] =
        Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n"
                   "    <controller type='pci' index='1' model='pcie-root-port'/>\n");
    domcompat_options *opts;
    domcompat_result *result = NULL;
    domcompat_error err;

    (void)state;
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    /* The generic root port's name is known from 3.2.0: not to 3.1, yes to 3.2. */
    assert_int_equal(domcompat_options_set_target(opts, "libvirt-3.1", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_EREFUSED);
    assert_string_equal(domcompat_result_refusal(result, 0)->target, "libvirt 3.1.0");
    domcompat_result_free(result);
    assert_int_equal(domcompat_options_set_target(opts, "libvirt-3.2", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_OK);
    domcompat_result_free(result);
    /* A source of 3.2 is 3.2.0, where a model-only root port became ambiguous. */
    assert_int_equal(domcompat_options_set_target(opts, "explicit", &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_source(opts, "libvirt-3.2", &err), DOMCOMPAT_OK);
    assert_int_equal(
        domcompat_convert(&result, ctx, opts, legacy_input, strlen(legacy_input), &err),
        DOMCOMPAT_EREFUSED);
    /* The library's words name no option: the template marks the setting. */
    assert_non_null(strstr(domcompat_result_refusal(result, 0)->reason_template,
                           "(the {from} version is 3.2.0)"));
    assert_non_null(
        strstr(domcompat_result_refusal(result, 0)->reason, "(the source version is 3.2.0)"));
    domcompat_result_free(result);
    domcompat_options_free(opts);
}

static void test_validate__detects_the_form(void **state)
{
    domcompat_form form;
    domcompat_error err;
    static const char legacy[] =
        Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n");
    static const char explicit_doc[] =
        Q35_DOMAIN("    <controller type='pci' index='0' subType='pcie-root'/>\n");
    static const char none[] = Q35_DOMAIN("");

    (void)state;
    assert_int_equal(
        domcompat_validate(&form, ctx, DOMCOMPAT_FORM_AUTO, legacy, strlen(legacy), &err), 0);
    assert_int_equal(form, DOMCOMPAT_FORM_LEGACY);
    assert_int_equal(domcompat_validate(&form, ctx, DOMCOMPAT_FORM_AUTO, explicit_doc,
                                        strlen(explicit_doc), &err),
                     0);
    assert_int_equal(form, DOMCOMPAT_FORM_EXPLICIT);
    assert_int_equal(domcompat_validate(&form, ctx, DOMCOMPAT_FORM_AUTO, none, strlen(none), &err),
                     0);
    assert_int_equal(form, DOMCOMPAT_FORM_ANY);
    assert_int_equal(domcompat_validate(&form, ctx, DOMCOMPAT_FORM_LEGACY, explicit_doc,
                                        strlen(explicit_doc), &err),
                     DOMCOMPAT_EINVALID);
    assert_non_null(strstr(err.message, "expected the legacy form"));
}

/* Whether `text` names a command-line option: "--" and a letter. */
static int names_an_option(const char *text)
{
    const char *at;

    for (at = text ? strstr(text, "--") : NULL; at != NULL; at = strstr(at + 1, "--"))
        if (at[2] >= 'a' && at[2] <= 'z')
            return 1;
    return 0;
}

/*
 * No message of the library names a command-line option: every fixture
 * document, converted every way, and every limit exceeded.
 */
static void test_convert__library_messages_name_no_option(void **state)
{
    static const char *const targets[] = {"explicit", "legacy", "libvirt-9.0.0", "libvirt-6.2.0",
                                          "libvirt-1.2.18"};
    static const char *const sources[] = {NULL, "libvirt-3.5.0", "libvirt-1.2.0"};
    static const char *const assumptions[] = {NULL, "pcie-root-port=pcie-root-port"};
    static const char deep[] = "<domain><a><a><a><a></a></a></a></a></domain>";
    struct dirent *entry;
    DIR *d = opendir("tests/fixtures");
    domcompat_limits limits;
    domcompat_context *tight = NULL;
    domcompat_error err;
    size_t t, f, a, i, checked = 0;

    (void)state;
    assert_non_null(d);
    while ((entry = readdir(d)) != NULL) {
        char path[4096];
        size_t len;
        char *data;

        snprintf(path, sizeof(path), "tests/fixtures/%s/input.xml", entry->d_name);
        if ((data = read_whole_file(path, &len)) == NULL)
            continue;
        for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++)
            for (f = 0; f < sizeof(sources) / sizeof(sources[0]); f++)
                for (a = 0; a < sizeof(assumptions) / sizeof(assumptions[0]); a++) {
                    domcompat_options *opts = NULL;
                    domcompat_result *result = NULL;

                    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
                    domcompat_options_set_target(opts, targets[t], NULL);
                    if (sources[f])
                        domcompat_options_set_source(opts, sources[f], NULL);
                    if (assumptions[a])
                        domcompat_options_assume(opts, assumptions[a], NULL);
                    memset(&err, 0, sizeof(err));
                    if (domcompat_convert(&result, ctx, opts, data, len, &err) != DOMCOMPAT_OK &&
                        names_an_option(err.message))
                        fail_msg("%s: %s", path, err.message);
                    for (i = 0; result && i < domcompat_result_refusal_count(result); i++) {
                        const domcompat_refusal *r = domcompat_result_refusal(result, i);

                        if (names_an_option(r->reason) || names_an_option(r->hint))
                            fail_msg("%s for %s: %s; %s", path, targets[t], r->reason,
                                     r->hint ? r->hint : "");
                        checked++;
                    }
                    domcompat_result_free(result);
                    domcompat_options_free(opts);
                }
        free(data);
    }
    closedir(d);
    assert_true(checked > 100);

    /* Each limit, exceeded: the error says which, as data. */
    assert_int_equal(domcompat_context_new(&tight, &err), DOMCOMPAT_OK);
    domcompat_limits_default(&limits);
    limits.max_depth = 3;
    assert_int_equal(domcompat_context_set_limits(tight, &limits, &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_validate(NULL, tight, DOMCOMPAT_FORM_AUTO, deep, strlen(deep), &err),
                     DOMCOMPAT_EINVALID);
    assert_int_equal(err.fix, DOMCOMPAT_FIX_MAX_DEPTH);
    assert_false(names_an_option(err.message));
    limits.max_depth = 64;
    limits.max_size = 10;
    assert_int_equal(domcompat_context_set_limits(tight, &limits, &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_validate(NULL, tight, DOMCOMPAT_FORM_AUTO, deep, strlen(deep), &err),
                     DOMCOMPAT_EINVALID);
    assert_int_equal(err.fix, DOMCOMPAT_FIX_MAX_SIZE);
    assert_false(names_an_option(err.message));
    domcompat_context_free(tight);
}

/*
 * Replacing libxml2's allocator is the program's decision: a context
 * leaves it alone, domcompat_use_memory_reserve() replaces it.
 */
static void test_convert__only_an_explicit_call_replaces_libxml2s_allocator(void **state)
{
    xmlFreeFunc free_before, free_after;
    xmlMallocFunc malloc_before, malloc_after;
    xmlReallocFunc realloc_before, realloc_after;
    xmlStrdupFunc strdup_before, strdup_after;
    domcompat_context *own = NULL;
    domcompat_error err;

    (void)state;
    assert_int_equal(xmlMemGet(&free_before, &malloc_before, &realloc_before, &strdup_before), 0);
    assert_int_equal(domcompat_context_new(&own, &err), DOMCOMPAT_OK);
    domcompat_context_free(own);
    assert_int_equal(xmlMemGet(&free_after, &malloc_after, &realloc_after, &strdup_after), 0);
    assert_true(malloc_after == malloc_before && free_after == free_before);
    assert_int_equal(domcompat_use_memory_reserve(&err), DOMCOMPAT_OK);
    assert_int_equal(xmlMemGet(&free_after, &malloc_after, &realloc_after, &strdup_after), 0);
    assert_true(malloc_after != malloc_before && free_after != free_before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert__only_an_explicit_call_replaces_libxml2s_allocator),
        cmocka_unit_test(test_convert__library_messages_name_no_option),
        cmocka_unit_test(test_convert__upgrade_names_the_implied_implementation),
        cmocka_unit_test(test_convert__downgrade_is_the_inverse),
        cmocka_unit_test(test_convert__root_bus_gets_subtype_and_no_model),
        cmocka_unit_test(test_convert__a_controller_with_many_attributes_keeps_them_all),
        cmocka_unit_test(test_convert__pseries_pci_root_is_a_spapr_host_bridge),
        cmocka_unit_test(test_convert__x86_pci_root_has_no_implementation),
        cmocka_unit_test(test_convert__refuses_to_guess_whether_a_guest_is_pseries),
        cmocka_unit_test(test_convert__refuses_generic_root_port_for_legacy_peer),
        cmocka_unit_test(test_convert__lists_every_refusal),
        cmocka_unit_test(test_convert__assumption_changes_what_legacy_means),
        cmocka_unit_test(test_options__reject_assumptions_that_cannot_hold),
        cmocka_unit_test(test_options__reject_unknown_target),
        cmocka_unit_test(test_convert__upgrade_leaves_explicit_controllers_alone),
        cmocka_unit_test(test_convert__keeps_every_byte_outside_changed_tags),
        cmocka_unit_test(test_convert__reports_each_change),
        cmocka_unit_test(test_convert__rejects_bad_input_with_its_position),
        cmocka_unit_test(test_convert__never_writes_to_stderr),
        cmocka_unit_test(test_convert__upgrade_reads_the_libvirt_form),
        cmocka_unit_test(test_convert__libvirt_peer_gets_a_pinned_first_child),
        cmocka_unit_test(test_convert__refuses_what_the_peer_version_does_not_know),
        cmocka_unit_test(test_convert__loss_is_refused_unless_allowed),
        cmocka_unit_test(test_convert__replacement_only_where_the_peer_lacks_the_implementation),
        cmocka_unit_test(test_convert__source_version_that_cannot_decide_is_refused),
        cmocka_unit_test(test_options__peer_names_are_checked),
        cmocka_unit_test(test_options__two_part_version_is_dot_zero),
        cmocka_unit_test(test_validate__detects_the_form),
        cmocka_unit_test(test_context__forbidding_external_loads_keeps_conversions_working),
    };

    return cmocka_run_group_tests(tests, setup_context, teardown_context);
}
