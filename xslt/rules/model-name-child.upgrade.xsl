<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule model-name-child, upgrade.  libvirt (1.2.19 and later) pins the
  implementation in a <model name> child; the explicit form says it in the
  start tag, and the child goes:
    <controller type='pci' index='1' model='dmi-to-pci-bridge'>
      <model name='i82801b11-bridge'/>
    </controller>
    <controller type='pci' index='1' subType='dmi-to-pci-bridge' model='i82801b11-bridge'/>
  (The engine removes the child with the whitespace it stood on, and makes
  a controller left with only whitespace an empty-element tag again.)
  Inverse: model-name-child.downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template name="model-name-child.upgrade">
    <dc:converted rule="model-name-child">
      <xsl:copy>
        <xsl:copy-of select="@*[name() != 'model']"/>
        <xsl:attribute name="subType">
          <xsl:value-of select="@model"/>
        </xsl:attribute>
        <xsl:attribute name="model">
          <xsl:value-of select="model/@name"/>
        </xsl:attribute>
      </xsl:copy>
    </dc:converted>
  </xsl:template>
</xsl:stylesheet>
