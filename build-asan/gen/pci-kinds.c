/* Generated from data/pci-kinds.xml by xslt/gen/pci-kinds-c.xsl; do not edit. */
#include "kinds.h"

static const struct kind_implementation implementations_1[] = {
    { "spapr-pci-host-bridge", "3.6.0" },
};

static const struct kind_implementation implementations_2[] = {
    { "pci-bridge", "1.2.19" },
};

static const struct kind_implementation implementations_3[] = {
    { "i82801b11-bridge", "1.2.19" },
};

static const struct kind_implementation implementations_4[] = {
    { "ioh3420", "1.2.19" },
    { "pcie-root-port", "3.2.0" },
};

static const struct kind_implementation implementations_5[] = {
    { "x3130-upstream", "1.2.19" },
};

static const struct kind_implementation implementations_6[] = {
    { "xio3130-downstream", "1.2.19" },
};

static const struct kind_implementation implementations_7[] = {
    { "pxb", "1.3.4" },
};

static const struct kind_implementation implementations_8[] = {
    { "pxb-pcie", "1.3.4" },
};

static const struct kind_implementation implementations_9[] = {
    { "pcie-pci-bridge", "4.3.0" },
};

const struct kind kinds_table[] = {
    { "pci-root", "1.0.5", true, NULL, "spapr-pci-host-bridge", implementations_1, 1 },
    { "pcie-root", "1.1.2", true, NULL, NULL, NULL, 0 },
    { "pci-bridge", "1.0.5", false, "pci-bridge", NULL, implementations_2, 1 },
    { "dmi-to-pci-bridge", "1.1.2", false, "i82801b11-bridge", NULL, implementations_3, 1 },
    { "pcie-root-port", "1.2.19", false, "ioh3420", NULL, implementations_4, 2 },
    { "pcie-switch-upstream-port", "1.2.19", false, "x3130-upstream", NULL, implementations_5, 1 },
    { "pcie-switch-downstream-port", "1.2.19", false, "xio3130-downstream", NULL, implementations_6, 1 },
    { "pci-expander-bus", "1.3.4", false, "pxb", NULL, implementations_7, 1 },
    { "pcie-expander-bus", "1.3.4", false, "pxb-pcie", NULL, implementations_8, 1 },
    { "pcie-to-pci-bridge", "4.3.0", false, "pcie-pci-bridge", NULL, implementations_9, 1 },
};

const size_t kinds_count = sizeof(kinds_table) / sizeof(kinds_table[0]);
