<?xml version="1.0" encoding="UTF-8"?>
<!--
  Links a stylesheet or a RelaxNG grammar into one standalone document by
  replacing each xsl:include / rng:include with the top-level content of
  the document it names.  domcompat compiles its rules and schemas from
  memory, with every loader refused, so nothing may be left to include at
  run time.

  Parameters:
    generated-dir  absolute directory (with a trailing '/') holding the
                   generated modules named in $generated
    generated      '|'-separated names that live in generated-dir
  Includes with overriding content (rng:include with children) are not
  supported and stop the build.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:rng="http://relaxng.org/ns/structure/1.0">
  <xsl:param name="generated-dir" select="''"/>
  <xsl:param name="generated" select="'|pci-kinds.xsl|pci-kinds.rng|'"/>
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:template match="/">
    <xsl:comment> Linked by xslt/gen/link.xsl from domcompat's sources; do not edit. </xsl:comment>
    <xsl:apply-templates select="*"/>
  </xsl:template>

  <xsl:template match="@*|node()">
    <xsl:copy>
      <xsl:apply-templates select="@*|node()"/>
    </xsl:copy>
  </xsl:template>

  <!-- Source comments stay with the sources. -->
  <xsl:template match="/*//comment()"/>

  <xsl:template match="xsl:include|rng:include">
    <xsl:if test="node()[not(self::comment())]">
      <xsl:message terminate="yes">link.xsl: include of <xsl:value-of select="@href"/> has overriding content</xsl:message>
    </xsl:if>
    <xsl:variable name="included-uri">
      <xsl:choose>
        <xsl:when test="contains($generated, concat('|', @href, '|'))">
          <xsl:value-of select="concat($generated-dir, @href)"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="@href"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <!-- Relative names resolve against the including file, generated ones are absolute. -->
    <xsl:variable name="included" select="document(string($included-uri), .)"/>
    <xsl:if test="not($included/*)">
      <xsl:message terminate="yes">link.xsl: cannot read <xsl:value-of select="@href"/></xsl:message>
    </xsl:if>
    <xsl:for-each select="$included/*/node()[not(self::text())]">
      <xsl:choose>
        <!-- RelaxNG inherits datatypeLibrary from ancestors: keep it on moved definitions. -->
        <xsl:when test="self::* and not(self::xsl:include or self::rng:include) and ../@datatypeLibrary and not(@datatypeLibrary)">
          <xsl:copy>
            <xsl:copy-of select="../@datatypeLibrary"/>
            <xsl:apply-templates select="@*|node()"/>
          </xsl:copy>
        </xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates select="."/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
