<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule pseries-phb, upgrade.  In a pSeries (ppc64) guest a model-only
  pci-root is a PCI host bridge, spapr-pci-host-bridge (the data file's
  implied="pseries"):
    <controller type='pci' index='0' model='pci-root'/>
    <controller type='pci' index='0' subType='pci-root' model='spapr-pci-host-bridge'/>
  When the domain does not say whether it is pSeries, the rule refuses
  rather than guess.  Inverse: pseries-phb.downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template name="pseries-phb.upgrade">
    <xsl:choose>
      <xsl:when test="$dc:guest-pseries = 'unknown'">
        <xsl:call-template name="dc:refuse-unknown-pseries">
          <xsl:with-param name="rule" select="'pseries-phb'"/>
          <xsl:with-param name="kind" select="@model"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <dc:converted rule="pseries-phb">
          <xsl:copy>
            <xsl:copy-of select="@*[name() != 'model']"/>
            <xsl:attribute name="subType">
              <xsl:value-of select="@model"/>
            </xsl:attribute>
            <xsl:attribute name="model">
              <xsl:value-of select="substring-before(substring-after($dc:implied-pseries, concat('|', @model, '=')), '|')"/>
            </xsl:attribute>
          </xsl:copy>
        </dc:converted>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
