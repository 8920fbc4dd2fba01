/*
 * What each PCI controller kind gives the guest: the QEMU -device
 * properties libvirt writes for it and the PCI IDs of its implementations,
 * from data/pci-kinds.xml (generated at build time by
 * xslt/gen/pci-devices-c.xsl), for explain.
 */
#ifndef DOMCOMPAT_TOOL_DEVICES_H
#define DOMCOMPAT_TOOL_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * DEVICE_KIB: a size the document gives in KiB and QEMU takes in bytes,
 * left out when it is 0 (libvirt's "P:" properties).
 */
enum device_value_type { DEVICE_STRING, DEVICE_INT, DEVICE_SWITCH, DEVICE_KIB };

/* Where a property's value comes from when the document has none. */
enum device_default {
    DEVICE_DEFAULT_NONE,             /* left out, or chosen by libvirt */
    DEVICE_DEFAULT_INDEX,            /* the controller's index */
    DEVICE_DEFAULT_SLOT_FUNCTION,    /* slot * 8 + function of its address */
    DEVICE_DEFAULT_SLOT,             /* its address's slot */
    DEVICE_DEFAULT_ZERO_FOR_INDEX_0, /* 0 for the controller with index 0 */
};

struct device_property {
    const char *name;  /* QEMU's name: "chassis_nr" */
    const char *value; /* "target/@chassisNr", "target/node" or "alias" */
    enum device_value_type type;
    enum device_default fallback;
    bool keyval_hex; /* libvirt before 7.9.0 wrote it as 0x... */
};

struct device_implementation {
    const char *name;
    const char *since;  /* first libvirt version that accepts it in <model name> */
    const char *pci_id; /* vendor:device, or NULL (a host bridge) */
    /* vendor:device of the bridge QEMU puts at slot 0 of the root bus this
       implementation makes, in front of the bus libvirt names; or NULL */
    const char *bus_behind_bridge;
};

struct device_target {
    const char *name; /* "chassisNr", or "target/node", "pcihole64" for children */
    const char *since;
};

struct device_kind {
    const char *name;
    const char *since;
    bool root;
    const char *implied; /* what the legacy form implies, or NULL */
    const char *implied_pseries;
    const struct device_implementation *implementations;
    size_t implementation_count;
    const struct device_property *properties;
    size_t property_count;
    const struct device_target *targets;
    size_t target_count;
    const char *ambiguous_since; /* from this libvirt on, a new model-only controller may be
                                    another implementation (may-be-implied-since), or NULL */
};

extern const struct device_kind device_kinds[];
extern const size_t device_kind_count;

/* The kind named `name`, or NULL. */
const struct device_kind *device_kind_find(const char *name);

/* The implementation of `kind` named `name`, or NULL. */
const struct device_implementation *device_implementation_find(const struct device_kind *kind,
                                                               const char *name);

/* The first libvirt version that parses <model name>. */
extern const char device_model_name_since[];

#endif
