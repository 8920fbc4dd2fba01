<?xml version="1.0" encoding="UTF-8"?>
<!--
  A domain with every PCI controller written model-only (the kind in
  model, no implementation): the spelling every libvirt version reads.
  The host tests define it to learn whether libvirt accepts the rest of a
  document (its topology, addresses, devices) before blaming a spelling
  for a refusal, and to see what libvirt chooses for each controller.
  Independent of domcompat on purpose.  With the parameter
  without-pci-addresses=1 it also drops every PCI <address>, which libvirt
  then assigns itself: fixtures made for the test driver may place devices
  where the QEMU driver refuses them, and addresses do not decide
  implementations.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="@* | node()">
    <xsl:copy><xsl:apply-templates select="@* | node()"/></xsl:copy>
  </xsl:template>
  <!-- The explicit form's kind is the model; its implementation goes (root buses have none). -->
  <xsl:template match="controller[@type = 'pci']/@subType">
    <xsl:attribute name="model"><xsl:value-of select="."/></xsl:attribute>
  </xsl:template>
  <xsl:template match="controller[@type = 'pci'][@subType]/@model"/>
  <xsl:template match="controller[@type = 'pci']/model"/>
  <xsl:param name="without-pci-addresses" select="0"/>
  <xsl:template match="devices/*/address[@type = 'pci']">
    <xsl:if test="$without-pci-addresses != 1">
      <xsl:copy><xsl:apply-templates select="@* | node()"/></xsl:copy>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
