<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule implied-implementation, downgrade.  The inverse of
  implied-implementation.upgrade.xsl: a controller implemented by exactly
  what the legacy form implies (under the same assumptions) becomes
  model-only again:
    <controller type='pci' index='1' subType='dmi-to-pci-bridge' model='i82801b11-bridge'/>
    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>
  Any other implementation is refused: written model-only, the peer would
  give the guest the implied device instead.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <!-- model: the controller's implementation unless replaced (downgrade.xsl). -->
  <xsl:template name="implied-implementation.downgrade">
    <xsl:param name="implied"/>
    <xsl:param name="model" select="string(@model)"/>
    <xsl:choose>
      <xsl:when test="$model != $implied and contains($assume, concat('|', @subType, '='))">
        <!-- The user's own assumption is what rules this implementation out: say so. -->
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'implied-implementation'"/>
          <xsl:with-param name="kind" select="@subType"/>
          <xsl:with-param name="implementation" select="$model"/>
          <xsl:with-param name="reason"
              select="concat('under {assume ', @subType, '=', $implied, '} the legacy form of ', @subType, ' means ', $implied)"/>
          <xsl:with-param name="hint"
              select="concat('{no-assume ', @subType, '=', $implied, '} if the target host', &quot;'&quot;, 's model-only ', @subType, ' controllers mean ', $model)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$model != $implied">
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'implied-implementation'"/>
          <xsl:with-param name="kind" select="@subType"/>
          <xsl:with-param name="implementation" select="$model"/>
          <xsl:with-param name="reason">
            <xsl:text>the legacy form of </xsl:text>
            <xsl:value-of select="@subType"/>
            <xsl:choose>
              <xsl:when test="$implied = ''"> implies no particular implementation</xsl:when>
              <xsl:otherwise> implies <xsl:value-of select="$implied"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
          <xsl:with-param name="hint"
              select="concat('if the target host', &quot;'&quot;, 's model-only ', @subType, ' controllers mean ', $model, ', say so with {assume ', @subType, '=', $model, '}')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <dc:converted rule="implied-implementation">
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
