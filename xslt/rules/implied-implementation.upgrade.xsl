<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule implied-implementation, upgrade.  A model-only controller of a kind
  that is not a root bus means the implementation the legacy form implies
  (data file's implied="yes", or the user's assume parameter), and now says
  so.  When the input comes from a libvirt version (from-version) whose
  hosts may have chosen another implementation by what their QEMU had, it
  reads the controller as that libvirt chose when the source host's QEMU
  is known (source-caps), and otherwise refuses to guess:
    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>
    <controller type='pci' index='1' subType='dmi-to-pci-bridge' model='i82801b11-bridge'/>
  Inverse: implied-implementation.downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template name="implied-implementation.upgrade">
    <xsl:variable name="kind" select="string(@model)"/>
    <xsl:variable name="assumed"
        select="substring-before(substring-after($assume, concat('|', $kind, '=')), '|')"/>
    <!--
      The assumed implementation, else the data file's: a string, built
      without a result tree fragment, which costs a document per controller.
      substring(S, 1 div B) is S when B is true and '' when it is false.
    -->
    <xsl:variable name="implied"
        select="concat($assumed, substring(substring-before(substring-after($dc:implied, concat('|', $kind, '=')), '|'), 1 div ($assumed = '')))"/>
    <xsl:choose>
      <!--
        A kind a newer host reads by its QEMU ("implementation=NUMBER=DOTTED"
        in may-be-implied-since), from a version that is such a host.  The
        common case (no version) stops at $from-version and computes
        nothing more.
      -->
      <xsl:when test="$assumed = '' and $from-version > 0 and $from-version >= number(substring-before(substring-after(substring-after($dc:may-be-implied-since, concat('|', $kind, '=')), '='), '='))">
        <xsl:call-template name="implied-implementation.chosen-by-qemu">
          <xsl:with-param name="kind" select="$kind"/>
          <xsl:with-param name="implied" select="$implied"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$implied = ''">
        <xsl:call-template name="implied-implementation.implies-none">
          <xsl:with-param name="kind" select="$kind"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="implied-implementation.converted">
          <xsl:with-param name="kind" select="$kind"/>
          <xsl:with-param name="implementation" select="$implied"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- That host's libvirt chose the rival when its QEMU had it, else the implied one. -->
  <xsl:template name="implied-implementation.chosen-by-qemu">
    <xsl:param name="kind"/>
    <xsl:param name="implied"/>
    <xsl:variable name="rival" select="substring-before(substring-after($dc:may-be-implied-since, concat('|', $kind, '=')), '|')"/>
    <xsl:choose>
      <xsl:when test="$source-caps != ''">
        <xsl:call-template name="implied-implementation.converted">
          <xsl:with-param name="kind" select="$kind"/>
          <xsl:with-param name="implementation">
            <xsl:choose>
              <xsl:when test="contains($source-caps, concat('|', substring-before($rival, '='), '|'))">
                <xsl:value-of select="substring-before($rival, '=')"/>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="$implied"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'implied-implementation'"/>
          <xsl:with-param name="kind" select="$kind"/>
          <xsl:with-param name="reason"
              select="concat('a model-only ', $kind, ' defined on libvirt ', substring-after(substring-after($rival, '='), '='), ' or later (the {from} version is ', $from, ') is ', $implied, ' or ', substring-before($rival, '='), ', depending on that host', &quot;'&quot;, 's QEMU')"/>
          <xsl:with-param name="hint"
              select="concat('say which with {assume ', $kind, '=', $implied, '} or {assume ', $kind, '=', substring-before($rival, '='), '}, or give that host', &quot;'&quot;, 's QEMU capabilities with {source-caps}')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="implied-implementation.implies-none">
    <xsl:param name="kind"/>
    <xsl:call-template name="dc:refuse">
      <xsl:with-param name="rule" select="'implied-implementation'"/>
      <xsl:with-param name="kind" select="$kind"/>
      <xsl:with-param name="reason"
          select="concat('the legacy form of ', $kind, ' implies no particular implementation')"/>
      <xsl:with-param name="hint"
          select="concat('say which one the source host used with {assume ', $kind, '=IMPLEMENTATION}')"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="implied-implementation.converted">
    <xsl:param name="kind"/>
    <xsl:param name="implementation"/>
    <dc:converted rule="implied-implementation">
      <xsl:copy>
        <xsl:copy-of select="@*[name() != 'model']"/>
        <xsl:attribute name="subType">
          <xsl:value-of select="$kind"/>
        </xsl:attribute>
        <xsl:attribute name="model">
          <xsl:value-of select="$implementation"/>
        </xsl:attribute>
      </xsl:copy>
    </dc:converted>
  </xsl:template>
</xsl:stylesheet>
