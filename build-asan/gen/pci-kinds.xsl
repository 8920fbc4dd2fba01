<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated from data/pci-kinds.xml by xslt/gen/pci-kinds-xsl.xsl; do not edit. -->
<out:stylesheet xmlns:out="http://www.w3.org/1999/XSL/Transform" xmlns:dc="urn:domcompat:rules" version="1.0">
  <out:variable name="dc:kinds" select="'|pci-root|pcie-root|pci-bridge|dmi-to-pci-bridge|pcie-root-port|pcie-switch-upstream-port|pcie-switch-downstream-port|pci-expander-bus|pcie-expander-bus|pcie-to-pci-bridge|'"/>
  <out:variable name="dc:root-kinds" select="'|pci-root|pcie-root|'"/>
  <out:variable name="dc:implementations" select="'|pci-root=spapr-pci-host-bridge|pci-bridge=pci-bridge|dmi-to-pci-bridge=i82801b11-bridge|pcie-root-port=ioh3420|pcie-root-port=pcie-root-port|pcie-switch-upstream-port=x3130-upstream|pcie-switch-downstream-port=xio3130-downstream|pci-expander-bus=pxb|pcie-expander-bus=pxb-pcie|pcie-to-pci-bridge=pcie-pci-bridge|'"/>
  <out:variable name="dc:implied" select="'|pci-bridge=pci-bridge|dmi-to-pci-bridge=i82801b11-bridge|pcie-root-port=ioh3420|pcie-switch-upstream-port=x3130-upstream|pcie-switch-downstream-port=xio3130-downstream|pci-expander-bus=pxb|pcie-expander-bus=pxb-pcie|pcie-to-pci-bridge=pcie-pci-bridge|'"/>
  <out:variable name="dc:implied-pseries" select="'|pci-root=spapr-pci-host-bridge|'"/>
</out:stylesheet>
