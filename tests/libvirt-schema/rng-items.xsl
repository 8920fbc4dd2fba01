<?xml version="1.0"?>
<!--
  What a libvirt's src/conf/schemas/domaincommon.rng lets a
  <controller type='pci'> hold, one line each, in the words of
  data/pci-kinds.xml ("kind pcie-root-port", "implementation ioh3420",
  "target chassis", "child target/node", "child pcihole64",
  "construct model-name"): the values of its model attribute, of its
  <model name>, the attributes and elements of its <target> and its other
  elements, read from the group whose type attribute is 'pci'.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:rng="http://relaxng.org/ns/structure/1.0">
  <xsl:output method="text"/>

  <xsl:variable name="pci"
      select="//rng:define[@name = 'controller']//rng:group[rng:attribute[@name = 'type']/rng:value = 'pci']"/>

  <xsl:template match="/">
    <xsl:if test="count($pci) != 1">
      <xsl:message terminate="yes">no single PCI controller group in this schema</xsl:message>
    </xsl:if>
    <xsl:for-each select="$pci//rng:attribute[@name = 'model']//rng:value">
      <xsl:value-of select="concat('kind ', normalize-space(.), '&#10;')"/>
    </xsl:for-each>
    <xsl:for-each select="$pci//rng:element[@name = 'model']">
      <xsl:text>construct model-name&#10;</xsl:text>
      <xsl:for-each select=".//rng:attribute[@name = 'name']//rng:value">
        <xsl:value-of select="concat('implementation ', normalize-space(.), '&#10;')"/>
      </xsl:for-each>
    </xsl:for-each>
    <xsl:for-each select="$pci//rng:element[@name = 'target']">
      <xsl:for-each select=".//rng:attribute">
        <xsl:value-of select="concat('target ', @name, '&#10;')"/>
      </xsl:for-each>
      <xsl:for-each select=".//rng:element">
        <xsl:value-of select="concat('child target/', @name, '&#10;')"/>
      </xsl:for-each>
    </xsl:for-each>
    <xsl:for-each select="$pci//rng:element[@name != 'model' and @name != 'target' and not(ancestor::rng:element[@name = 'target'])]">
      <xsl:value-of select="concat('child ', @name, '&#10;')"/>
    </xsl:for-each>
    <xsl:if test="$pci//rng:ref[not(ancestor::rng:element) and not(ancestor::rng:attribute)]">
      <xsl:message terminate="yes">the PCI controller group refers to a definition: read it too</xsl:message>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
