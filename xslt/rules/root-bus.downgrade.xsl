<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule root-bus, downgrade.  The inverse of root-bus.upgrade.xsl:
    <controller type='pci' index='0' subType='pcie-root'/>
    <controller type='pci' index='0' model='pcie-root'/>
  Outside pSeries the legacy form of a root bus means no implementation,
  so a root bus that names one cannot be written model-only.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template name="root-bus.downgrade">
    <xsl:choose>
      <xsl:when test="@model">
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'root-bus'"/>
          <xsl:with-param name="kind" select="@subType"/>
          <xsl:with-param name="implementation" select="@model"/>
          <xsl:with-param name="reason"
              select="concat('a model-only ', @subType, ' means no implementation in a guest that is not pSeries, and this guest is not pSeries')"/>
          <xsl:with-param name="hint"
              select="concat('drop model=', &quot;'&quot;, @model, &quot;'&quot;, ' if the guest does not have that device, or fix the guest', &quot;'&quot;, 's machine in &lt;os&gt;&lt;type&gt;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <dc:converted rule="root-bus">
          <xsl:copy>
            <xsl:copy-of select="@*[name() != 'subType']"/>
            <xsl:attribute name="model">
              <xsl:value-of select="@subType"/>
            </xsl:attribute>
          </xsl:copy>
        </dc:converted>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
