<?xml version="1.0" encoding="UTF-8"?>
<!--
  Upgrade: legacy (model-only) and libvirt (<model name>) PCI controllers
  to the explicit form.  Every conversion reads its input through this
  stylesheet first; a downgrade then writes the explicit result for its
  target with downgrade.xsl.

  The result is not a domain but a list with one dc:controller per PCI
  controller, in document order, holding what its rule decided:
    (empty)                         nothing to change;
    dc:converted rule=... + <controller .../>   the new start tag's attributes;
    dc:refused rule=... reason=...  why it cannot be converted.
  The engine writes the new attributes into the original bytes, so nothing
  else in the document is touched.  Each rule's inverse is the rule of the
  same name in downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:include href="pci-kinds.xsl"/>
  <xsl:include href="common.xsl"/>
  <xsl:include href="rules/root-bus.upgrade.xsl"/>
  <xsl:include href="rules/pseries-phb.upgrade.xsl"/>
  <xsl:include href="rules/implied-implementation.upgrade.xsl"/>
  <xsl:include href="rules/model-name-child.upgrade.xsl"/>
  <xsl:output method="xml" encoding="UTF-8"/>

  <!-- Every controller selected here matches a template of mode "upgrade": a
       built-in template is never reached (libxslt before 1.1.39 does not
       hold those to the template depth: see src/lib/rules.c). -->
  <xsl:template match="/">
    <dc:conversion direction="upgrade">
      <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
        <dc:controller>
          <xsl:apply-templates select="." mode="upgrade"/>
        </dc:controller>
      </xsl:for-each>
    </dc:conversion>
  </xsl:template>

  <!-- Already explicit: left alone, so upgrade is idempotent. -->
  <xsl:template match="controller[@subType]" mode="upgrade"/>

  <!-- libvirt's spelling: the implementation is pinned in the child. -->
  <xsl:template match="controller[model and not(@subType)]" mode="upgrade">
    <xsl:call-template name="model-name-child.upgrade"/>
  </xsl:template>

  <xsl:template match="controller[not(@subType) and not(model)]" mode="upgrade">
    <xsl:variable name="kind" select="string(@model)"/>
    <xsl:choose>
      <!-- A model-only controller the source version (from) could not have written. -->
      <xsl:when test="$from-version > 0 and number(substring-before(substring-after($dc:kind-since, concat('|', $kind, '=')), '=')) > $from-version">
        <!-- "NUMBER=DOTTED": the first libvirt version that knows the kind. -->
        <xsl:variable name="kind-since"
            select="substring-before(substring-after($dc:kind-since, concat('|', $kind, '=')), '|')"/>
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'source-version'"/>
          <xsl:with-param name="kind" select="$kind"/>
          <xsl:with-param name="reason"
              select="concat('libvirt ', $from, ' (the {from} version) did not know ', $kind)"/>
          <xsl:with-param name="hint"
              select="concat('give the version that defined the domain: ', $kind, ' needs libvirt ', substring-after($kind-since, '='), ' or later')"/>
          <xsl:with-param name="since" select="substring-after($kind-since, '=')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="contains($dc:implied-pseries, concat('|', $kind, '=')) and $dc:guest-pseries != 'no'">
        <xsl:call-template name="pseries-phb.upgrade"/>
      </xsl:when>
      <xsl:when test="contains($dc:root-kinds, concat('|', $kind, '|'))">
        <xsl:call-template name="root-bus.upgrade"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="implied-implementation.upgrade"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
