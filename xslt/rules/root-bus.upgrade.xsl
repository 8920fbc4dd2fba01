<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule root-bus, upgrade.  A root bus has no implementation outside pSeries
  (see pseries-phb), so its kind moves from model to subType and no model
  is left:
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='0' subType='pcie-root'/>
  Inverse: root-bus.downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template name="root-bus.upgrade">
    <dc:converted rule="root-bus">
      <xsl:copy>
        <xsl:copy-of select="@*[name() != 'model']"/>
        <xsl:attribute name="subType">
          <xsl:value-of select="@model"/>
        </xsl:attribute>
      </xsl:copy>
    </dc:converted>
  </xsl:template>
</xsl:stylesheet>
