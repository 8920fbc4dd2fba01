<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule implied-implementation, downgrade.  The inverse of
  implied-implementation.upgrade.xsl: a controller implemented by exactly
  what the legacy form implies (under the same assumptions) becomes
  model-only again:
    <controller type='pci' index='1' subType='dmi-to-pci-bridge' model='i82801b11-bridge'/>
    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>
  Any other implementation is refused: written model-only, the peer would
  give the guest the implied device instead, and the reason says which
  device the guest would see instead of which (their PCI IDs).
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
          <xsl:with-param name="reason">
            <xsl:value-of select="concat('under {assume ', @subType, '=', $implied, '} the legacy form of ', @subType, ' means ', $implied)"/>
            <xsl:call-template name="implied-implementation.guest-would-see">
              <xsl:with-param name="seen" select="$implied"/>
              <xsl:with-param name="instead" select="$model"/>
            </xsl:call-template>
          </xsl:with-param>
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
            <xsl:call-template name="implied-implementation.guest-would-see">
              <xsl:with-param name="seen" select="$implied"/>
              <xsl:with-param name="instead" select="$model"/>
            </xsl:call-template>
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

  <!--
    ": the guest would see 8086:3420 (ioh3420) instead of 1b36:000c
    (pcie-root-port)", when both devices have a PCI ID.
  -->
  <xsl:template name="implied-implementation.guest-would-see">
    <xsl:param name="seen"/>
    <xsl:param name="instead"/>
    <xsl:variable name="seen-id"
        select="substring-before(substring-after($dc:implementation-pci-id, concat('|', @subType, '=', $seen, '=')), '|')"/>
    <xsl:variable name="instead-id"
        select="substring-before(substring-after($dc:implementation-pci-id, concat('|', @subType, '=', $instead, '=')), '|')"/>
    <xsl:if test="$seen-id != '' and $instead-id != ''">
      <xsl:value-of select="concat(': the guest would see ', $seen-id, ' (', $seen, ') instead of ', $instead-id, ' (', $instead, ')')"/>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
