<?xml version="1.0" encoding="UTF-8"?>
<!--
  What a libvirt peer (peer-version) can parse, from the data file's
  versions.  Not a rule pair: these checks only ever refuse or report a
  loss, so there is nothing to invert.

    unsupported  a kind, or a pinned implementation, the peer does not know:
                 refused, naming it and the first version that knows it;
    losses       <target> attributes and children the peer would not take
                 as they are: ignored ones that the peer would give the
                 guest other values for, rejected ones; each is reported
                 as a dc:loss, which the engine refuses unless the user
                 allows losses.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">

  <!--
    "kind" or "implementation" when the peer does not know one of them, ""
    otherwise.  pinnable: whether the implementation would be written in a
    <model name> child (a pSeries PHB falls back to what the peer implies);
    model: the implementation, the controller's own unless replaced.
  -->
  <xsl:template name="peer-support.unsupported">
    <xsl:param name="pinnable"/>
    <xsl:param name="model" select="string(@model)"/>
    <xsl:variable name="kind-since"
        select="number(substring-before(substring-after($dc:kind-since, concat('|', @subType, '=')), '='))"/>
    <xsl:variable name="implementation-since"
        select="number(substring-before(substring-after($dc:implementation-since, concat('|', @subType, '=', $model, '=')), '='))"/>
    <xsl:choose>
      <xsl:when test="$kind-since > $peer-version">kind</xsl:when>
      <xsl:when test="$pinnable and $model and $implementation-since > $peer-version">implementation</xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="peer-support.refuse">
    <xsl:param name="pinnable"/>
    <xsl:param name="model" select="string(@model)"/>
    <xsl:variable name="kind-since"
        select="substring-before(substring-after($dc:kind-since, concat('|', @subType, '=')), '|')"/>
    <xsl:variable name="implementation-since"
        select="substring-before(substring-after($dc:implementation-since, concat('|', @subType, '=', $model, '=')), '|')"/>
    <xsl:choose>
      <xsl:when test="number(substring-before($kind-since, '=')) > $peer-version">
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'peer-support'"/>
          <xsl:with-param name="kind" select="@subType"/>
          <xsl:with-param name="implementation" select="string($model)"/>
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
          <xsl:with-param name="implementation" select="string($model)"/>
          <xsl:with-param name="reason"
              select="concat('libvirt ', $peer, ' does not know &lt;model name=', &quot;'&quot;, $model, &quot;'&quot;, '/&gt; (first in libvirt ', substring-after($implementation-since, '='), ')')"/>
          <xsl:with-param name="hint"
              select="concat('the guest needs a peer running libvirt ', substring-after($implementation-since, '='), ' or later')"/>
          <xsl:with-param name="since" select="substring-after($implementation-since, '=')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!--
    Each <target> attribute and child (and <pcihole64>) the peer would not
    take as it is, as a dc:loss:
      - parsed only from a later version, the peer ignores it and gives the
        guest what it does without it: no loss when that is the same value
        (the data file's default), a loss otherwise or when that cannot be
        known from the document;
      - parsed but rejected on this kind (rejected-since), the peer refuses
        the domain: always a loss.
    A default that is the controller's index (or holds for one index only)
    is not compared here: the rules never read @index (see run_rules in
    src/lib/convert.c), so the loss says unless-index="N" and the engine
    drops it for the controller whose index is N.  Each loss carries its
    reason (the whole sentence, for a refusal) and why (after "dropped X",
    for a loss made).
  -->
  <xsl:template name="peer-support.losses">
    <xsl:variable name="kind" select="string(@subType)"/>
    <xsl:for-each select="target/@*">
      <xsl:call-template name="peer-support.loss">
        <xsl:with-param name="kind" select="$kind"/>
        <xsl:with-param name="element" select="'target'"/>
        <xsl:with-param name="name" select="name()"/>
        <xsl:with-param name="attribute" select="name()"/>
        <xsl:with-param name="value" select="string(.)"/>
        <xsl:with-param name="what" select="concat('&lt;target ', name(), '=', &quot;'&quot;, ., &quot;'&quot;, '&gt;')"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="*[not(self::target)] | target/*">
      <xsl:variable name="path">
        <xsl:if test="parent::target">target/</xsl:if>
        <xsl:value-of select="name()"/>
      </xsl:variable>
      <xsl:call-template name="peer-support.loss">
        <xsl:with-param name="kind" select="$kind"/>
        <xsl:with-param name="element" select="$path"/>
        <xsl:with-param name="name" select="$path"/>
        <xsl:with-param name="what">
          <xsl:if test="parent::target">&lt;target&gt;</xsl:if>
          <xsl:value-of select="concat('&lt;', name(), '&gt;')"/>
        </xsl:with-param>
      </xsl:call-template>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="peer-support.loss">
    <xsl:param name="kind"/>
    <xsl:param name="element"/>
    <xsl:param name="name"/>
    <xsl:param name="attribute" select="''"/>
    <xsl:param name="value" select="''"/>
    <xsl:param name="what"/>
    <xsl:variable name="key" select="concat('|', $kind, '=', $name, '=')"/>
    <xsl:variable name="since">
      <xsl:choose>
        <xsl:when test="$attribute != ''">
          <xsl:value-of select="substring-before(substring-after($dc:target-since, $key), '|')"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="substring-before(substring-after($dc:child-since, $key), '|')"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="since-dotted" select="substring-after($since, '=')"/>
    <xsl:if test="$since != '' and number(substring-before($since, '=')) > $peer-version">
      <xsl:variable name="rejected-since"
          select="substring-before(substring-after($dc:target-rejected-since, $key), '|')"/>
      <xsl:variable name="default"
          select="substring-before(substring-after($dc:target-default, $key), '|')"/>
      <xsl:variable name="default-for-index"
          select="substring-before(substring-after($dc:target-default-for-index, $key), '|')"/>
      <xsl:variable name="without"
          select="concat('it ', substring-before(substring-after($dc:target-without, $key), '|'))"/>
      <xsl:variable name="number">
        <xsl:if test="substring-before(substring-after($dc:target-type, $key), '|') = 'uint8'">
          <xsl:call-template name="peer-support.uint8">
            <xsl:with-param name="text" select="$value"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:variable>
      <!-- Whether the value is the default (a constant one). -->
      <xsl:variable name="equal"
          select="$default != '' and $default != 'index'
                  and ($default = $value or number($number) = number($default))"/>
      <!-- "always" (a loss), "never", or the index of the one controller it is not one for. -->
      <xsl:variable name="loss">
        <xsl:choose>
          <xsl:when test="$rejected-since != '' and $peer-version >= number(substring-before($rejected-since, '='))">always</xsl:when>
          <xsl:when test="$default = 'index' and string(number($number)) != 'NaN'">
            <xsl:value-of select="number($number)"/>
          </xsl:when>
          <xsl:when test="$equal and $default-for-index != ''">
            <xsl:value-of select="$default-for-index"/>
          </xsl:when>
          <xsl:when test="$equal">never</xsl:when>
          <xsl:otherwise>always</xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:if test="$loss != 'never'">
        <dc:loss kind="{$kind}" element="{$element}" attribute="{$attribute}" value="{$value}"
                 since="{$since-dotted}">
          <xsl:if test="$loss != 'always'">
            <xsl:attribute name="unless-index"><xsl:value-of select="$loss"/></xsl:attribute>
          </xsl:if>
          <xsl:choose>
            <xsl:when test="$rejected-since != '' and $peer-version >= number(substring-before($rejected-since, '='))">
              <xsl:attribute name="reason">
                <xsl:value-of select="concat('libvirt ', $peer, ' parses ', $what, ' but rejects it on a ', $kind, ' controller (accepted from libvirt ', $since-dotted, '); without it, ', $without)"/>
              </xsl:attribute>
              <xsl:attribute name="why">
                <xsl:value-of select="concat('which libvirt ', $peer, ' rejects on a ', $kind, ' controller (accepted from libvirt ', $since-dotted, '); without it, ', $without)"/>
              </xsl:attribute>
            </xsl:when>
            <xsl:otherwise>
              <xsl:attribute name="reason">
                <xsl:value-of select="concat('libvirt ', $peer, ' does not parse ', $what, ' (first in libvirt ', $since-dotted, ') and would ignore it: ', $without)"/>
              </xsl:attribute>
              <xsl:attribute name="why">
                <xsl:value-of select="concat('which libvirt ', $peer, ' does not parse (first in libvirt ', $since-dotted, '): ', $without)"/>
              </xsl:attribute>
            </xsl:otherwise>
          </xsl:choose>
        </dc:loss>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <!--
    The number a uint8 value holds, as libvirt reads it (0x and hex
    digits, or decimal), or NaN for any other spelling (a leading zero, a
    sign, spaces), which is then taken as different from every default.
  -->
  <xsl:template name="peer-support.uint8">
    <xsl:param name="text"/>
    <xsl:variable name="digits" select="'0123456789abcdef'"/>
    <xsl:variable name="hex" select="translate(substring($text, 3), 'ABCDEF', 'abcdef')"/>
    <xsl:choose>
      <xsl:when test="starts-with($text, '0x') and string-length($hex) = 1
                      and contains($digits, $hex)">
        <xsl:value-of select="string-length(substring-before($digits, $hex))"/>
      </xsl:when>
      <xsl:when test="starts-with($text, '0x') and string-length($hex) = 2
                      and contains($digits, substring($hex, 1, 1))
                      and contains($digits, substring($hex, 2, 1))">
        <xsl:value-of select="16 * string-length(substring-before($digits, substring($hex, 1, 1)))
                              + string-length(substring-before($digits, substring($hex, 2, 1)))"/>
      </xsl:when>
      <xsl:when test="$text != '' and translate($text, '0123456789', '') = ''
                      and ($text = '0' or not(starts-with($text, '0')))">
        <xsl:value-of select="number($text)"/>
      </xsl:when>
      <xsl:otherwise>NaN</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
