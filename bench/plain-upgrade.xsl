<?xml version="1.0"?>
<!--
  The baseline for make bench: the upgrade a person would write in plain
  XSLT 1.0.  An identity transform that turns each legacy PCI controller
  (model='KIND') into the explicit form (subType='KIND' model='IMPLEMENTATION'),
  with the implementation the legacy form implies (data/pci-kinds.xml) and
  no implementation for a root bus.  No validation, no pSeries case, no
  libvirt form, no byte fidelity: the serializer writes what it likes.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:template match="@* | node()">
    <xsl:copy>
      <xsl:apply-templates select="@* | node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="controller[@type = 'pci'][not(@subType)]/@model">
    <xsl:attribute name="subType">
      <xsl:value-of select="."/>
    </xsl:attribute>
    <xsl:choose>
      <xsl:when test=". = 'pci-root' or . = 'pcie-root'"/>
      <xsl:when test=". = 'pci-bridge'">
        <xsl:attribute name="model">pci-bridge</xsl:attribute>
      </xsl:when>
      <xsl:when test=". = 'dmi-to-pci-bridge'">
        <xsl:attribute name="model">i82801b11-bridge</xsl:attribute>
      </xsl:when>
      <xsl:when test=". = 'pcie-root-port'">
        <xsl:attribute name="model">ioh3420</xsl:attribute>
      </xsl:when>
      <xsl:when test=". = 'pcie-switch-upstream-port'">
        <xsl:attribute name="model">x3130-upstream</xsl:attribute>
      </xsl:when>
      <xsl:when test=". = 'pcie-switch-downstream-port'">
        <xsl:attribute name="model">xio3130-downstream</xsl:attribute>
      </xsl:when>
      <xsl:when test=". = 'pci-expander-bus'">
        <xsl:attribute name="model">pxb</xsl:attribute>
      </xsl:when>
      <xsl:when test=". = 'pcie-expander-bus'">
        <xsl:attribute name="model">pxb-pcie</xsl:attribute>
      </xsl:when>
      <xsl:when test=". = 'pcie-to-pci-bridge'">
        <xsl:attribute name="model">pcie-pci-bridge</xsl:attribute>
      </xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">unknown PCI controller kind <xsl:value-of select="."/></xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
