/*
 * Validating a skeleton in pieces, and with its PCI controllers projected
 * to the children the grammar judges and the attributes it need not see
 * held out, gives the verdict of one validation of the whole: libxml2
 * itself, on the whole skeleton, is the oracle.
 */
#include "testutil.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>

#include "context.h"
#include "controllers.h"
#include "kinds.h"
#include "parse.h"
#include "skeleton.h"

#define COUNT 200 /* controllers: several pieces and a partial last one */

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

/*
 * A q35 domain with COUNT legacy root ports (and a USB controller among
 * them), `bad` in place of the one at `position` (none when negative), and
 * the controllers from `split` on in a second <devices>.
 */
static char *domain_with(const char *bad, int position, int split)
{
    size_t size = 256 * COUNT + 1024, used = 0;
    char *text = malloc(size);
    int i;

    assert_non_null(text);
    used += (size_t)snprintf(text + used, size - used,
                             "<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type>"
                             "</os>\n<devices>\n");
    for (i = 0; i < COUNT; i++) {
        if (i == split)
            used += (size_t)snprintf(text + used, size - used, "</devices><devices>\n");
        if (i == position)
            used += (size_t)snprintf(text + used, size - used, "%s\n", bad);
        else if (i == COUNT / 2)
            used += (size_t)snprintf(text + used, size - used,
                                     "<controller type='usb' index='0' model='qemu-xhci'/>\n");
        else
            used += (size_t)snprintf(text + used, size - used,
                                     "<controller type='pci' index='%d' model='pcie-root-port'>"
                                     "<target chassis='%d' port='0x%x'/></controller>\n",
                                     i, i, i);
    }
    snprintf(text + used, size - used, "</devices></domain>\n");
    return text;
}

static xmlChar *dump(xmlDocPtr doc)
{
    xmlChar *text = NULL;
    int len = 0;

    xmlDocDumpMemory(doc, &text, &len);
    assert_non_null(text);
    return text;
}

/* Asserts that pieces and whole agree on `text` in `form`; returns the verdict. */
static int verdict(const char *text, domcompat_form form)
{
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "test.xml", NULL, XML_PARSE_NONET);
    struct pci_controllers controllers, children;
    struct skeleton skeleton;
    struct schema_failure whole_failure, piece_failure, projected_failure;
    xmlRelaxNGPtr schema = NULL;
    xmlChar *before, *after;
    int whole, pieces, projected;

    assert_non_null(doc);
    assert_int_equal(context_schema(ctx, form, &schema, NULL), DOMCOMPAT_OK);
    assert_non_null(schema);
    assert_int_equal(controllers_collect(&controllers, &children, doc), 0);
    assert_int_equal(skeleton_build(&skeleton, doc, NULL, children.nodes, children.count), 0);
    before = dump(skeleton.doc);
    whole = schema_validate(schema, skeleton.doc, &whole_failure);
    pieces = skeleton_validate(&skeleton, schema, false, &piece_failure);
    projected = skeleton_validate(&skeleton, schema, true, &projected_failure);
    after = dump(skeleton.doc);
    /* The pieces are put back: the skeleton is whole again, in its order. */
    assert_string_equal((const char *)before, (const char *)after);
    assert_int_equal(pieces, whole);
    assert_int_equal(projected, whole);
    if (whole == 1) {
        assert_non_null(piece_failure.node);
        assert_ptr_equal(piece_failure.node, whole_failure.node);
    }
    xmlFree(before);
    xmlFree(after);
    skeleton_free(&skeleton);
    controllers_free(&controllers);
    controllers_free(&children);
    xmlFreeDoc(doc);
    return whole;
}

static const char *const bad_controllers[] = {
    "<controller type='pci' index='x' model='pcie-root-port'/>",
    "<controller type='pci' index='1' model='no-such-kind'/>",
    "<controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'/>",
    "<controller type='usb' index='1' subType='pcie-root-port'/>",
    "<controller type='pci' index='1' model='pcie-root-port'><model name='ioh3420'/></controller>",
    "<controller type='pci' index='1' model='pcie-root-port'><target><controller/></target>"
    "</controller>",
    "<controller type='pci' index='1' model='pcie-root-port'><address><x><controller/></x>"
    "</address></controller>",
    "<controller type='pci' index='1' model='pcie-root-port'><target/><model name='ioh3420'/>"
    "<model name='ioh3420'/></controller>",
    "<controller type='pci' index='1' model='pcie-root-port'><model name='no-such'/></controller>",
    "<controller type='pci' index='1' model='pcie-root-port'><address/>"
    "<target chassis='1' port='0x10' hotplug='maybe'/></controller>",
};

static const int positions[] = {0, 1, 62, 63, 64, 65, 127, 128, 129, COUNT - 1};

static void test_skeleton__pieces_agree_with_the_whole(void **state)
{
    size_t b, p;
    char *text;

    (void)state;
    text = domain_with(NULL, -1, -1);
    assert_int_equal(verdict(text, DOMCOMPAT_FORM_LEGACY), 0);
    assert_int_equal(verdict(text, DOMCOMPAT_FORM_MIXED), 0);
    assert_int_equal(verdict(text, DOMCOMPAT_FORM_EXPLICIT), 1);
    free(text);
    for (b = 0; b < sizeof(bad_controllers) / sizeof(bad_controllers[0]); b++)
        for (p = 0; p < sizeof(positions) / sizeof(positions[0]); p++) {
            text = domain_with(bad_controllers[b], positions[p], -1);
            /* Every case is invalid as a whole, so a piece that misses it fails here. */
            assert_int_equal(verdict(text, DOMCOMPAT_FORM_LEGACY), 1);
            free(text);
        }
}

static void test_skeleton__every_devices_element_is_checked(void **state)
{
    char *text;

    (void)state;
    text = domain_with(NULL, -1, 70);
    assert_int_equal(verdict(text, DOMCOMPAT_FORM_LEGACY), 0);
    free(text);
    text = domain_with(bad_controllers[0], 69, 70);
    assert_int_equal(verdict(text, DOMCOMPAT_FORM_LEGACY), 1);
    free(text);
    text = domain_with(bad_controllers[0], 150, 70);
    assert_int_equal(verdict(text, DOMCOMPAT_FORM_LEGACY), 1);
    free(text);
}

static void test_skeleton__a_misplaced_controller_is_seen_beside_many(void **state)
{
    char *text = domain_with(NULL, -1, -1);
    char *misplaced = malloc(strlen(text) + 64);
    const char *devices = strstr(text, "<devices>");

    (void)state;
    assert_non_null(misplaced);
    sprintf(misplaced, "%.*s<controller type='pci' index='999' model='pci-bridge'/>%s",
            (int)(devices - text), text, devices);
    assert_int_equal(verdict(misplaced, DOMCOMPAT_FORM_LEGACY), 1);
    free(misplaced);
    free(text);
}

/*
 * Values of the attributes projection may hold out, and others beside
 * them: what the grammar says of each (1 valid, 0 not), or -1 where only
 * the agreement of projection and whole is asked.  A hold-out that took a
 * value its grammar refuses, or a grammar grown stricter than the
 * hold-outs, makes the projected verdict differ from the whole's.
 */
struct attribute_case {
    const char *value;
    int valid;
};

static const struct attribute_case uint8_cases[] = {
    {"0", 1},   {"255", 1},  {"007", 1},   {"0x0", 1}, {"0xff", 1}, {"0xFF", 1},
    {"0xA", 1}, {"256", 0},  {"0x100", 0}, {"0x", 0},  {"0xg", 0},  {"-1", 0},
    {"0X1", 0}, {"1000", 0}, {"+1", -1},   {" 1", -1}, {"0001", -1}};
static const struct attribute_case on_off_cases[] = {{"on", 1},  {"off", 1}, {"On", 0},
                                                     {"yes", 0}, {"", 0},    {" on", -1}};
static const struct attribute_case unsigned_long_cases[] = {{"0", 1},
                                                            {"9999999999999999999", 1},
                                                            {"18446744073709551615", 1},
                                                            {"18446744073709551616", 0},
                                                            {"-1", 0},
                                                            {"1.5", 0},
                                                            {"0x10", 0},
                                                            {"", 0}};
static const struct attribute_case index_cases[] = {
    {"0", 1},   {"4294967295", 1}, {"00000000001", 1}, {"4294967296", 0}, {"x", 0},
    {"0x1", 0}, {"", 0},           {"+1", 0},          {" 1", -1}};

static void cases_of(enum kind_value_type type, const struct attribute_case **cases, size_t *n)
{
    *n = 0;
    switch (type) {
    case KIND_VALUE_UINT8:
        *cases = uint8_cases;
        *n = sizeof(uint8_cases) / sizeof(uint8_cases[0]);
        break;
    case KIND_VALUE_ON_OFF:
        *cases = on_off_cases;
        *n = sizeof(on_off_cases) / sizeof(on_off_cases[0]);
        break;
    case KIND_VALUE_UNSIGNED_LONG:
        *cases = unsigned_long_cases;
        *n = sizeof(unsigned_long_cases) / sizeof(unsigned_long_cases[0]);
        break;
    case KIND_VALUE_UNSIGNED_INT:
    case KIND_VALUE_SCALED: break;
    }
}

/*
 * A domain holding `controller`, with a root bus (in the explicit form when
 * `explicit_root`) and another type's controller beside it.
 */
static void small_domain(char *out, size_t size, const char *controller, bool explicit_root)
{
    snprintf(out, size,
             "<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
             "<controller type='pci' index='0' %s='pcie-root'/>%s"
             "<controller type='usb' index='0' model='qemu-xhci' ports='15'/></devices></domain>",
             explicit_root ? "subType" : "model", controller);
}

/*
 * Checks a controller spelt in the legacy and the explicit form, in every
 * grammar; returns the verdict on the legacy spelling, which the explicit
 * one must share in its own grammar.
 */
static int check_spellings(const char *legacy, const char *explicit_form)
{
    char text[1024];
    int valid;

    small_domain(text, sizeof(text), legacy, false);
    valid = verdict(text, DOMCOMPAT_FORM_LEGACY);
    verdict(text, DOMCOMPAT_FORM_LIBVIRT);
    verdict(text, DOMCOMPAT_FORM_MIXED);
    verdict(text, DOMCOMPAT_FORM_EXPLICIT);
    small_domain(text, sizeof(text), explicit_form, true);
    assert_int_equal(verdict(text, DOMCOMPAT_FORM_EXPLICIT), valid);
    verdict(text, DOMCOMPAT_FORM_MIXED);
    verdict(text, DOMCOMPAT_FORM_LEGACY);
    return valid;
}

static void test_skeleton__held_out_attributes_change_no_verdict(void **state)
{
    const struct attribute_case *cases;
    char legacy[512], explicit_form[512];
    size_t k, t, c, n, checked = 0;

    (void)state;
    for (k = 0; k < kinds_count; k++) {
        const struct kind *kind = &kinds_table[k];
        const char *model = kind->implementation_count > 0 ? kind->implementations[0].name : NULL;

        for (t = 0; t < kind->target_count; t++) {
            const struct kind_target *target = &kind->targets[t];

            if (target->element)
                continue;
            cases_of(target->type, &cases, &n);
            for (c = 0; c < n; c++) {
                snprintf(legacy, sizeof(legacy),
                         "<controller type='pci' index='1' model='%s'><target %s='%s'/>"
                         "</controller>",
                         kind->name, target->name, cases[c].value);
                snprintf(explicit_form, sizeof(explicit_form),
                         "<controller type='pci' index='1' subType='%s'%s%s%s><target %s='%s'/>"
                         "</controller>",
                         kind->name, model ? " model='" : "", model ? model : "", model ? "'" : "",
                         target->name, cases[c].value);
                if (cases[c].valid >= 0)
                    assert_int_equal(check_spellings(legacy, explicit_form), !cases[c].valid);
                else
                    check_spellings(legacy, explicit_form);
                checked++;
            }
        }
    }
    /* Every kind with a numbered target was tried: the table is not empty by mistake. */
    assert_true(checked > 100);
    for (c = 0; c < sizeof(index_cases) / sizeof(index_cases[0]); c++) {
        snprintf(legacy, sizeof(legacy),
                 "<controller type='pci' index='%s' model='pcie-root-port'>"
                 "<target chassis='0x1' port='8'/></controller>",
                 index_cases[c].value);
        snprintf(explicit_form, sizeof(explicit_form),
                 "<controller type='pci' index='%s' subType='pcie-root-port' model='ioh3420'>"
                 "<target chassis='0x1' port='8'/></controller>",
                 index_cases[c].value);
        if (index_cases[c].valid >= 0)
            assert_int_equal(check_spellings(legacy, explicit_form), !index_cases[c].valid);
        else
            check_spellings(legacy, explicit_form);
    }
}

/* Another type's controller: every attribute but a subType is held out. */
static void test_skeleton__another_types_controller_is_judged_by_its_subtype(void **state)
{
    static const struct {
        const char *controller;
        int valid;
    } cases[] = {
        {"<controller type='usb' index='0' model='qemu-xhci' ports='15' a:x='1' xmlns:a='urn:a'/>",
         1},
        {"<controller index='0' model='anything'/>", 1},
        {"<controller type='virtio-serial' a:subType='x' xmlns:a='urn:a'/>", 1},
        {"<controller type='sata' index='x' a:type='pci' xmlns:a='urn:a'/>", 1},
        {"<controller type='usb' index='0' subType='pcie-root-port'/>", 0},
        {"<controller subType='x'/>", 0},
        {"<controller type=' pci'/>", -1},
        {"<controller type='PCI' index='0'/>", -1},
    };
    char text[1024];
    size_t c;
    int valid;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        small_domain(text, sizeof(text), cases[c].controller, false);
        valid = verdict(text, DOMCOMPAT_FORM_LEGACY);
        verdict(text, DOMCOMPAT_FORM_EXPLICIT);
        verdict(text, DOMCOMPAT_FORM_MIXED);
        if (cases[c].valid >= 0)
            assert_int_equal(valid, !cases[c].valid);
    }
}

/*
 * Every element below carries n='ORDINAL', its place among all the
 * document's elements, written by hand: parse_element_ordinal() must agree
 * on each element the tree holds.  Returns how many it holds.
 */
static size_t check_ordinals(const xmlNode *node)
{
    size_t count = 0, ordinal;
    const xmlNode *child;
    xmlChar *n;

    for (child = node; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        n = xmlGetProp(child, BAD_CAST "n");
        assert_non_null(n);
        assert_int_equal(parse_element_ordinal(child, &ordinal), 0);
        assert_int_equal(ordinal, strtoul((const char *)n, NULL, 10));
        xmlFree(n);
        count += 1 + check_ordinals(child->children);
    }
    return count;
}

static xmlNode *child_element(const xmlNode *parent, const char *name)
{
    xmlNode *child;

    for (child = parent->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST name))
            return child;
    return NULL;
}

static void test_skeleton__the_parsed_tree_holds_what_the_skeleton_reads(void **state)
{
    static const char document[] =
        "<domain n='0' type='kvm'><name n='1'>a</name>"
        "<os n='2'><type n='3' arch='x86_64' machine='q35'>hvm<x n='4'/></type><boot n='5'/></os>"
        "<features n='6'><acpi n='7'/></features>"
        "<devices n='8'><disk n='9'><source n='10'/><target n='11'/></disk>"
        "<controller n='12' type='pci' index='0' model='pcie-root'/>"
        "<controller n='13' type='usb' index='0'><address n='14' type='pci'/></controller>"
        "<interface n='15'><model n='16'/></interface></devices></domain>";
    static const char misplaced[] = "<domain n='0'><devices n='1'><disk n='2'><source n='3'/>"
                                    "<controller n='4' type='pci' index='1'/></disk>"
                                    "<controller n='5' type='pci' index='0'/></devices></domain>";
    xmlNode *root, *devices;
    domcompat_error err;
    xmlDocPtr doc;

    (void)state;
    assert_int_equal(parse_document(&doc, document, sizeof(document) - 1, &err), DOMCOMPAT_OK);
    root = xmlDocGetRootElement(doc);
    /* <domain>, <os>, <type>, <devices> and both controllers whole. */
    assert_int_equal(check_ordinals(root), 7);
    assert_null(child_element(root, "name"));
    assert_null(child_element(root, "features"));
    assert_null(child_element(child_element(root, "os"), "boot"));
    assert_null(child_element(child_element(child_element(root, "os"), "type"), "x"));
    devices = child_element(root, "devices");
    assert_null(child_element(devices, "disk"));
    assert_null(child_element(devices, "interface"));
    assert_non_null(child_element(devices->last, "address"));
    xmlFreeDoc(doc);

    /* A controller inside a left-out element: the whole tree, so its error can name <disk>. */
    assert_int_equal(parse_document(&doc, misplaced, sizeof(misplaced) - 1, &err), DOMCOMPAT_OK);
    root = xmlDocGetRootElement(doc);
    assert_int_equal(check_ordinals(root), 6);
    assert_non_null(
        child_element(child_element(child_element(root, "devices"), "disk"), "controller"));
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skeleton__pieces_agree_with_the_whole),
        cmocka_unit_test(test_skeleton__every_devices_element_is_checked),
        cmocka_unit_test(test_skeleton__a_misplaced_controller_is_seen_beside_many),
        cmocka_unit_test(test_skeleton__held_out_attributes_change_no_verdict),
        cmocka_unit_test(test_skeleton__another_types_controller_is_judged_by_its_subtype),
        cmocka_unit_test(test_skeleton__the_parsed_tree_holds_what_the_skeleton_reads),
    };

    return cmocka_run_group_tests(tests, setup_context, teardown_context);
}
