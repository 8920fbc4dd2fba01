<?xml version="1.0" encoding="UTF-8"?>
<!--
  A domain with every PCI controller written model-only (the kind in
  model, no implementation): the spelling every libvirt version reads.
  The host tests define it to learn whether libvirt accepts the rest of a
  document (its topology, addresses, devices) before blaming a spelling
  for a refusal.  Independent of domcompat on purpose.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="@* | node()">
    <xsl:copy><xsl:apply-templates select="@* | node()"/></xsl:copy>
  </xsl:template>
  <xsl:template match="controller[@type = 'pci']/@subType"/>
  <xsl:template match="controller[@type = 'pci']/@model">
    <xsl:attribute name="model">
      <xsl:choose>
        <xsl:when test="../@subType"><xsl:value-of select="../@subType"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
      </xsl:choose>
    </xsl:attribute>
  </xsl:template>
  <xsl:template match="controller[@type = 'pci']/model"/>
</xsl:stylesheet>
