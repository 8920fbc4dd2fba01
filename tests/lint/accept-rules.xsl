<?xml version="1.0" encoding="UTF-8"?>
<!-- What the rules may read: the controller, what is inside it, and <os><type>. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:param name="peer-version" select="0"/>
  <xsl:variable name="dc:os-type" select="/domain/os/type"/>
  <xsl:variable name="dc:arch" select="string(/domain/os/type/@arch)"/>
  <xsl:variable name="dc:table" select="'|a=b|'"/>
  <xsl:template match="/">
    <dc:conversion direction="upgrade">
      <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
        <dc:controller>
          <xsl:apply-templates select="." mode="upgrade"/>
        </dc:controller>
      </xsl:for-each>
    </dc:conversion>
  </xsl:template>
  <xsl:template match="controller[not(@subType) and not(model)]" mode="upgrade">
    <xsl:variable name="kind" select="string(@model)"/>
    <xsl:for-each select="*[not(self::target)] | target/*">
      <xsl:if test="parent::target and $peer-version > 1 * 2">
        <dc:loss element="{name()}" value="{.}"/>
      </xsl:if>
    </xsl:for-each>
    <xsl:copy>
      <xsl:copy-of select="@*[name() != 'model']"/>
      <xsl:attribute name="subType"><xsl:value-of select="$kind"/></xsl:attribute>
      <model name="{model/@name}" arch="{$dc:os-type/@arch}" text="{{literal}}"/>
    </xsl:copy>
  </xsl:template>
</xsl:stylesheet>
