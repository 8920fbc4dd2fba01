/*
 * QEMU capabilities (domcompat_caps_*): both descriptions a host has of a
 * QEMU binary are read into the same answers, anything else is refused
 * with its line and what was expected, and a conversion applies them.
 */
#include "testutil.h"

#include "caps.h"
#include "kinds.h"

/* libvirt's cache as libvirt 9.0 writes it, cut to what matters and some of what does not. */
#define CACHE(version, arch, flags)                                               \
    "<qemuCaps>\n"                                                                \
    "  <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"                        \
    "  <qemuctime>1796391863</qemuctime>\n"                                       \
    "  <selfvers>9000000</selfvers>\n"                                            \
    "  <flag name='sdl'/>\n" flags "  <version>" version "</version>\n"           \
    "  <kvmVersion>0</kvmVersion>\n"                                              \
    "  <package>Debian 1:7.2+dfsg-7+deb12u18+b3</package>\n"                      \
    "  <arch>" arch "</arch>\n"                                                   \
    "  <hostCPU type='tcg' model='base' migratability='yes'/>\n"                  \
    "  <machine type='tcg' name='pc-q35-7.2' hotplugCpus='yes' maxCpus='288'/>\n" \
    "</qemuCaps>\n"

static const char cache_7_2[] = CACHE("7002022", "x86_64",
                                      "  <flag name='pci-bridge'/>\n"
                                      "  <flag name='dmi-to-pci-bridge'/>\n"
                                      "  <flag name='ioh3420'/>\n"
                                      "  <flag name='pcie-root-port'/>\n"
                                      "  <flag name='pcie-root-port.hotplug'/>\n");

static const char device_help[] =
    "Controller/Bridge/Hub devices:\r\n"
    "name \"i82801b11-bridge\", bus PCI\r\n"
    "name \"ioh3420\", bus PCI, desc \"Intel IOH device id 3420 PCIE Root Port\"\r\n"
    "name \"pcie-root-port\", bus PCI, desc \"PCI Express Root Port\"\r\n"
    "name \"usb-host\", bus usb-bus\r\n"
    "\r\n"
    "CPU devices:\r\n"
    "name \"486-x86_64-cpu\"\r\n"
    "name \"qemu64-x86_64-cpu\"\r\n";

static domcompat_caps *parse_ok(const char *data)
{
    domcompat_caps *caps = NULL;
    domcompat_error err;

    assert_int_equal(domcompat_caps_parse(&caps, "qemu.xml", data, strlen(data), &err),
                     DOMCOMPAT_OK);
    assert_non_null(caps);
    return caps;
}

/* Refused as usage, at `line` (0: the file as a whole), with `words` in the message. */
static void assert_refused(const char *data, unsigned long line, const char *words)
{
    domcompat_caps *caps = (domcompat_caps *)1;
    domcompat_error err;

    memset(&err, 0, sizeof(err));
    assert_int_equal(domcompat_caps_parse(&caps, "qemu.xml", data, strlen(data), &err),
                     DOMCOMPAT_EUSAGE);
    assert_null(caps);
    assert_int_equal(err.code, DOMCOMPAT_EUSAGE);
    if (err.line != line || strstr(err.message, words) == NULL)
        fail_msg("line %lu, expected %lu: \"%s\", expected \"%s\" in it", err.line, line,
                 err.message, words);
}

static void test_caps__libvirt_cache_gives_devices_version_arch_and_emulator(void **state)
{
    domcompat_caps *caps = parse_ok(cache_7_2);

    (void)state;
    assert_string_equal(domcompat_caps_qemu_version(caps), "7.2.22");
    assert_string_equal(domcompat_caps_arch(caps), "x86_64");
    assert_string_equal(domcompat_caps_emulator(caps), "/usr/bin/qemu-system-x86_64");
    /* libvirt's flag dmi-to-pci-bridge is the device i82801b11-bridge. */
    assert_true(domcompat_caps_has(caps, "i82801b11-bridge"));
    assert_true(domcompat_caps_has(caps, "pcie-root-port"));
    assert_true(domcompat_caps_has(caps, "pci-bridge"));
    assert_false(domcompat_caps_has(caps, "dmi-to-pci-bridge"));
    assert_false(domcompat_caps_has(caps, "pxb-pcie"));
    assert_false(domcompat_caps_has(caps, "pcie-root-port.hotplug"));
    domcompat_caps_free(caps);
}

static void test_caps__device_help_gives_devices_and_arch_but_no_version(void **state)
{
    domcompat_caps *caps = parse_ok(device_help);

    (void)state;
    assert_null(domcompat_caps_qemu_version(caps));
    assert_null(domcompat_caps_emulator(caps));
    assert_string_equal(domcompat_caps_arch(caps), "x86_64");
    assert_true(domcompat_caps_has(caps, "i82801b11-bridge"));
    assert_true(domcompat_caps_has(caps, "ioh3420"));
    assert_true(domcompat_caps_has(caps, "pcie-root-port"));
    assert_false(domcompat_caps_has(caps, "usb-host"));
    assert_false(domcompat_caps_has(caps, "pci-bridge"));
    domcompat_caps_free(caps);
}

static void test_caps__every_implementation_has_a_flag(void **state)
{
    size_t i, j, k;

    (void)state;
    for (i = 0; i < kinds_count; i++) {
        for (j = 0; j < kinds_table[i].implementation_count; j++) {
            const char *name = kinds_table[i].implementations[j].name;

            for (k = 0; k < caps_flag_count; k++)
                if (strcmp(caps_flags[k].implementation, name) == 0)
                    break;
            if (k == caps_flag_count)
                fail_msg("data/qemu-caps.xml has no flag for %s", name);
        }
    }
}

static void test_caps__bad_files_are_refused_where_they_go_wrong(void **state)
{
    (void)state;
    assert_refused("", 0, "the file is empty; expected libvirt's QEMU capabilities cache");
    assert_refused(" \n\t\n", 0, "the file holds only whitespace");
    assert_refused("QEMU emulator version 7.2.22\n", 1, "found 'QEMU emulator version 7.2.22'");
    assert_refused("<domainCapabilities>\n</domainCapabilities>\n", 1,
                   "the root element is <domainCapabilities> (virsh domcapabilities");
    assert_refused("<capabilities/>", 1, "the root element is <capabilities> (virsh capabilities");
    assert_refused("<q:qemuCaps xmlns:q='urn:x'/>", 1,
                   "the root element is <qemuCaps> in a namespace");
    assert_refused("<qemuCaps>\n  <arch>x86_64</arch>\n</qemuCaps>\n", 1,
                   "<qemuCaps> has no <version>; expected QEMU's version");
    assert_refused("<qemuCaps>\n  <version>7002022</version>\n</qemuCaps>\n", 1,
                   "<qemuCaps> has no <arch>");
    assert_refused(CACHE("7.2.22", "x86_64", ""), 6, "<version> is not a QEMU version");
    assert_refused(CACHE("0", "x86_64", ""), 6, "<version> is not a QEMU version");
    assert_refused(CACHE("7002022", "x86 64", ""), 9, "<arch> is not an architecture");
    assert_refused("<qemuCaps>\n<version>1</version>\n<flag name='x'>\n</qemuCaps>", 4,
                   "not well-formed XML");
    assert_refused("<!DOCTYPE qemuCaps [<!ENTITY a 'b'>]><qemuCaps/>", 0,
                   "a DOCTYPE is not allowed");
    assert_refused("Controller/Bridge/Hub devices:\nname \"ioh3420\", bus PCI\n", 0,
                   "cannot tell which QEMU this -device help is from");
    assert_refused("CPU devices:\nname \"486-x86_64-cpu\"\nname \"power9_v2.0-spapr-cpu-core\"\n",
                   3, "CPU device power9_v2.0-spapr-cpu-core is ppc64's, and line 2's x86_64's");
    assert_refused("CPU devices:\nname \"486-x86_64-cpu\"\nname \"ioh3420\" bus PCI\n", 3,
                   "found 'name \"ioh3420\" bus PCI'");
    assert_refused("CPU devices:\nname \"486-x86_64-cpu\x01\"\n", 2, "found the byte 0x01");
}

static void test_caps__fits_the_emulator_then_the_architecture(void **state)
{
    static const char named[] = "<domain type='qemu'><os><type arch='ppc64'>hvm</type></os>"
                                "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
                                "</devices></domain>";
    static const char other_emulator[] = "<domain type='qemu'><devices><emulator>/opt/qemu"
                                         "</emulator></devices></domain>";
    static const char i686[] = "<domain type='qemu'><os><type arch='i686'>hvm</type></os>"
                               "<devices/></domain>";
    static const char pseries[] = "<domain type='qemu'><os><type machine='pseries'>hvm</type>"
                                  "</os><devices/></domain>";
    domcompat_caps *cache = parse_ok(cache_7_2), *help = parse_ok(device_help);
    domcompat_error err;

    (void)state;
    /* The emulator the domain names decides, whatever its architecture says. */
    assert_int_equal(domcompat_caps_fits(cache, named, strlen(named), &err), 1);
    assert_int_equal(domcompat_caps_fits(cache, other_emulator, strlen(other_emulator), &err), 0);
    /* qemu-system-x86_64 runs i686 guests; a pseries machine is ppc64's. */
    assert_int_equal(domcompat_caps_fits(cache, i686, strlen(i686), &err), 1);
    assert_int_equal(domcompat_caps_fits(help, pseries, strlen(pseries), &err), 0);
    /* -device help names no emulator: the architecture decides. */
    assert_int_equal(domcompat_caps_fits(help, named, strlen(named), &err), 0);
    assert_int_equal(domcompat_caps_fits(cache, "<a/>", 4, &err), DOMCOMPAT_EINVALID);
    domcompat_caps_free(cache);
    domcompat_caps_free(help);
}

static void test_convert__capabilities_of_another_architecture_are_refused(void **state)
{
    static const char guest[] = PSERIES_DOMAIN("    <controller type='pci' index='0' "
                                               "model='pci-root'/>\n");
    domcompat_context *ctx = NULL;
    domcompat_options *opts = NULL;
    domcompat_result *result = NULL;
    domcompat_caps *caps = parse_ok(device_help);
    domcompat_error err;

    (void)state;
    assert_int_equal(domcompat_context_new(&ctx, &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target_caps(opts, caps, &err), DOMCOMPAT_OK);
    domcompat_caps_free(caps); /* the options keep what they need */
    assert_int_equal(domcompat_convert(&result, ctx, opts, guest, strlen(guest), &err),
                     DOMCOMPAT_EUSAGE);
    assert_null(result);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 5);
    assert_string_equal(err.message,
                        "the target capabilities are those of a x86_64 QEMU (qemu.xml:8), and "
                        "this guest is ppc64le; expected those of the QEMU that runs it");
    domcompat_options_free(opts);
    domcompat_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps__libvirt_cache_gives_devices_version_arch_and_emulator),
        cmocka_unit_test(test_caps__device_help_gives_devices_and_arch_but_no_version),
        cmocka_unit_test(test_caps__every_implementation_has_a_flag),
        cmocka_unit_test(test_caps__bad_files_are_refused_where_they_go_wrong),
        cmocka_unit_test(test_caps__fits_the_emulator_then_the_architecture),
        cmocka_unit_test(test_convert__capabilities_of_another_architecture_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
