<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule pseries-phb, downgrade.  The inverse of pseries-phb.upgrade.xsl: in
  a pSeries guest a pci-root implemented by spapr-pci-host-bridge is
  exactly what the legacy form means:
    <controller type='pci' index='0' subType='pci-root' model='spapr-pci-host-bridge'/>
    <controller type='pci' index='0' model='pci-root'/>
  A pSeries pci-root without that implementation cannot be written
  model-only, because the legacy form would give it one.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template name="pseries-phb.downgrade">
    <xsl:variable name="implied"
        select="substring-before(substring-after($dc:implied-pseries, concat('|', @subType, '=')), '|')"/>
    <xsl:choose>
      <xsl:when test="$dc:guest-pseries = 'unknown'">
        <xsl:call-template name="dc:refuse-unknown-pseries">
          <xsl:with-param name="rule" select="'pseries-phb'"/>
          <xsl:with-param name="implementation" select="@model"/>
          <xsl:with-param name="kind" select="@subType"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="string(@model) != $implied">
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'pseries-phb'"/>
          <xsl:with-param name="kind" select="@subType"/>
          <xsl:with-param name="implementation" select="@model"/>
          <xsl:with-param name="reason"
              select="concat('in a pSeries guest a model-only ', @subType, ' means ', $implied, ', and this controller names none')"/>
          <xsl:with-param name="hint"
              select="concat('add model=', &quot;'&quot;, $implied, &quot;'&quot;, ' if that is the device the guest has')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <dc:converted rule="pseries-phb">
          <xsl:copy>
            <xsl:copy-of select="@*[name() != 'subType' and name() != 'model']"/>
            <xsl:attribute name="model">
              <xsl:value-of select="@subType"/>
            </xsl:attribute>
          </xsl:copy>
        </dc:converted>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
