<?xml version="1.0" encoding="UTF-8"?>
<!--
  What a libvirt peer (peer-version) can parse, from the data file's
  versions.  Not a rule pair: these checks only ever refuse or report a
  loss, so there is nothing to invert.

    unsupported  a kind, or a pinned implementation, the peer does not know:
                 refused, naming it and the first version that knows it;
    losses       <target> attributes and children the peer does not parse:
                 it would ignore them and give the guest other values, so
                 each is reported as a dc:loss, which the engine refuses
                 unless the user allows losses.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">

  <!--
    "kind" or "implementation" when the peer does not know one of them, ""
    otherwise.  pinnable: whether the implementation would be written in a
    <model name> child (a pSeries PHB falls back to what the peer implies).
  -->
  <xsl:template name="peer-support.unsupported">
    <xsl:param name="pinnable"/>
    <xsl:variable name="kind-since"
        select="number(substring-before(substring-after($dc:kind-since, concat('|', @subType, '=')), '='))"/>
    <xsl:variable name="implementation-since"
        select="number(substring-before(substring-after($dc:implementation-since, concat('|', @subType, '=', @model, '=')), '='))"/>
    <xsl:choose>
      <xsl:when test="$kind-since > $peer-version">kind</xsl:when>
      <xsl:when test="$pinnable and @model and $implementation-since > $peer-version">implementation</xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="peer-support.refuse">
    <xsl:param name="pinnable"/>
    <xsl:variable name="kind-since"
        select="substring-before(substring-after($dc:kind-since, concat('|', @subType, '=')), '|')"/>
    <xsl:variable name="implementation-since"
        select="substring-before(substring-after($dc:implementation-since, concat('|', @subType, '=', @model, '=')), '|')"/>
    <xsl:choose>
      <xsl:when test="number(substring-before($kind-since, '=')) > $peer-version">
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'peer-support'"/>
          <xsl:with-param name="kind" select="@subType"/>
          <xsl:with-param name="implementation" select="string(@model)"/>
          <xsl:with-param name="reason"
              select="concat('libvirt ', $peer, ' does not know PCI controller kind ', @subType, ' (first in libvirt ', substring-after($kind-since, '='), ')')"/>
          <xsl:with-param name="hint"
              select="concat('the guest needs a peer running libvirt ', substring-after($kind-since, '='), ' or later')"/>
          <xsl:with-param name="since" select="substring-after($kind-since, '=')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'peer-support'"/>
          <xsl:with-param name="kind" select="@subType"/>
          <xsl:with-param name="implementation" select="string(@model)"/>
          <xsl:with-param name="reason"
              select="concat('libvirt ', $peer, ' does not know &lt;model name=', &quot;'&quot;, @model, &quot;'&quot;, '/&gt; (first in libvirt ', substring-after($implementation-since, '='), ')')"/>
          <xsl:with-param name="hint"
              select="concat('the guest needs a peer running libvirt ', substring-after($implementation-since, '='), ' or later')"/>
          <xsl:with-param name="since" select="substring-after($implementation-since, '=')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="peer-support.losses">
    <xsl:variable name="kind" select="string(@subType)"/>
    <xsl:for-each select="target/@*">
      <xsl:variable name="since"
          select="substring-before(substring-after($dc:target-since, concat('|', $kind, '=', name(), '=')), '|')"/>
      <xsl:if test="$since != '' and number(substring-before($since, '=')) > $peer-version">
        <dc:loss kind="{$kind}" element="target" attribute="{name()}" value="{.}"
                 since="{substring-after($since, '=')}"/>
      </xsl:if>
    </xsl:for-each>
    <xsl:for-each select="*[not(self::target)] | target/*">
      <xsl:variable name="path">
        <xsl:if test="parent::target">target/</xsl:if>
        <xsl:value-of select="name()"/>
      </xsl:variable>
      <xsl:variable name="since"
          select="substring-before(substring-after($dc:child-since, concat('|', $kind, '=', $path, '=')), '|')"/>
      <xsl:if test="$since != '' and number(substring-before($since, '=')) > $peer-version">
        <dc:loss kind="{$kind}" element="{$path}" since="{substring-after($since, '=')}"/>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
